/**
 * A user account's password, for the service manager only: from a named environment variable, or typed at
 * a prompt without echo. It is passed to CreateServiceW and never written anywhere.
 * @module
 */
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

export async function readPassword(account: string, variable: string | undefined): Promise<string> {
  if (variable !== undefined) {
    const value = Deno.env.get(variable);
    if (value === undefined) {
      throw new CliError(
        `--password_env: the environment variable ${variable} is not set`,
        ExitCode.badValue,
      );
    }
    return value;
  }
  if (!Deno.stdin.isTerminal()) {
    throw new CliError(
      `the account ${account} needs its password: give --password_env <VARIABLE>, or run in a console to type it`,
      ExitCode.badValue,
    );
  }
  await Deno.stderr.write(new TextEncoder().encode(`password for ${account}: `));
  Deno.stdin.setRaw(true);
  try {
    const bytes: number[] = [];
    const buffer = new Uint8Array(1);
    for (;;) {
      const read = await Deno.stdin.read(buffer);
      if (read === null || buffer[0] === 13 || buffer[0] === 10) break;
      if (buffer[0] === 3) throw new CliError("cancelled", ExitCode.usage); // Ctrl-C in raw mode
      if (buffer[0] === 8 || buffer[0] === 127) bytes.pop();
      else bytes.push(buffer[0]);
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(new TextEncoder().encode("\n"));
  }
}
