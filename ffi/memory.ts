/**
 * The few raw-memory operations servitor needs: a buffer's address, and reading what native code
 * allocated. Only ffi/ imports this.
 * @module
 */

/** The address of `bytes`' first byte; keep `bytes` referenced while native code may use the address. */
export function addressOf(bytes: Uint8Array<ArrayBuffer> | BigUint64Array<ArrayBuffer>): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
}

/** Reads a NUL-terminated UTF-16 string at `pointer` (memory native code owns). */
export function readWideAt(pointer: Deno.PointerObject): string {
  const view = new Deno.UnsafePointerView(pointer);
  const units: number[] = [];
  for (let offset = 0;; offset += 2) {
    const unit = view.getUint16(offset);
    if (unit === 0) break;
    units.push(unit);
  }
  let text = "";
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
  return text;
}

/** Reads the pointer stored at `offset` bytes past `pointer`. */
export function readPointerAt(pointer: Deno.PointerObject, offset: number): Deno.PointerValue {
  return new Deno.UnsafePointerView(pointer).getPointer(offset);
}
