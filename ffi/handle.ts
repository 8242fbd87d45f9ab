/**
 * Kernel handles servitor owns ({@link Handle}, closed on every path), and their raw values as the other
 * ffi/ files need them. The pointers never leave ffi/.
 * @module
 */
import { check } from "./error.ts";
import { kernel32 } from "./kernel32.ts";

const INVALID_HANDLE_VALUE = 0xFFFF_FFFF_FFFF_FFFFn;

/** The pointer inside a Handle, for ffi/ only (set by Handle's static block); throws once it is closed. */
export let rawOf: (handle: Handle) => Deno.PointerObject;

/** A kernel handle servitor owns. Closing it twice does nothing. */
export class Handle implements Disposable {
  #raw: Deno.PointerObject | null;

  constructor(raw: Deno.PointerObject) {
    this.#raw = raw;
  }

  static {
    rawOf = (handle) => {
      if (!handle.#raw) throw new Error("this handle is closed");
      return handle.#raw;
    };
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.#raw === null;
  }

  /** CloseHandle. */
  close(): void {
    const raw = this.#raw;
    this.#raw = null;
    if (raw) check("CloseHandle", kernel32().CloseHandle(raw));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A HANDLE's numeric value, as STARTUPINFOW and PROC_THREAD_ATTRIBUTE_HANDLE_LIST hold it. */
export function valueOf(handle: Handle): bigint {
  return BigInt(Deno.UnsafePointer.value(rawOf(handle)));
}

/** Wraps a HANDLE that is INVALID_HANDLE_VALUE on failure (CreateFileW, CreateToolhelp32Snapshot). */
export function checkHandle(fn: string, raw: Deno.PointerValue): Handle {
  check(fn, isHandleValue(raw));
  return new Handle(raw!);
}

/** A HANDLE from its numeric value (as CreatePipe, DuplicateHandle and PROCESS_INFORMATION write it). */
export function pointerOf(value: bigint): Deno.PointerObject {
  return Deno.UnsafePointer.create(value)!;
}

/**
 * Whether a HANDLE value of this process (not a Handle it owns) is a real one: GetStdHandle's answer is NULL
 * or INVALID_HANDLE_VALUE when there is none.
 */
export function isHandleValue(raw: Deno.PointerValue): boolean {
  const value = raw ? BigInt(Deno.UnsafePointer.value(raw)) : 0n;
  return value !== 0n && value !== INVALID_HANDLE_VALUE;
}

/**
 * Whether `value` (a HANDLE's number, as another process printed it) is an open handle of this process:
 * how a child checks which handles it inherited.
 */
export function isOpenHandleValue(value: bigint): boolean {
  const flags = new Uint32Array(1);
  return kernel32().GetHandleInformation(pointerOf(value), new Uint8Array(flags.buffer)) !== 0;
}
