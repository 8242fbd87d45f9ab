/**
 * `servitor ui`'s command line: the port, whether to open a browser, the user's own services — and the
 * address, which may only be loopback (the page can run any program as root or SYSTEM).
 * @module
 */
import { CliError } from "../cli/errors.ts";
import { ExitCode } from "../cli/exit_codes.ts";

export const uiUsage = `Usage: servitor ui [--port N] [--no-open] [--user]

Serves servitor's page on 127.0.0.1 (a free port unless --port) and prints its address, with a one-time
token, as the first line; opens the browser there unless --no-open. Runs until Ctrl-C.

  --port N     listen on port N of 127.0.0.1
  --no-open    don't open a browser; only print the address
  --user       your own systemd services (no root needed)`;

export interface UiOptions {
  port: number;
  open: boolean;
  user: boolean;
  /** The page's route to open at (`/edit/<name>`, `/install`): nssm's install and edit verbs. */
  route?: string;
}

/** The loopback address the page is served on: the only one allowed. */
export const LOOPBACK = "127.0.0.1";

/** Parses `servitor ui`'s arguments (after the command word). */
export function parseUiArgs(args: readonly string[]): UiOptions {
  const options: UiOptions = { port: 0, open: true, user: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => {
      const given = inline ?? args[++i];
      if (given === undefined) throw new CliError(`ui: ${flag} needs a value`, ExitCode.usage);
      return given;
    };
    if (flag === "--no-open") options.open = false;
    else if (flag === "--user") options.user = true;
    else if (flag === "--port") {
      const text = value();
      const port = Number(text);
      if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
        throw new CliError(`ui: --port '${text}' is not a port (1 to 65535)`, ExitCode.badValue);
      }
      options.port = port;
    } else if (flag === "--address") {
      const address = value();
      if (address !== LOOPBACK && address !== "localhost") {
        throw new CliError(
          `ui: --address '${address}' is not loopback: the page can run any program as root, so it is served ` +
            `on ${LOOPBACK} only`,
          ExitCode.badValue,
        );
      }
    } else throw new CliError(`ui: unknown option '${arg}' (see 'servitor ui -h')`, ExitCode.usage);
  }
  return options;
}
