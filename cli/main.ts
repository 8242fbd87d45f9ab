/**
 * servitor's command line. The first word picks the command, without regard to case.
 * @module
 */
import { ExitCode } from "./exit_codes.ts";
import { Win32Error } from "../ffi/error.ts";
import * as W from "../ffi/constants.ts";
import { runHost } from "../host/host.ts";
import { hostPlatform } from "../host/platform.ts";
import { defaultConfigRoot } from "../service/store.ts";
import { windowsCommandLine } from "../service/command_line.ts";
import { selfCommand } from "./self.ts";
import { VERSION } from "./version.ts";

export { VERSION };

/** A failure we know: one line for a person, and its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
  }
}

const usage = `servitor ${VERSION}: run any program as a Windows service or a systemd service

Usage:
  servitor InstallService <program> [program options…] --service_name <name> [options…]
  servitor ManageService <name> start|status|stop|remove|reinstall|stop_and_remove|stop_and_reinstall|stop_and_restart
  servitor --version
  servitor -h | --help

Run 'servitor <command> -h' for a command's options.`;

/** Runs the command line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command = ""] = args;
  switch (command.toLowerCase()) {
    case "":
    case "-h":
    case "--help":
    case "help":
      console.log(usage);
      return command === "" ? ExitCode.usage : ExitCode.ok;
    case "--version":
    case "version":
      console.log(VERSION);
      return ExitCode.ok;
    case "host":
      return await host(args.slice(1));
    case "installservice":
    case "manageservice":
      throw new CliError(`${command} is not built yet in this version of servitor`, ExitCode.notImplemented);
    default:
      throw new CliError(`unknown command '${command}' (see 'servitor --help')`, ExitCode.usage);
  }
}

/**
 * `host --service <name> [--config-root <dir>]`: what the service manager starts. Not for people, though a
 * person may run it in a console to watch the program, Ctrl-C stopping it.
 */
async function host(args: string[]): Promise<number> {
  let name: string | undefined;
  let configRoot = defaultConfigRoot();
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if ((args[i] === "--service" || args[i] === "--config-root") && value === undefined) {
      throw new CliError(`${args[i]} needs a value`, ExitCode.usage);
    }
    if (args[i] === "--service") name = args[++i];
    else if (args[i] === "--config-root") configRoot = args[++i];
    else throw new CliError(`host: unknown option '${args[i]}'`, ExitCode.usage);
  }
  if (!name) throw new CliError("host: --service <name> is required", ExitCode.usage);
  const self = selfCommand();
  const outcome = await runHost(
    { name, configRoot },
    hostPlatform(windowsCommandLine(self.program, self.args), VERSION),
  );
  return outcome.code;
}

/** The exit code and the one line a person sees for `error`. */
export function describeFailure(error: unknown): { line: string; exitCode: ExitCode } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof Win32Error) {
    const exitCode = error.code === W.ERROR_ACCESS_DENIED
      ? ExitCode.accessDenied
      : error.code === W.ERROR_SERVICE_DOES_NOT_EXIST
      ? ExitCode.noSuchService
      : error.code === W.ERROR_SERVICE_EXISTS || error.code === W.ERROR_DUPLICATE_SERVICE_NAME
      ? ExitCode.serviceExists
      : ExitCode.serviceManager;
    return { line: error.message, exitCode };
  }
  return {
    line: `internal error: ${
      error instanceof Error ? error.message : String(error)
    } (run with --debug for details)`,
    exitCode: ExitCode.internal,
  };
}

if (import.meta.main) {
  const debug = Deno.args.includes("--debug");
  try {
    Deno.exit(await main(Deno.args.filter((arg) => arg !== "--debug")));
  } catch (error) {
    const { line, exitCode } = describeFailure(error);
    console.error(`servitor: ${line}`);
    if (debug && error instanceof Error) console.error(error.stack);
    Deno.exit(exitCode);
  }
}
