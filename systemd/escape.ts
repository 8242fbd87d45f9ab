/**
 * Writing values into a systemd unit file so that systemd reads back exactly what was meant
 * (systemd.syntax(7); systemd.service(5), "Command lines"; systemd.unit(5), "Specifiers").
 *
 * Checked against systemd 257 in the test-bed: a quoted word keeps spaces, single quotes, `;` and
 * non-ASCII as they are; `%%` and `$$` inside it are a literal `%` and `$`; `\\`, `\"`, `\n`, `\t` and
 * `\xNN` are unescaped; a free-text setting such as Description= is neither unquoted nor unescaped, has its
 * leading and trailing blanks stripped, and a line ending in one backslash is joined with the next.
 * @module
 */
import { ServiceManagerError } from "../service/manager.ts";

/** Characters a command-line word may hold without quotes. */
const PLAIN_WORD = /^[A-Za-z0-9_@+=:,./-]+$/;
/** Prefixes systemd reads off the start of ExecStart= (`-`, `@`, `:`, `+`, `!`): never leave one bare. */
const EXEC_PREFIX = /^[-@:+!]/;

/** `%` starts a specifier in almost every setting: `%%` is one literal `%`. */
export function escapeSpecifiers(text: string): string {
  return text.replaceAll("%", "%%");
}

/**
 * One word of an ExecStart= command line, quoted when it needs to be. `first` is the program, whose
 * first character would otherwise be read as one of ExecStart='s prefixes.
 *
 * @example
 * ```ts
 * execWord("/usr/bin/env", true); // /usr/bin/env
 * execWord("50% of $HOME");       // "50%% of $$HOME"
 * ```
 */
export function execWord(word: string, first = false): string {
  if (word.includes("\0")) {
    throw new ServiceManagerError(
      `the argument ${JSON.stringify(word)} holds a NUL character, which no program can receive`,
      "refused",
    );
  }
  if (first) return execPath(word);
  // `$` starts an environment variable in an argument (quoted or not): `$$` is one literal `$`.
  const literal = escapeSpecifiers(word).replaceAll("$", () => "$$");
  return PLAIN_WORD.test(word) ? literal : `"${cEscape(literal)}"`;
}

/**
 * The program of ExecStart=. systemd takes its path literally apart from specifiers (no `$` expansion,
 * no C escapes) and refuses one holding quotes, backslashes or control characters ("Executable path
 * contains special characters", string_is_safe() in its source): such a path is refused here, in words.
 */
function execPath(program: string): string {
  // deno-lint-ignore no-control-regex -- control characters are among what systemd refuses
  if (/["'\\\x01-\x1f\x7f]/.test(program)) {
    throw new ServiceManagerError(
      `systemd can't run a program whose path holds quotes, backslashes or control characters: ` +
        `${JSON.stringify(program)} (link or copy it to a plainer path)`,
      "refused",
    );
  }
  const literal = escapeSpecifiers(program);
  return PLAIN_WORD.test(program) && !EXEC_PREFIX.test(program) ? literal : `"${literal}"`;
}

/**
 * One path of a space-separated path list (BindReadOnlyPaths=): quoted when it holds a blank or a quote,
 * specifiers escaped; such lists expand no `$`.
 *
 * @example
 * ```ts
 * pathWord("/tmp/a b"); // "/tmp/a b" (quoted)
 * ```
 */
export function pathWord(path: string): string {
  const literal = escapeSpecifiers(path);
  return PLAIN_WORD.test(path) ? literal : `"${cEscape(literal)}"`;
}

/** A whole ExecStart= value: the program and its arguments, each exactly as given. */
export function execLine(program: string, args: readonly string[]): string {
  return [execWord(program, true), ...args.map((arg) => execWord(arg))].join(" ");
}

/** C-style escapes inside a double-quoted word: backslash, quote and every control character. */
function cEscape(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are exactly what must be escaped
  return text.replace(/[\\"\x01-\x1f\x7f]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\t":
        return "\\t";
      case "\r":
        return "\\r";
      default:
        return `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
    }
  });
}

/**
 * A free-text setting (Description=): one line, no control characters, specifiers escaped. Line breaks
 * and tabs become spaces. A trailing backslash is dropped: it would join the next line to this one, and
 * doubling it would show two (free text is not unescaped).
 *
 * @example
 * ```ts
 * freeText("Web server\n100% uptime"); // Web server 100%% uptime
 * ```
 */
export function freeText(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are exactly what can't stay
  const oneLine = text.replace(/[\x00-\x1f\x7f]/g, " ").trim().replace(/\\+$/, "").trimEnd();
  return escapeSpecifiers(oneLine);
}

/**
 * A value systemd never reads (a key of servitor's own `[X-Servitor]` section), kept exactly: as a JSON
 * string, which is one line and never ends in a backslash.
 */
export function opaqueValue(text: string): string {
  return JSON.stringify(text);
}

/** The text of an opaqueValue; a value someone wrote by hand without quotes is taken as it is. */
export function readOpaqueValue(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    const parsed = JSON.parse(value);
    return typeof parsed === "string" ? parsed : value;
  } catch {
    return value;
  }
}

/** A word for a POSIX shell, for the lines a dry run prints. */
export function shellWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
