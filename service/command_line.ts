/**
 * Windows command lines from argv arrays. Windows passes a program one string; the program (through the C
 * runtime or CommandLineToArgvW) splits it again. These functions quote so that the split gives back
 * exactly the arguments given.
 * @module
 */

/**
 * Quotes one argument for CommandLineToArgvW: left bare when it has no space, tab, newline or quote and is
 * not empty; otherwise in quotes, with each quote escaped and the backslashes before a quote (or before
 * the closing quote) doubled.
 *
 * @example
 * ```ts
 * import { quoteWindowsArgument } from "./command_line.ts";
 * quoteWindowsArgument("plain"); // plain
 * quoteWindowsArgument('say "hi"'); // "say \"hi\""
 * ```
 */
export function quoteWindowsArgument(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let quoted = '"';
  let backslashes = 0;
  for (const char of arg) {
    if (char === "\\") {
      backslashes++;
      continue;
    }
    quoted += "\\".repeat(char === '"' ? backslashes * 2 + 1 : backslashes) + char;
    backslashes = 0;
  }
  return quoted + "\\".repeat(backslashes * 2) + '"';
}

/**
 * The command line that runs `program` with `args`. The program is always quoted: CommandLineToArgvW reads
 * the first word without backslash escapes, and an unquoted path with spaces is the "unquoted service
 * path" hole (C:\Program.exe would run before C:\Program Files\…).
 *
 * @example
 * ```ts
 * import { windowsCommandLine } from "./command_line.ts";
 * windowsCommandLine("C:\\tools\\app.exe", ["a b", ""]); // "C:\tools\app.exe" "a b" ""
 * ```
 */
export function windowsCommandLine(program: string, args: readonly string[] = []): string {
  if (program.includes('"')) throw new RangeError(`a program path cannot contain a quote: ${program}`);
  return [`"${program}"`, ...args.map(quoteWindowsArgument)].join(" ");
}
