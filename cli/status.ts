/**
 * `ManageService X status`: what the service manager says of a service, with what its host says of itself
 * (status.json), why it stopped, and where its output goes — and the files its output goes to, which `logs`
 * reads. Only reads: it loads neither the lifecycle nor the store's YAML reader (the spec's checked form is
 * read instead, service/checked_spec.ts), so that a status asked often, or under Wine, starts fast.
 * @module
 */
import type { ServiceState } from "../service/vocabulary.ts";
import type { InstalledService, ManagedStatus } from "../service/manager.ts";
import { hostStatusFile, logDirectoryFor } from "../service/store_layout.ts";
import { readStoredSpec } from "../service/spec_reader.ts";
import { windowsCommandLine } from "../service/command_line.ts";
import type { ServiceSpec } from "../service/spec.ts";
import { resolveOutputPath } from "../host/monikers.ts";
import { programEnvironment, serviceEnvironment } from "../host/environment.ts";
import type { CliContext } from "./context.ts";
import { owesReason, readReason, reasonDirectory, type ServiceReason } from "./reason.ts";
import { exceededMemoryText, type LastExit } from "../host/supervisor.ts";

/** Variables whose values belong to the account the service runs as, not to the person asking. */
const ACCOUNT_VARIABLES = [
  "TEMP",
  "TMP",
  "TMPDIR",
  "HOME",
  "USERPROFILE",
  "APPDATA",
  "LOCALAPPDATA",
  "HOMEDRIVE",
  "HOMEPATH",
  "USERNAME",
  "USER",
  "LOGNAME",
];

/**
 * The file the host writes a stream into: its spec expanded and resolved as the host does it
 * (host/monikers.ts), or the host's own default, `<name>-stdout.log` in the log directory, when the spec
 * names none. Undefined when the path depends on what only the running host knows: the %TIME% of its
 * start, the %PID% of a host that is not running (`hostPid` undefined), or its account's own TEMP or HOME.
 */
export function outputFile(
  spec: ServiceSpec,
  stream: "stdout" | "stderr",
  logDirectory: string,
  windows: boolean,
  hostPid: number | undefined,
  environment: Record<string, string> = Deno.env.toObject(),
): string | undefined {
  const outputSpec = spec.output[stream] ?? `${spec.name}-${stream}.log`;
  const system = Object.fromEntries(
    Object.entries(environment).filter(([key]) => !ACCOUNT_VARIABLES.includes(key.toUpperCase())),
  );
  const resolve = (pid: number, time: number, account: Record<string, string> = {}) => {
    const base = serviceEnvironment({ ...system, ...account }, spec.serviceEnvironment, windows);
    const context = {
      program: spec.program,
      service: spec.name,
      hostPid: pid,
      now: new Date(time),
      environment: programEnvironment(base, spec.environment, spec.environmentExtra, windows),
      windows,
    };
    return resolveOutputPath(outputSpec, context, logDirectory);
  };
  // Resolved twice with each unknown changed: a path that changes with one depends on it.
  const file = resolve(hostPid ?? 1, 0);
  const unknowns = Object.fromEntries(ACCOUNT_VARIABLES.map((name) => [name, "?"]));
  const variants = [resolve(hostPid ?? 2, 0), resolve(hostPid ?? 1, 1), resolve(hostPid ?? 1, 0, unknowns)];
  return variants.every((variant) => variant === file) ? file : undefined;
}

/** What the host says about itself (status.json in the log directory), when it has said anything. */
export interface HostStatus {
  state?: string;
  hostPid?: number;
  reason?: string;
  programPid?: number;
  programStartedAt?: string;
  nextStartAt?: string;
  lastExit?: LastExit;
  counters?: { started: number; exits: number };
  /** Bytes of the program's output the host could not write (a full disk) and dropped. */
  outputDroppedBytes?: number;
  /** With a health check: starting, healthy or unhealthy. */
  health?: string;
}

/** The host's status.json while the service runs; empty when it is stopped or has said nothing. */
export function readHostStatus(
  spec: ServiceSpec | undefined,
  status: ManagedStatus,
  context: CliContext,
): HostStatus {
  if (!spec || status.state === "stopped") return {};
  const file = hostStatusFile(spec, context.configRoot, context.windows);
  try {
    // Synchronously: the UI's live list reads every running service's, every second.
    return JSON.parse(Deno.readTextFileSync(file));
  } catch {
    return {};
  }
}

/**
 * The state a person is shown: the service manager's, except that a running host whose program is
 * throttled is PAUSED — as the SCM shows it, where systemd can't (it sees the host running). Only the
 * running host's own word counts: a status.json of an earlier host is not believed.
 */
export function shownState(status: ManagedStatus, host: HostStatus): ServiceState {
  return status.state === "running" && host.state === "paused" && host.hostPid === status.pid
    ? "paused"
    : status.state;
}

/** A service's status as `ManageService X status --json` prints it (and `servitor list --json`, one each). */
export type StatusReport = Awaited<ReturnType<typeof statusReport>>["report"];

/** Everything `status` shows of `name`: the report, and what its lines are made from. */
export async function statusReport(name: string, context: CliContext) {
  // The stored spec is read while the service manager answers (the SCM's calls block this thread).
  const stored = readStoredSpec(context.configRoot, name).catch(() => undefined);
  const [status, installed] = await Promise.all([context.manager.status(name), context.manager.query(name)]);
  const spec: ServiceSpec | undefined = await stored;
  return { ...await reportOf(name, status, installed, spec, context), installed };
}

/**
 * The report of `name` from what the manager said of it (its status; of its installation, what a list
 * shows) and its stored spec: the part of statusReport a live list, which asks the manager once for every
 * service (ServiceManager.survey), shares.
 */
export async function reportOf(
  name: string,
  status: ManagedStatus,
  installed: Pick<InstalledService, "displayName" | "start" | "account">,
  spec: ServiceSpec | undefined,
  context: CliContext,
  /** outputFiles false: without stdoutFile and stderrFile (resolving them reads the environment, twice). */
  options: { outputFiles?: boolean } = {},
) {
  const logDirectory = spec ? logDirectoryFor(spec, context.configRoot, context.windows) : undefined;
  const host = readHostStatus(spec, status, context);
  const state = shownState(status, host);
  // Stopped with a failure, or paused: the host's last word, and where the full log is.
  const why: ServiceReason = owesReason(state, status)
    ? await readReason(
      name,
      reasonDirectory(name, spec, context.configRoot, context.windows),
      state,
      state === "paused" ? host : {},
    )
    : { reason: host.reason };
  const startedAt = host.programStartedAt ? Date.parse(host.programStartedAt) : undefined;
  const hostPid = status.state === "stopped" ? undefined : status.pid;
  const file = (stream: "stdout" | "stderr") =>
    spec && logDirectory ? outputFile(spec, stream, logDirectory, context.windows, hostPid) : undefined;
  const files = options.outputFiles === false
    ? { stdout: undefined, stderr: undefined }
    : { stdout: file("stdout"), stderr: file("stderr") };
  // A path the host names at each start shows as its spec.
  const shown = (stream: "stdout" | "stderr") =>
    files[stream] ??
      (spec
        ? `${spec.output[stream] ?? `${spec.name}-${stream}.log`} (named by the host at each start)`
        : undefined);
  const report = {
    name,
    displayName: installed.displayName,
    state,
    pid: status.pid,
    programPid: host.programPid,
    start: installed.start,
    account: installed.account,
    program: spec?.program,
    arguments: spec?.arguments,
    uptimeSeconds: startedAt && status.state === "running"
      ? Math.round((Date.now() - startedAt) / 1000)
      : undefined,
    restarts: host.counters ? Math.max(0, host.counters.started - 1) : undefined,
    health: host.health,
    lastExit: host.lastExit,
    nextStartAt: host.nextStartAt,
    reason: why.reason,
    errorLog: why.errorLog,
    outputDroppedBytes: host.outputDroppedBytes,
    stdout: spec?.output.stdout,
    stderr: spec?.output.stderr,
    stdoutFile: files.stdout,
    stderrFile: files.stderr,
    logDirectory,
    exitCode: status.state === "stopped" ? status.exitCode : undefined,
  };
  return { report, status, spec, host, shown, why };
}

/** `ManageService X status`: the report as lines, or (--json) as JSON. */
export async function printStatus(name: string, context: CliContext, options: { json: boolean }) {
  const { report, status, installed, spec, host, shown, why } = await statusReport(name, context);
  const { state, logDirectory } = report;
  if (options.json) {
    context.say(JSON.stringify(report, null, 2));
    return;
  }
  const rows: [string, string | undefined][] = [
    ["service", `${name}${installed.displayName !== name ? ` (${installed.displayName})` : ""}`],
    ["state", state.replace("_", " ") + (status.pid ? ` (host pid ${status.pid})` : "")],
    ["reason", why.reason],
    ["error log", report.errorLog],
    ["program", spec ? windowsCommandLine(spec.program, spec.arguments) : installed.command],
    ["program pid", host.programPid?.toString()],
    ["uptime", report.uptimeSeconds === undefined ? undefined : `${report.uptimeSeconds} s`],
    ["restarts", report.restarts?.toString()],
    ["health", report.health],
    ["last exit", lastExitText(host.lastExit)],
    ["start", installed.start],
    ["account", installed.account || "LocalSystem"],
    ["stdout", shown("stdout")],
    ["stderr", shown("stderr")],
    [
      "dropped",
      host.outputDroppedBytes
        ? `${host.outputDroppedBytes} bytes of output, not written (disk full?)`
        : undefined,
    ],
    ["logs", logDirectory],
    [
      "exit code",
      report.exitCode && (report.exitCode.code !== 0)
        ? `${report.exitCode.code} (${report.exitCode.kind})`
        : undefined,
    ],
  ];
  for (const [label, value] of rows) if (value) context.say(`${label.padEnd(12)} ${value}`);
}

/**
 * The last run's end, shown when it went past a limit: a program restarted at once is RUNNING again, and
 * this row is where a person sees why it had to be.
 */
function lastExitText(exit: LastExit | undefined): string | undefined {
  if (exit?.exceededMemoryLimit === undefined) return undefined;
  return `code ${exit.code} after ${(exit.runtimeMs / 1000).toFixed(1)} s: ` +
    exceededMemoryText(exit.exceededMemoryLimit);
}
