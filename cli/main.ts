/**
 * servitor's command line. The first word picks the command, without regard to case.
 * @module
 */
import { ExitCode } from "./exit_codes.ts";
import { CliError, describeFailure } from "./errors.ts";
import { checkServiceName, type CliContext } from "./context.ts";
import { commandLineFor, invokedExecutable, procCmdline, selfCommand } from "./self.ts";
import { VERSION } from "./version.ts";

// Each command's modules are imported when it runs (`deno compile` still bundles them: the specifiers are
// literals): the host that the service manager starts, `--version` and a command's help load only what
// they need — under Wine, loading every command's modules took half a second of each start.

export { CliError, commandLineFor, describeFailure, VERSION };

const usage = `servitor ${VERSION}: run any program as a Windows service or a systemd service

Usage:
  servitor InstallService <program> [program options…] --service_name <name> [options…]
  servitor ManageService <name> start|status|stop|remove|reinstall|stop_and_remove|stop_and_reinstall|stop_and_restart
  servitor apply <file.yaml | directory | -> [--check] [--diff] [--json] [--prune] [--restart]
  servitor export <name>… | --all [--json]
  servitor list --json                 every servitor service's status, as ManageService status --json
  servitor ui [--port N] [--no-open] [--user]
  servitor schema                      the JSON Schema of a service's stored configuration
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
    case "schema": {
      const { serviceJsonSchema } = await import("../service/schema.ts");
      return say(JSON.stringify(serviceJsonSchema(), null, 2));
    }
    // Each command's help comes before the service manager is connected: it needs neither one nor root.
    case "apply": {
      const { applyUsage, parseApplyArgs, runApply } = await import("./apply.ts");
      if (args.slice(1).some(isHelp)) return say(applyUsage);
      const options = parseApplyArgs(args.slice(1));
      const { lifecycleTarget } = await import("./apply_target.ts");
      // --check changes nothing: a dry run's context, which needs no elevation and writes no audit log.
      return await withContext(
        (context) =>
          // With --json, stdout is the report alone: the lifecycle's progress lines go to stderr.
          runApply(
            options,
            lifecycleTarget(options.json ? { ...context, say: context.warn } : context, options.timeoutMs),
            context,
            {
              windows: context.windows,
              cwd: Deno.cwd(),
              isFile: (file) => {
                try {
                  return Deno.statSync(file).isFile;
                } catch {
                  return false;
                }
              },
            },
          ),
        { user: options.user, dryRun: options.check, quiet: true },
      );
    }
    case "export": {
      const { exportUsage, parseExportArgs, runExport } = await import("./export.ts");
      if (args.slice(1).some(isHelp)) return say(exportUsage);
      const options = parseExportArgs(args.slice(1));
      return await withContext((context) => runExport(options, context), { user: options.user });
    }
    case "ui": {
      const { parseUiArgs, uiUsage } = await import("../ui/options.ts");
      if (args.slice(1).some(isHelp)) return say(uiUsage);
      const options = parseUiArgs(args.slice(1));
      const { runUi } = await import("../ui/command.ts");
      return await withContext((context) => runUi(options, context), { user: options.user });
    }
    case "installservice": {
      const { installUsage, parseInstallArgs } = await import("./install_options.ts");
      const parsed = parseInstallArgs(args.slice(1));
      if (parsed.help) return say(installUsage());
      // A wrong name needs no service manager to say so.
      checkServiceName(parsed.options.service_name as string | undefined);
      const { installService } = await import("./install.ts");
      return await withContext((context) => installService(args.slice(1), context), {
        user: parsed.options.user === true,
        dryRun: parsed.options.dry_run === true,
      });
    }
    case "manageservice": {
      const { manageService, manageUsage } = await import("./manage.ts");
      if (args.length === 1 || args.slice(1).some(isHelp)) {
        console.log(manageUsage);
        return args.length === 1 ? ExitCode.usage : ExitCode.ok;
      }
      checkServiceName(args[1]);
      return await withContext(
        (context) => manageService(args.slice(1).filter((arg) => arg !== "--user"), context),
        { user: args.includes("--user") },
      );
    }
    case "list":
      // nssm's `list` prints names; `list --json` is servitor's: every status, as status --json prints it.
      if (args.includes("--json")) {
        const { listJson } = await import("./export.ts");
        return await withContext((context) => listJson(context), { user: args.includes("--user") });
      }
      // falls through to nssm's verb
    default: {
      const { isNssmVerb, nssmCommand, nssmUsage } = await import("./nssm.ts");
      if (isNssmVerb(command)) {
        // Only right after the verb: later words are values (`set X AppParameters -h`).
        if (isHelp(args[1])) return say(nssmUsage);
        return await withContext((context) => nssmCommand(args, context));
      }
      throw new CliError(`unknown command '${command}' (see 'servitor --help')`, ExitCode.usage);
    }
  }
}

const isHelp = (arg: string | undefined) => arg === "-h" || arg === "--help";

function say(text: string): number {
  console.log(text);
  return ExitCode.ok;
}

/**
 * Runs a command with the platform's service manager and the audit log. A dry run's manager and store
 * print each change instead, and it writes no audit log.
 */
async function withContext(
  command: (context: CliContext) => Promise<number>,
  options: { user?: boolean; dryRun?: boolean; quiet?: boolean } = {},
): Promise<number> {
  const { openCliContext } = await import("./lifecycle_context.ts");
  // `quiet`: a dry run whose manager and store print nothing (apply --check says what it would do itself).
  const print = options.dryRun ? (options.quiet ? () => {} : (line: string) => console.log(line)) : undefined;
  const { context, close } = await openCliContext({ user: options.user, print });
  try {
    return await command(context);
  } finally {
    await close();
  }
}

/**
 * `host --service <name> [--config-root <dir>]`: what the service manager starts. Not for people, though a
 * person may run it in a console to watch the program, Ctrl-C stopping it.
 */
async function host(args: string[]): Promise<number> {
  const { defaultConfigRoot } = await import("../service/store_layout.ts");
  let name: string | undefined;
  let configRoot = defaultConfigRoot();
  if (args.includes("-h") || args.includes("--help")) {
    console.log(
      "Usage: servitor host --service <name> [--config-root <dir>]\n\n" +
        "What the service manager starts: runs the stored service's program and supervises it. Run in a\n" +
        "console, it runs the program in the foreground; Ctrl-C stops it.",
    );
    return ExitCode.ok;
  }
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
  const [{ runHost }, { hostPlatform }, { windowsCommandLine }] = await Promise.all([
    import("../host/host.ts"),
    import("../host/platform.ts"),
    import("../service/command_line.ts"),
  ]);
  const self = selfCommand();
  const outcome = await runHost(
    { name, configRoot },
    hostPlatform(windowsCommandLine(self.program, self.args), VERSION),
  );
  return outcome.code;
}

if (import.meta.main) {
  const debug = Deno.args.includes("--debug");
  try {
    const args = Deno.args.filter((arg) => arg !== "--debug");
    const executable = invokedExecutable(procCmdline(), Deno.args, Deno.execPath());
    Deno.exit(await main(commandLineFor(executable, args, Deno.build.standalone)));
  } catch (error) {
    const { line, exitCode } = describeFailure(error);
    console.error(`servitor: ${line}`);
    if (debug && error instanceof Error) console.error(error.stack);
    Deno.exit(exitCode);
  }
}
