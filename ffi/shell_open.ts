/**
 * ShellExecuteW's "open": what Windows does with an address or a file when a person double-clicks it —
 * an http address opens in the default browser.
 * @module
 */
import * as W from "./constants.ts";
import { Win32Error } from "./error.ts";
import { shell32 } from "./shell32.ts";
import { wide } from "./strings.ts";

/**
 * Opens `target` (an http://127.0.0.1 address, say) as the shell opens it. Throws a Win32Error when the
 * shell can't: ShellExecuteW returns a number of 32 or less then (ERROR_FILE_NOT_FOUND, SE_ERR_NOASSOC …),
 * which is the error's code.
 */
export function shellOpen(target: string): void {
  const result = shell32().ShellExecuteW(null, wide("open"), wide(target), null, null, W.SW_SHOWNORMAL);
  const value = result === null ? 0n : BigInt(Deno.UnsafePointer.value(result));
  if (value <= BigInt(W.SHELL_EXECUTE_SUCCEEDED_ABOVE)) throw Win32Error.of("ShellExecuteW", Number(value));
}
