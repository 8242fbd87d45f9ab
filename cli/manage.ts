/**
 * `servitor ManageService <name> <run_mode>`: OpenMSIStream's run modes (start, status, stop, remove,
 * reinstall and the compound ones) plus restart, pause, continue and rotate. Each transition is waited for,
 * with a progress line while it takes more than a moment, and a timeout.
 * @module
 */
import { errorLogPath, logDirectoryFor } from "../service/store_layout.ts";
import { readStoredSpec } from "../service/spec_reader.ts";
import { checkServiceName, type CliContext } from "./context.ts";
import { CliError, describeFailure } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { reasonDirectory } from "./reason.ts";
import { followFile, lastLines } from "./logs.ts";
import { pathExists } from "../service/exists.ts";
import { outputFile, printStatus } from "./status.ts";

// The lifecycle, with the store's YAML reader and zod, is loaded by the run modes that change something:
// status and logs only read (./status.ts), and start in a fraction of the time without them.
const lifecycle = () => import("../service/lifecycle.ts");

export const runModes = [
  "start",
  "status",
  "stop",
  "remove",
  "reinstall",
  "stop_and_remove",
  "stop_and_reinstall",
  "stop_and_restart",
  "restart",
  "pause",
  "continue",
  "rotate",
  "logs",
] as const;
export type RunMode = typeof runModes[number];

export const manageUsage = `Usage: servitor ManageService <name> <run_mode> [options]

Run modes:
  start                start the service and wait until it runs
  status               state, pid, start type, account, program, uptime, restarts, output files (--json)
  stop                 stop the service and wait until it has stopped
  remove               delete the service (--remove_install_args deletes its stored configuration too)
  reinstall            install it again from the stored install arguments
  stop_and_remove      stop, then remove
  stop_and_reinstall   stop, remove, reinstall
  stop_and_restart     stop, remove, reinstall, start
  restart              stop, then start
  pause | continue     continue starts a throttled program at once (pause is refused, as NSSM)
  rotate               rotate the output files now (needs online rotation)
  logs                 the last lines of the service's output, as it writes it (stopped or running)

Options:
  --timeout <s>        how long to wait for a state, or for another command on the service (default 30)
  --json               status as JSON
  -n <N>               logs: the last N lines (default 20)
  -f                   logs: then follow new lines, across rotations, until Ctrl-C
  --stderr | --both    logs: the error output instead of the output, or both
  --error_log          logs: servitor's own error log of the service (<name>_ERROR_LOG.txt)
  --remove_install_args, --remove_env_vars, --remove_nssm   for remove
  --user               Linux: a service of your own (systemctl --user)`;

/**
 * The run modes that take no lock: they change neither the store nor the service manager's entry. All the
 * others hold the service's lock (service/lock.ts) — start, stop and restart too: a start in the middle of
 * another command's reinstall would find no service, or start the old one just before it is removed, and a
 * stop during another command's start would make that one report a failed start.
 */
const unlockedModes: readonly RunMode[] = ["status", "pause", "continue", "rotate", "logs"];

/** The run modes that only read: nothing for the audit log. */
const readOnlyModes: readonly RunMode[] = ["status", "logs"];

interface ManageOptions {
  timeoutMs: number;
  json: boolean;
  removeInstallArgs: boolean;
  logs: LogsOptions;
}

/** Runs ManageService; returns the exit code. */
export async function manageService(args: string[], context: CliContext): Promise<number> {
  if (args.length === 0 || args.includes("-h") || args.includes("--help")) {
    context.say(manageUsage);
    return args.length === 0 ? ExitCode.usage : ExitCode.ok;
  }
  const [given, mode, ...rest] = args;
  const name = checkServiceName(given);
  if (!mode) {
    throw new CliError(`ManageService ${name}: which run mode? (${runModes.join(", ")})`, ExitCode.usage);
  }
  const runMode = mode.toLowerCase() as RunMode;
  if (!runModes.includes(runMode)) {
    throw new CliError(`ManageService: unknown run mode '${mode}' (${runModes.join(", ")})`, ExitCode.usage);
  }
  const options: ManageOptions = {
    timeoutMs: 30_000,
    json: false,
    removeInstallArgs: false,
    logs: { lines: 20, follow: false, which: "stdout" },
  };
  for (let i = 0; i < rest.length; i++) {
    const option = rest[i].replaceAll("-", "_").replace(/^__/, "--").replace(/^_(?=[nf]$)/, "-");
    if (option === "-n" || option === "--lines") {
      const count = rest[++i];
      if (count === undefined || !/^\d+$/.test(count)) {
        throw new CliError(`-n: '${count ?? ""}' is not a number of lines`, ExitCode.badValue);
      }
      options.logs.lines = Number(count);
    } else if (option === "-f" || option === "--follow") options.logs.follow = true;
    else if (option === "--stderr") options.logs.which = "stderr";
    else if (option === "--both") options.logs.which = "both";
    else if (option === "--error_log") options.logs.which = "error_log";
    else if (option === "--timeout") {
      const seconds = Number(rest[++i]);
      if (!(seconds > 0)) {
        throw new CliError(`--timeout: '${rest[i]}' is not a number of seconds`, ExitCode.badValue);
      }
      options.timeoutMs = seconds * 1000;
    } else if (option === "--json") options.json = true;
    else if (option === "--remove_install_args") options.removeInstallArgs = true;
    else if (option === "--remove_env_vars") {
      context.say(
        "--remove_env_vars: servitor sets no environment variables outside the service: nothing to do",
      );
    } else if (option === "--remove_nssm") {
      context.say("--remove_nssm: servitor needs no nssm.exe: nothing to do");
    } else throw new CliError(`ManageService: unknown option '${rest[i]}'`, ExitCode.usage);
  }

  const start = async () => (await lifecycle()).startService(context, name, options);
  const stop = async () => (await lifecycle()).stopService(context, name, options);
  const steps: Record<RunMode, (() => Promise<number | void>)[]> = {
    start: [start],
    status: [() => printStatus(name, context, options)],
    stop: [stop],
    remove: [() => remove(name, context, options)],
    reinstall: [() => reinstall(name, context)],
    stop_and_remove: [stop, () => remove(name, context, options)],
    stop_and_reinstall: [stop, () => replace(name, context)],
    stop_and_restart: [stop, () => replace(name, context), start],
    restart: [stop, start],
    pause: [() => control(name, "pause", context)],
    continue: [() => control(name, "continue", context)],
    rotate: [() => control(name, "rotate", context)],
    logs: [() => showLogs(name, context, options.logs)],
  };
  const runSteps = async (): Promise<number> => {
    for (const step of steps[runMode]) {
      const code = await step();
      if (typeof code === "number" && code !== ExitCode.ok) return code;
    }
    return ExitCode.ok;
  };
  try {
    const code = unlockedModes.includes(runMode)
      ? await runSteps()
      : await (await lifecycle()).withServiceLock(context, name, options.timeoutMs, runSteps);
    if (code !== ExitCode.ok) return code;
  } catch (error) {
    if (!readOnlyModes.includes(runMode)) {
      context.audit(`ManageService ${name} ${runMode}: failed: ${(error as Error).message}`);
    }
    throw error;
  }
  if (!readOnlyModes.includes(runMode)) context.audit(`ManageService ${name} ${runMode}: done`);
  return ExitCode.ok;
}

/** Removes the service; its line says whether the stored configuration went with it. */
async function remove(name: string, context: CliContext, options: ManageOptions) {
  const { removeService } = await lifecycle();
  await removeService(context, name, { keepStore: !options.removeInstallArgs, timeoutMs: options.timeoutMs });
  context.say(
    options.removeInstallArgs
      ? `'${name}' is removed, with its stored configuration`
      : `'${name}' is removed (reinstall with: ManageService ${name} reinstall)`,
  );
}

/** Removes the service and installs it again from its stored arguments; a failed install puts the old back. */
async function replace(name: string, context: CliContext): Promise<number> {
  const [{ putBack, removeService }, { readSpec }] = await Promise.all([
    lifecycle(),
    import("../service/store.ts"),
  ]);
  const previous = await readSpec(context.configRoot, name).catch(() => undefined);
  await removeService(context, name, { keepStore: true });
  context.say(`'${name}' is removed (reinstall with: ManageService ${name} reinstall)`);
  try {
    return await reinstall(name, context);
  } catch (error) {
    if (previous) await putBack(context, previous);
    throw error;
  }
}

async function reinstall(name: string, context: CliContext): Promise<number> {
  const { readInstallRecord } = await import("../service/install_record.ts");
  const record = await readInstallRecord(context.configRoot, name);
  // Loaded only for a reinstall: InstallService's option table is most of what a ManageService would load.
  const { installService } = await import("./install.ts");
  try {
    return await installService(record.args, context, record.cwd);
  } catch (error) {
    // InstallService's own hint ("… or run 'ManageService X reinstall'") would send the person back here.
    if (describeFailure(error).exitCode !== ExitCode.serviceExists) throw error;
    throw new CliError(
      `'${name}' is installed already: reinstall is for a removed service; to install it again from its ` +
        `stored arguments, run 'ManageService ${name} stop_and_reinstall'`,
      ExitCode.serviceExists,
    );
  }
}

async function control(name: string, which: "pause" | "continue" | "rotate", context: CliContext) {
  await context.manager.control(name, which);
  context.say(`'${name}': ${which} sent`);
}

interface LogsOptions {
  lines: number;
  follow: boolean;
  which: "stdout" | "stderr" | "both" | "error_log";
}

/**
 * `logs`: the last lines of the service's output files (or its error log) as the host names them, then with
 * -f each new line until Ctrl-C. Two different files are shown as `tail` shows them, each block under a
 * `==> file <==` line; a spec naming one file for both streams is shown once.
 */
async function showLogs(name: string, context: CliContext, options: LogsOptions): Promise<number> {
  const files = await logFiles(name, context, options.which);
  let shown: string | undefined;
  const print = (file: string) => (line: string) => {
    if (files.length > 1 && shown !== file) context.say(`${shown === undefined ? "" : "\n"}==> ${file} <==`);
    shown = file;
    context.say(line);
  };
  if (!options.follow) {
    for (const file of files) {
      const lines = await lastLines(file, options.lines);
      if (lines.length === 0 && !(await pathExists(file))) context.warn(`${file}: nothing written yet`);
      lines.forEach(print(file));
    }
    return ExitCode.ok;
  }
  for (const file of files) {
    if (!(await pathExists(file))) context.warn(`${file}: nothing written yet; waiting`);
  }
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await Promise.all(files.map((file) => followFile(file, print(file), stop.signal, options.lines)));
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  return ExitCode.ok;
}

/** The files `logs` reads: the resolved output paths (the host's defaults when no spec), or the error log. */
async function logFiles(name: string, context: CliContext, which: LogsOptions["which"]): Promise<string[]> {
  const status = await context.manager.status(name);
  const spec = await readStoredSpec(context.configRoot, name).catch(() => undefined);
  if (which === "error_log") {
    return [errorLogPath(reasonDirectory(name, spec, context.configRoot, context.windows), name)];
  }
  if (!spec) {
    throw new CliError(
      `'${name}' has no stored configuration of servitor's: its output is not servitor's to show`,
      ExitCode.refused,
    );
  }
  const logDirectory = logDirectoryFor(spec, context.configRoot, context.windows);
  const hostPid = status.state === "stopped" ? undefined : status.pid;
  const streams: ("stdout" | "stderr")[] = which === "both" ? ["stdout", "stderr"] : [which];
  const files = streams.map((stream) => {
    const file = outputFile(spec, stream, logDirectory, context.windows, hostPid);
    if (file === undefined) {
      throw new CliError(
        `'${name}': its ${stream} file is named by the host at each start (${spec.output[stream]}): ` +
          `see the log directory, ${logDirectory}`,
        ExitCode.refused,
      );
    }
    return file;
  });
  return [...new Set(files)];
}
