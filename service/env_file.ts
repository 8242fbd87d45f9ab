/**
 * Environment files (AppEnvironmentFile, `--env_file`): dotenv syntax — comments, quotes, `export`,
 * multi-line quoted values — parsed by the well-kept `dotenv` package. dotenv skips a line it can't read
 * without a word; a setting must never vanish silently, so each line is first checked to be a KEY=VALUE
 * (or inside a quoted value that spans lines), and the first that is not is named with its line.
 *
 * dotenv is loaded by `loadEnvFileParser`, only where environment files are used: it loads Node's fs, os
 * and crypto, which cost the bundled build's every start of the host some 100 ms under Wine otherwise.
 * @module
 */
let dotenvParse: ((text: string) => Record<string, string>) | undefined;

/** Loads the parser parseEnvFile uses (dotenv); call it, once, before parseEnvFile. */
export async function loadEnvFileParser(): Promise<void> {
  dotenvParse ??= (await import("dotenv")).parse;
}

/** An environment file that can't be used: the message names the file, and the line where there is one. */
export class EnvFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvFileError";
  }
}

const assignment = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*(.*)$/;

/**
 * The values of an environment file's text; throws an EnvFileError naming `file` and the line.
 * loadEnvFileParser must have been called.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  if (text.includes("\0")) {
    const line = text.slice(0, text.indexOf("\0")).split("\n").length;
    throw new EnvFileError(`${file}:${line}: contains a NUL character: not a text file of KEY=VALUE lines`);
  }
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let openQuote: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (openQuote) {
      if (line.includes(openQuote)) openQuote = undefined;
      continue;
    }
    if (/^\s*(#.*)?$/.test(line)) continue;
    const match = assignment.exec(line);
    if (!match) {
      // The line itself is not quoted: it may hold a secret, and this message goes to the logs.
      throw new EnvFileError(`${file}:${index + 1}: expected KEY=VALUE (or a # comment)`);
    }
    // A quoted value that does not close on its line goes on until its quote closes (dotenv's multi-line).
    const value = match[1];
    const quote = /^["'`]/.exec(value)?.[0];
    if (quote && value.indexOf(quote, 1) === -1) openQuote = quote;
  }
  if (openQuote) throw new EnvFileError(`${file}: a value quoted with ${openQuote} is never closed`);
  if (!dotenvParse) throw new Error("parseEnvFile before loadEnvFileParser");
  return dotenvParse(text);
}
