/**
 * kernel32.dll: the symbols servitor uses.
 * @module
 */
import { lazyLibrary } from "./library.ts";

const symbols = {
  FormatMessageW: {
    parameters: ["u32", "pointer", "u32", "u32", "buffer", "u32", "pointer"],
    result: "u32",
  },
  CloseHandle: { parameters: ["pointer"], result: "i32" },
  LocalFree: { parameters: ["pointer"], result: "pointer" },
  CreateJobObjectW: { parameters: ["pointer", "buffer"], result: "pointer" },
  SetInformationJobObject: { parameters: ["pointer", "u32", "buffer", "u32"], result: "i32" },
  QueryInformationJobObject: { parameters: ["pointer", "u32", "buffer", "u32", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export const kernel32 = lazyLibrary("kernel32.dll", symbols);
