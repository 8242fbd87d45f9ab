/**
 * Windows command lines, every rule once. Windows passes a program one string; the program (through the C
 * runtime or CommandLineToArgvW) splits it again. Quoting here is such that the split gives back exactly the
 * arguments given; splitting reads a command line as CreateProcessW (the program) and the C runtime (the
 * arguments) do; nssm's own quoting adds cmd.exe's carets. The Windows tier checks them against the real
 * CommandLineToArgvW (ffi/command_line.ts).
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
  return arg !== "" && !/[\s"]/.test(arg) ? arg : inQuotes(arg);
}

/** `text` in quotes, read back whole: each quote escaped, the backslashes before a quote (or the end) doubled. */
function inQuotes(text: string): string {
  let quoted = '"';
  let backslashes = 0;
  for (const char of text) {
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

/**
 * Splits a Windows command line into its program and the rest, as CreateProcess and CommandLineToArgvW read
 * the first word: up to the closing quote when it starts with one (no backslash escapes), else up to the
 * first space or tab. The rest is passed on verbatim.
 *
 * @example
 * ```ts
 * import { splitProgram } from "./command_line.ts";
 * splitProgram('"C:\\Program Files\\app.exe" /x "y z"'); // { program: "C:\\Program Files\\app.exe", rest: '/x "y z"' }
 * ```
 */
export function splitProgram(commandLine: string): { program: string; rest: string } {
  const line = commandLine.replace(/^[ \t]+/, "");
  if (line.startsWith('"')) {
    const close = line.indexOf('"', 1);
    if (close < 0) return { program: line.slice(1), rest: "" };
    return { program: line.slice(1, close), rest: line.slice(close + 1).replace(/^[ \t]+/, "") };
  }
  const match = /^([^ \t]*)[ \t]*(.*)$/s.exec(line)!;
  return { program: match[1], rest: match[2] };
}

/** Arguments as one string (AppParameters, the rest of a command line), each quoted only where it must be. */
export function joinArguments(args: readonly string[]): string {
  return args.map(quoteWindowsArgument).join(" ");
}

/**
 * Splits arguments as a program's C runtime does (CommandLineToArgvW's rules after the program's name):
 * spaces and tabs separate, quotes group, 2n backslashes before a quote are n and the quote groups, 2n+1 are
 * n and a literal quote, `""` inside quotes is a literal quote.
 *
 * @example
 * ```ts
 * import { splitArguments } from "./command_line.ts";
 * splitArguments('/c "two words" say\\"hi\\"'); // ["/c", "two words", 'say"hi"']
 * ```
 */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let current = "";
  let inArgument = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if ((char === " " || char === "\t") && !quoted) {
      if (inArgument) args.push(current);
      current = "";
      inArgument = false;
      continue;
    }
    inArgument = true;
    if (char === "\\") {
      let backslashes = 0;
      while (text[i] === "\\") {
        backslashes++;
        i++;
      }
      if (text[i] === '"') {
        current += "\\".repeat(Math.floor(backslashes / 2));
        if (backslashes % 2 === 1) current += '"';
        else i--; // the quote groups: handled by the next round
      } else {
        current += "\\".repeat(backslashes);
        i--;
      }
      continue;
    }
    if (char === '"') {
      if (quoted && text[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
      continue;
    }
    current += char;
  }
  if (inArgument) args.push(current);
  return args;
}

/**
 * nssm's quote() for `dump`: bare when nothing needs quoting; in quotes when there is a space, tab, `*` or
 * quote; and when there is a character cmd.exe treats specially (`" & % ^ < > |`) the quoted string with
 * each of those, and each backslash, escaped with a caret, so the line can be pasted at a command prompt.
 *
 * @example
 * ```ts
 * import { nssmQuote } from "./command_line.ts";
 * nssmQuote("C:\\Program Files\\app.exe"); // "C:\Program Files\app.exe"
 * nssmQuote("cmd /c echo hi & exit 0"); // ^"cmd /c echo hi ^& exit 0^"
 * ```
 */
export function nssmQuote(text: string): string {
  const cmdSpecial = /["&%^<>|]/;
  const escape = cmdSpecial.test(text);
  if (!escape && !/[ \t\n\v"*]/.test(text)) return text;
  return escape ? inQuotes(text).replace(/["&%^<>|\\]/g, "^$&") : inQuotes(text);
}
