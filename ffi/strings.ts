/**
 * UTF-16LE strings as Win32's wide-character functions take and give them: NUL-terminated strings and
 * double-NUL-terminated multi-strings (REG_MULTI_SZ, lpDependencies). Pure code, tested on Linux.
 * @module
 */

const utf16 = new TextDecoder("utf-16le");

/** Encodes `text` as a NUL-terminated UTF-16LE buffer, ready to pass as an LPCWSTR. */
export function wide(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array((text.length + 1) * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), true);
  return bytes;
}

/** Like {@link wide}, but `null` for an absent string: Win32 reads a NULL LPCWSTR as "not given". */
export function wideOrNull(text: string | undefined | null): Uint8Array<ArrayBuffer> | null {
  return text === undefined || text === null ? null : wide(text);
}

/**
 * Encodes a list as a multi-string: each item NUL-terminated, the whole ending in one more NUL.
 * An empty list is two NULs, which is how ChangeServiceConfigW is told "no dependencies"
 * (a NULL pointer would mean "leave unchanged").
 */
export function wideMulti(items: readonly string[]): Uint8Array<ArrayBuffer> {
  if (items.some((item) => item === "" || item.includes("\0"))) {
    throw new RangeError("a multi-string item can be neither empty nor contain NUL");
  }
  return wide(items.length === 0 ? "\0" : items.join("\0") + "\0");
}

/** Reads a NUL-terminated UTF-16LE string starting at byte `offset` of `bytes`. */
export function readWide(bytes: Uint8Array, offset = 0): string {
  let end = offset;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return utf16.decode(bytes.subarray(offset, end));
}

/** Reads a double-NUL-terminated multi-string starting at byte `offset` of `bytes`. */
export function readWideMulti(bytes: Uint8Array, offset = 0): string[] {
  const items: string[] = [];
  for (;;) {
    const item = readWide(bytes, offset);
    if (item === "") return items;
    items.push(item);
    offset += (item.length + 1) * 2;
  }
}

/** Decodes exactly `units` UTF-16 code units starting at byte `offset` (no terminator expected). */
export function readWideUnits(bytes: Uint8Array, offset: number, units: number): string {
  return utf16.decode(bytes.subarray(offset, offset + units * 2));
}
