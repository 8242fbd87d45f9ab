/**
 * CommandLineToArgvW: how Windows itself splits a command line, for checking the command lines servitor
 * builds (and for reading a service's ImagePath back).
 * @module
 */
import { check } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { readPointerAt, readWideAt } from "./memory.ts";
import { shell32 } from "./shell32.ts";
import { wide } from "./strings.ts";

/** Splits `commandLine` as CommandLineToArgvW does. */
export function commandLineToArgv(commandLine: string): string[] {
  const count = new Int32Array(1);
  const argv = check(
    "CommandLineToArgvW",
    shell32().CommandLineToArgvW(wide(commandLine), new Uint8Array(count.buffer)),
  );
  try {
    const args: string[] = [];
    for (let i = 0; i < count[0]; i++) {
      const arg = readPointerAt(argv, i * 8);
      args.push(arg ? readWideAt(arg) : "");
    }
    return args;
  } finally {
    kernel32().LocalFree(argv);
  }
}
