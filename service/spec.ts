/**
 * The one description of a service: what the CLI parses into, the YAML store reads and writes, both
 * service-manager backends apply and the host runs. Names and defaults are NSSM's (nssm-readme.txt), each
 * field naming the NSSM parameter it stands for.
 * @module
 */

/**
 * When the service starts: at boot, at boot after the others (delayed), on request, or never.
 *
 * @example A program that installs itself to start on request only
 * ```ts
 * import type { InstallSelfOptions, StartMode } from "../mod.ts";
 * const start: StartMode = "manual";
 * const options: InstallSelfOptions = { name: "Worker", start };
 * ```
 */
export type StartMode = "auto" | "delayed" | "manual" | "disabled";

/** What the host does when the program exits (AppExit): NSSM's four actions. */
export type ExitAction = "restart" | "ignore" | "exit" | "suicide";

/** A process priority class (AppPriority), named as SetPriorityClass's constants without _PRIORITY_CLASS. */
export type Priority = "realtime" | "high" | "above_normal" | "normal" | "below_normal" | "idle";

/** NSSM's hook events, as `Event/Action`. */
export type HookEvent =
  | "Start/Pre"
  | "Start/Post"
  | "Stop/Pre"
  | "Exit/Post"
  | "Rotate/Pre"
  | "Rotate/Post"
  | "Power/Change"
  | "Power/Resume";

export const hookEvents: readonly HookEvent[] = [
  "Start/Pre",
  "Start/Post",
  "Stop/Pre",
  "Exit/Post",
  "Rotate/Pre",
  "Rotate/Post",
  "Power/Change",
  "Power/Resume",
];

/** Whether a hook is waited for before the host goes on (NSSM's *asterisk). */
export function isSynchronousHook(event: HookEvent): boolean {
  return event === "Start/Pre" || event === "Stop/Pre" || event === "Exit/Post" || event === "Rotate/Pre";
}

/** How an output file is opened (AppStdoutCreationDisposition): appended to, or emptied first. */
export type OutputDisposition = "append" | "replace";

/**
 * The account the service runs as. A password is never part of it: it is asked for at install.
 *
 * @example A program that installs itself under an account of its own
 * ```ts
 * import type { Account, InstallSelfOptions } from "../mod.ts";
 * const account: Account = { kind: "user", name: ".\\worker" };
 * const options: InstallSelfOptions = { name: "Worker", account, password: Deno.env.get("WORKER_PASSWORD") };
 * ```
 */
export type Account =
  | { kind: "local_system" }
  | { kind: "local_service" }
  | { kind: "network_service" }
  | { kind: "virtual" }
  | { kind: "user"; name: string };

/** Output redirection and rotation (AppStdin, AppStdout, AppStderr, AppRotate*, AppTimestampLog). */
export interface OutputSpec {
  /** AppStdin: a path spec, or undefined for NUL (so a batch file never waits for an answer). */
  stdin?: string;
  /** AppStdout: a path spec with monikers such as `%PROGRAM%.out.txt`; relative to the log directory. */
  stdout?: string;
  /** AppStderr: as stdout; the same spec as stdout interleaves both into one file. */
  stderr?: string;
  /** AppStdoutCreationDisposition: 4 (OPEN_ALWAYS, append) is "append", 2 (CREATE_ALWAYS) "replace". */
  stdoutDisposition: OutputDisposition;
  /** AppStderrCreationDisposition. */
  stderrDisposition: OutputDisposition;
  /** AppTimestampLog: each line prefixed with a millisecond timestamp. */
  timestamp: boolean;
  /** AppRedirectHooks: hooks write to the same files. */
  redirectHooks: boolean;
  rotation: RotationSpec;
}

export interface RotationSpec {
  /** AppRotateFiles: rotate existing files at each (re)start. */
  files: boolean;
  /** AppRotateOnline: rotate by size while running, and on request. */
  online: boolean;
  /** AppRotateSeconds: not a file last written less than this many seconds ago (0: no limit). */
  seconds: number;
  /** AppRotateBytes (with AppRotateBytesHigh): not a file smaller than this (0: no limit). */
  bytes: number;
  /** AppRotateDelay: milliseconds to pause after rotating. */
  delayMs: number;
  /** AppStdoutCopyAndTruncate: copy then truncate instead of renaming. */
  stdoutCopyAndTruncate: boolean;
  /** AppStderrCopyAndTruncate. */
  stderrCopyAndTruncate: boolean;
  /** Beyond NSSM (AppRotateKeep): keep the newest N rotated files per stream; 0 keeps all. */
  keep: number;
  /** Beyond NSSM (AppRotateCompress): gzip rotated files in the background. */
  compress: boolean;
}

/** The graceful stop (AppStopMethod*, AppKillProcessTree). */
export interface StopSpec {
  /** AppStopMethodSkip: 1 no Ctrl-C (SIGINT), 2 no WM_CLOSE (SIGTERM), 4 no WM_QUIT, 8 no TerminateProcess (SIGKILL). */
  skip: number;
  /** AppStopMethodConsole: ms to wait after Ctrl-C (SIGINT on Linux). */
  consoleMs: number;
  /** AppStopMethodWindow: ms to wait after WM_CLOSE (SIGTERM on Linux). */
  windowMs: number;
  /** AppStopMethodThreads: ms to wait after WM_QUIT. */
  threadsMs: number;
  /** AppKillProcessTree: apply each method to the whole tree. */
  killProcessTree: boolean;
}

/** The service manager's own recovery when the host fails (SCM failure actions; systemd's Restart=). */
export interface RecoverySpec {
  /** Each failure in turn takes the next action; the last repeats. */
  actions: { action: "restart" | "reboot" | "run_command" | "none"; delayMs: number }[];
  /** Seconds without a failure after which the count starts again. */
  resetSeconds: number;
  /** For run_command. */
  command?: string;
}

/** Beyond NSSM, off when undefined: at most `restarts` restarts within `seconds`, then Exit. */
export interface RestartBudget {
  restarts: number;
  seconds: number;
}

/** Everything about one service. */
export interface ServiceSpec {
  /** The service's name (the key in the SCM, the systemd unit's name). */
  name: string;
  /** DisplayName. */
  displayName: string;
  /** Description. */
  description: string;
  /** Application: the program, an absolute path. */
  program: string;
  /** AppParameters, as a list (joined with Windows quoting where Windows needs one string). */
  arguments: string[];
  /** AppDirectory: defaults to the program's folder. */
  directory?: string;
  /** Start. */
  start: StartMode;
  /** ObjectName. */
  account: Account;
  /** DependOnService. */
  dependsOn: string[];
  /**
   * Environment: the service's own environment block (the SCM's `Environment` value), merged into the
   * system's before anything else, sorted as Windows sorts it (nssm-readme "Merged service environment").
   */
  serviceEnvironment?: string[];
  /** AppEnvironment: KEY=VALUE entries replacing the environment, expanded in order. */
  environment?: string[];
  /** AppEnvironmentExtra: KEY=VALUE entries added to the environment, expanded in order. */
  environmentExtra: string[];
  output: OutputSpec;
  /** AppExit: per exit code, then Default. */
  exit: { default: ExitAction; codes: Record<string, ExitAction> };
  /** AppThrottle: a run shorter than this many ms is throttled. */
  throttleMs: number;
  /** AppRestartDelay: ms to wait before any restart; a floor under the throttle delay. */
  restartDelayMs: number;
  restartBudget?: RestartBudget;
  stop: StopSpec;
  /** AppPriority. */
  priority: Priority;
  /** AppAffinity, such as `0-2,4`; undefined for all processors. */
  affinity?: string;
  /** AppNoConsole: no console of its own (then Ctrl-C can't reach it). */
  noConsole: boolean;
  /** AppEvents: a command per hook event. */
  hooks: Partial<Record<HookEvent, string>>;
  /** Beyond NSSM: ms after which any hook is killed (NSSM's own are 20 s for Start/Pre and Stop/Pre, else 60 s). */
  hookDeadlineMs: number;
  /** The service manager's recovery actions; none when undefined (sc failure). */
  recovery?: RecoverySpec;
  /** ms the system gives the service to stop before shutdown (SERVICE_PRESHUTDOWN_INFO). */
  preshutdownTimeoutMs: number;
  /** Where relative output specs and `<service>_ERROR_LOG.txt` go; the platform's default when unset. */
  logDirectory?: string;
}

/** NSSM's defaults, for everything but what names the service and its program. */
export function defaultSpec(name: string, program: string, args: string[] = []): ServiceSpec {
  return {
    name,
    displayName: name,
    description: "",
    program,
    arguments: args,
    start: "auto",
    account: { kind: "local_system" },
    dependsOn: [],
    environmentExtra: [],
    output: {
      stdoutDisposition: "append",
      stderrDisposition: "append",
      timestamp: false,
      redirectHooks: false,
      rotation: {
        files: false,
        online: false,
        seconds: 0,
        bytes: 0,
        delayMs: 0,
        stdoutCopyAndTruncate: false,
        stderrCopyAndTruncate: false,
        keep: 0,
        compress: false,
      },
    },
    exit: { default: "restart", codes: {} },
    throttleMs: 1500,
    restartDelayMs: 0,
    stop: { skip: 0, consoleMs: 1500, windowMs: 1500, threadsMs: 1500, killProcessTree: true },
    priority: "normal",
    noConsole: false,
    hooks: {},
    hookDeadlineMs: 60_000,
    preshutdownTimeoutMs: 180_000,
  };
}

/** The exit action for an exit code, NSSM's way: the code's own entry, else Default. */
export function exitActionFor(spec: ServiceSpec, code: number): ExitAction {
  const own = spec.exit.codes[String(code)];
  if (own) return own;
  // NSSM honours Suicide for exit code 0 only when 0 has its own entry; otherwise it exits gracefully.
  if (code === 0 && spec.exit.default === "suicide") return "exit";
  return spec.exit.default;
}

/** Parses AppAffinity (`0-2,4`) into processor numbers; throws a RangeError naming what is wrong. */
export function parseAffinity(text: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw new RangeError(`AppAffinity "${text}": "${part}" is not a processor or a range`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last > 63) {
      throw new RangeError(`AppAffinity "${text}": "${part}" is out of range 0-63`);
    }
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * The processors of AppAffinity that this machine has, as NSSM sets the mask ANDed with the system's at each
 * start: a processor it lacks is dropped, not an error (a stored spec may come from a bigger machine).
 * Undefined when none is left: the program runs on every processor, as NSSM's does when SetProcessAffinityMask
 * refuses the empty mask — where `taskset` with no processor of the machine would fail at every start.
 *
 * @example
 * ```ts
 * import { usableAffinity } from "./spec.ts";
 * usableAffinity([0, 1, 2, 4], [0, 1]); // [0, 1]
 * usableAffinity([4, 5], [0, 1]); // undefined
 * ```
 */
export function usableAffinity(cpus: readonly number[], available: readonly number[]): number[] | undefined {
  const here = new Set(available);
  const usable = cpus.filter((cpu) => here.has(cpu));
  return usable.length > 0 ? usable : undefined;
}
