/**
 * The standard handles a child is given: NUL, a file to read, a file to append to, or a duplicate of this
 * process's own — each inheritable, as CreateProcessW's STARTUPINFOW hands them on.
 * @module
 */
import * as W from "./constants.ts";
import { check, unless } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { wide } from "./strings.ts";
import { encodeSecurityAttributes } from "./structs.ts";
import { checkHandle, Handle, isHandleValue, pointerOf } from "./handle.ts";

/** Opens NUL for the child to read from (an immediate end of input) or write to; inheritable. */
export function openNul(access: "read" | "write"): Handle {
  return openFile("NUL", access);
}

/** Opens an existing file for the child to read as its stdin; inheritable. */
export function openForReading(path: string): Handle {
  return openFile(path, "read");
}

/**
 * Opens (creating it when missing) a file for the child to write its output into, every write at the end
 * of the file — also when the host or another stream appends to it too; inheritable. Shared for reading,
 * writing and deletion, so a person can read, copy, rename or delete the log while the program runs.
 */
export function openForAppending(path: string): Handle {
  return openFile(path, "append");
}

const fileAccess = {
  read: { access: W.GENERIC_READ, disposition: W.OPEN_EXISTING },
  write: { access: W.GENERIC_WRITE, disposition: W.OPEN_EXISTING },
  append: { access: W.FILE_APPEND_DATA | W.SYNCHRONIZE, disposition: W.OPEN_ALWAYS },
};

function openFile(path: string, mode: keyof typeof fileAccess): Handle {
  const { access, disposition } = fileAccess[mode];
  return checkHandle(
    "CreateFileW",
    kernel32().CreateFileW(
      wide(path),
      access,
      W.FILE_SHARE_READ | W.FILE_SHARE_WRITE | W.FILE_SHARE_DELETE,
      encodeSecurityAttributes(true),
      disposition,
      W.FILE_ATTRIBUTE_NORMAL,
      null,
    ),
  );
}

const standardHandles = {
  input: W.STD_INPUT_HANDLE,
  output: W.STD_OUTPUT_HANDLE,
  error: W.STD_ERROR_HANDLE,
};

/**
 * An inheritable duplicate of this process's own standard handle, for a child that shares it; `null` when
 * this process has none (a service has no console, and no standard handles unless given some).
 */
export function duplicateStandardHandle(which: keyof typeof standardHandles): Handle | null {
  const own = kernel32().GetStdHandle(standardHandles[which]);
  if (!isHandleValue(own)) return null;
  const duplicate = new BigUint64Array(1);
  const self = kernel32().GetCurrentProcess();
  const ok = kernel32().DuplicateHandle(
    self,
    own,
    self,
    new Uint8Array(duplicate.buffer),
    0,
    1,
    W.DUPLICATE_SAME_ACCESS,
  );
  // Some standard handles can't be duplicated (pre-Windows 8 console pseudo-handles): then the child gets none.
  return unless([W.ERROR_INVALID_HANDLE], () => check("DuplicateHandle", ok)) === undefined
    ? null
    : new Handle(pointerOf(duplicate[0]));
}
