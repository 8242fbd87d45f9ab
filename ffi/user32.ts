/**
 * user32.dll: the window and thread messages of NSSM's graceful stop — WM_CLOSE to a program's top-level
 * windows, WM_QUIT to its threads.
 * @module
 */
import * as W from "./constants.ts";
import { check, Win32Error } from "./error.ts";
import { lazyLibrary } from "./library.ts";
import { listThreads } from "./toolhelp.ts";

const symbols = {
  // EnumWindows calls its callback on the calling thread, before it returns: an ordinary callback will do.
  EnumWindows: { parameters: ["function", "isize"], result: "i32" },
  GetWindowThreadProcessId: { parameters: ["pointer", "buffer"], result: "u32" },
  PostMessageW: { parameters: ["pointer", "u32", "usize", "isize"], result: "i32" },
  PostThreadMessageW: { parameters: ["u32", "u32", "usize", "isize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export const user32 = lazyLibrary("user32.dll", symbols);

const enumWindowsProc = { parameters: ["pointer", "isize"], result: "i32" } as const;

/** The top-level windows of the processes `pids`, as EnumWindows lists them. */
function windowsOf(pids: ReadonlySet<number>): Deno.PointerObject[] {
  const found: Deno.PointerObject[] = [];
  const owner = new Uint32Array(1);
  let failure: unknown;
  const callback = new Deno.UnsafeCallback(enumWindowsProc, (window) => {
    // A throw must never reach native code.
    try {
      if (
        window && user32().GetWindowThreadProcessId(window, new Uint8Array(owner.buffer)) &&
        pids.has(owner[0])
      ) {
        found.push(window);
      }
      return 1;
    } catch (error) {
      failure = error;
      return 0;
    }
  });
  try {
    check("EnumWindows", user32().EnumWindows(callback.pointer, 0n) !== 0 || failure !== undefined);
  } finally {
    callback.close();
  }
  if (failure !== undefined) throw failure;
  return found;
}

/**
 * Posts WM_CLOSE to every top-level window of the processes `pids`; returns how many windows took it
 * (0: they have none, such as a console program, whose console window belongs to the console host).
 */
export function postCloseToWindows(pids: readonly number[]): number {
  let posted = 0;
  for (const window of windowsOf(new Set(pids))) {
    // A window that went away meanwhile refuses the message: nothing to close there.
    if (user32().PostMessageW(window, W.WM_CLOSE, 0n, 0n)) posted++;
  }
  return posted;
}

/**
 * Posts WM_QUIT to every thread of the processes `pids`; returns how many threads took it (a thread
 * without a message queue refuses it with ERROR_INVALID_THREAD_ID).
 */
export function postQuitToThreads(pids: readonly number[]): number {
  const wanted = new Set(pids);
  let posted = 0;
  for (const { threadId, processId } of listThreads()) {
    if (!wanted.has(processId)) continue;
    try {
      check("PostThreadMessageW", user32().PostThreadMessageW(threadId, W.WM_QUIT, 0n, 0n));
      posted++;
    } catch (error) {
      if (!(error instanceof Win32Error)) throw error;
    }
  }
  return posted;
}
