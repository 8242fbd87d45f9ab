/**
 * shell32.dll: the symbols servitor uses.
 * @module
 */
import { lazyLibrary } from "./library.ts";

const symbols = {
  CommandLineToArgvW: { parameters: ["buffer", "buffer"], result: "pointer" },
  // hwnd, lpOperation, lpFile, lpParameters, lpDirectory, nShowCmd → HINSTANCE (a code, not a handle).
  ShellExecuteW: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer", "i32"],
    result: "pointer",
  },
} as const satisfies Deno.ForeignLibraryInterface;

export const shell32 = lazyLibrary("shell32.dll", symbols);
