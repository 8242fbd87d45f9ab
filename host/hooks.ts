/**
 * The hooks (AppEvents): the variables a hook sees, and running one with its deadline, as NSSM does.
 *
 * What NSSM 2.24-101 itself answered (run under Wine; the dumps are in tests/host/nssm_hooks_facts.md):
 * - NSSM_EVENT and NSSM_ACTION are the two halves of the hook's name: "Start" and "Pre", "Exit" and "Post".
 * - NSSM_TRIGGER and NSSM_LAST_CONTROL are upper-case words without a prefix: START, STOP, SHUTDOWN, PAUSE,
 *   CONTINUE, INTERROGATE, ROTATE, POWEREVENT. NSSM_TRIGGER is START for every Start/Pre and Start/Post
 *   (restarts too), STOP or SHUTDOWN for Stop/Pre, ROTATE and POWEREVENT for those hooks, and blank for
 *   Exit/Post. NSSM_LAST_CONTROL is START until the first control arrives. (SHUTDOWN, ROTATE and POWEREVENT
 *   are from NSSM's source, service.cpp; the test-bed sent no such controls.)
 * - NSSM_APPLICATION_PID is blank unless the program runs; then NSSM_EXITCODE is blank. When it does not
 *   run, NSSM_EXITCODE is the last exit code, unsigned (3221225786 for 0xC000013A), 0 before any exit, and
 *   blank in Start/Pre, as is NSSM_APPLICATION_RUNTIME (which after an exit is the length of the last run,
 *   and blank if the program never started).
 * - Counters and times are plain decimal; times are whole milliseconds. NSSM_CONFIGURATION is "64-bit",
 *   NSSM_BUILD_DATE is YYYY-MM-DD, NSSM_DEADLINE the hook's deadline in ms.
 * - Without AppRedirectHook a hook's output goes nowhere; with it, Start/Pre's, Start/Post's and Stop/Pre's
 *   went to the service's output files, Exit/Post's did not (see hookOutputRedirected).
 * - NSSM_THROTTLE_COUNT read 1 at each Start/Pre and 0 at each Start/Post, which NSSM runs only once the
 *   program has outlived AppThrottle; a run stopped before that had no Start/Post.
 * - A Start/Pre exiting 99 aborts the start, and Exit/Post still runs: NSSM_EXITCODE 0 (the last code),
 *   NSSM_EXIT_COUNT 1, NSSM_APPLICATION_PID and NSSM_APPLICATION_RUNTIME blank.
 * @module
 */
import type { HookEvent, ServiceSpec } from "../service/spec.ts";
import { unreachable } from "../service/exhaustive.ts";
import { expandVariables } from "./environment.ts";
import { splitProgram } from "../service/command_line.ts";

/**
 * Whether a hook's output goes to the service's output files under AppRedirectHook. NSSM 2.24 (asked under
 * Wine) redirected Start/Pre, Start/Post and Stop/Pre, and not Exit/Post: the program's output is closed by
 * then. It was not asked about Rotate/* and Power/*; servitor redirects them, as an administrator who set
 * AppRedirectHook would expect (the output is open while they run).
 */
export function hookOutputRedirected(event: HookEvent): boolean {
  return redirectedHooks[event];
}

const redirectedHooks: Record<HookEvent, boolean> = {
  "Start/Pre": true,
  "Start/Post": true,
  "Stop/Pre": true,
  "Exit/Post": false,
  "Rotate/Pre": true,
  "Rotate/Post": true,
  "Power/Change": true,
  "Power/Resume": true,
  "Health/Unhealthy": true,
};

/** A Start/Pre hook exiting with this code aborts the start (the caller decides; NSSM_HOOK_STATUS_ABORT). */
export const ABORT_START_EXIT_CODE = 99;

/** NSSM_HOOK_VERSION: the set of variables below is NSSM's version 1. */
export const HOOK_VERSION = 1;

/** What the host knows when it runs a hook: plain data, turned into variables by hookEnvironment. */
export interface HookFacts {
  /** servitor itself (NSSM_EXE). */
  exe: string;
  /** The service's name (NSSM_SERVICE_NAME). */
  serviceName: string;
  /** Its display name (NSSM_SERVICE_DISPLAYNAME). */
  displayName: string;
  /** The program's command line (NSSM_COMMAND_LINE). */
  commandLine: string;
  /** Set while the program runs. */
  applicationPid?: number;
  /** The control behind a Stop/Pre: "stop", or "shutdown"/"preshutdown" (then SHUTDOWN). Other hooks' triggers are fixed. */
  trigger?: string;
  /** The last control handled ("stop", "continue", "rotate", "power" …, or NSSM's words); START when none. */
  lastControl?: string;
  /** NSSM_START_REQUESTED_COUNT, NSSM_START_COUNT, NSSM_THROTTLE_COUNT, NSSM_EXIT_COUNT. */
  counters: {
    startRequested: number;
    started: number;
    /** NSSM's throttle count: 1 at each Start/Pre, reset to 0 once the program has outlived AppThrottle. */
    throttled: number;
    exits: number;
  };
  /** The program's last exit code; NSSM keeps it until the next exit. */
  exitCode?: number;
  /** The memory limit in bytes that the last run was killed for exceeding (SERVITOR_EXCEEDED_LIMIT). */
  exceededMemoryLimit?: number;
  /** ms epoch. */
  hostStartedAt: number;
  /** When the program last started, ms epoch. */
  applicationStartedAt?: number;
  /** When the program last exited, ms epoch; `now` when unknown. */
  applicationExitedAt?: number;
  /** The time of the hook, ms epoch. */
  now: number;
  /** NSSM_PID; this process when unset. */
  hostPid?: number;
  /** servitor's version (NSSM_VERSION); blank when unset. */
  version?: string;
  /** servitor's build date, YYYY-MM-DD (NSSM_BUILD_DATE); blank when unset. */
  buildDate?: string;
}

/** The variables' names without their prefix, in nssm-readme's order. Each is set as NSSM_* and SERVITOR_*. */
export const hookVariableNames = [
  "HOOK_VERSION",
  "EXE",
  "CONFIGURATION",
  "VERSION",
  "BUILD_DATE",
  "PID",
  "DEADLINE",
  "SERVICE_NAME",
  "SERVICE_DISPLAYNAME",
  "COMMAND_LINE",
  "APPLICATION_PID",
  "EVENT",
  "ACTION",
  "TRIGGER",
  "LAST_CONTROL",
  "START_REQUESTED_COUNT",
  "START_COUNT",
  "THROTTLE_COUNT",
  "EXIT_COUNT",
  "EXITCODE",
  "RUNTIME",
  "APPLICATION_RUNTIME",
] as const;

type HookVariable = typeof hookVariableNames[number];

/** NSSM's words for the controls (service_control_text), from servitor's names or NSSM's own. */
const controlWords: Record<string, string> = {
  start: "START",
  stop: "STOP",
  shutdown: "SHUTDOWN",
  // servitor takes the preshutdown control where NSSM took shutdown: to a hook it is the same thing.
  preshutdown: "SHUTDOWN",
  pause: "PAUSE",
  continue: "CONTINUE",
  interrogate: "INTERROGATE",
  rotate: "ROTATE",
  power: "POWEREVENT",
  power_event: "POWEREVENT",
  power_change: "POWEREVENT",
  power_resume: "POWEREVENT",
  powerevent: "POWEREVENT",
};

function controlWord(control: string): string {
  return controlWords[control.toLowerCase()] ?? control.toUpperCase();
}

/** NSSM_TRIGGER: each event's own control, except that Stop/Pre tells a stop from a shutdown. */
function triggerFor(event: HookEvent, trigger: string | undefined): string {
  switch (event) {
    case "Start/Pre":
    case "Start/Post":
      return "START";
    case "Stop/Pre": {
      // servitor's own restarts (beyond NSSM) say so: SCHEDULED, or HEALTH for an unhealthy program.
      const word = controlWord(trigger ?? "stop");
      return ["SHUTDOWN", "SCHEDULED", "HEALTH"].includes(word) ? word : "STOP";
    }
    case "Exit/Post":
      return "";
    case "Rotate/Pre":
    case "Rotate/Post":
      return "ROTATE";
    case "Power/Change":
    case "Power/Resume":
      return "POWEREVENT";
    case "Health/Unhealthy":
      return "HEALTH";
    default:
      return unreachable(event);
  }
}

/** Whole ms from `from` to `to`, blank when either is unknown or time went backwards (set_hook_runtime). */
function runtime(from: number | undefined, to: number): string {
  if (from === undefined || to < from) return "";
  return String(Math.floor(to - from));
}

/**
 * The variables a hook gets on top of the service's environment: every NSSM_* of nssm-readme's "Event
 * hooks", formatted as NSSM formats them, each also as SERVITOR_*.
 *
 * @example
 * ```ts
 * import { hookEnvironment } from "./hooks.ts";
 * const env = hookEnvironment("Start/Pre", {
 *   exe: "C:\\tools\\servitor.exe",
 *   serviceName: "web",
 *   displayName: "Web server",
 *   commandLine: '"C:\\web\\server.exe" --port 80',
 *   counters: { startRequested: 1, started: 0, throttled: 1, exits: 0 },
 *   hostStartedAt: 1000,
 *   now: 1050,
 * }, 60_000);
 * env.NSSM_EVENT; // "Start"
 * env.SERVITOR_TRIGGER; // "START"
 * ```
 */
export function hookEnvironment(
  event: HookEvent,
  facts: HookFacts,
  deadlineMs: number,
): Record<string, string> {
  const [eventName, action] = event.split("/");
  const running = facts.applicationPid !== undefined;
  const startPre = event === "Start/Pre";
  const values: Record<HookVariable, string> = {
    HOOK_VERSION: String(HOOK_VERSION),
    EXE: facts.exe,
    // Every target servitor is built for is 64-bit; NSSM adds " debug" to debug builds, servitor has none.
    CONFIGURATION: "64-bit",
    VERSION: facts.version ?? "",
    BUILD_DATE: facts.buildDate ?? "",
    PID: String(facts.hostPid ?? Deno.pid),
    DEADLINE: String(Math.floor(deadlineMs)),
    SERVICE_NAME: facts.serviceName,
    SERVICE_DISPLAYNAME: facts.displayName,
    COMMAND_LINE: facts.commandLine,
    APPLICATION_PID: running ? String(facts.applicationPid) : "",
    EVENT: eventName,
    ACTION: action,
    TRIGGER: triggerFor(event, facts.trigger),
    LAST_CONTROL: controlWord(facts.lastControl ?? "start"),
    START_REQUESTED_COUNT: String(facts.counters.startRequested),
    START_COUNT: String(facts.counters.started),
    THROTTLE_COUNT: String(facts.counters.throttled),
    EXIT_COUNT: String(facts.counters.exits),
    // NSSM prints the code with %lu: a negative NTSTATUS reads as its unsigned value.
    EXITCODE: running || startPre ? "" : String((facts.exitCode ?? 0) >>> 0),
    RUNTIME: runtime(facts.hostStartedAt, facts.now),
    APPLICATION_RUNTIME: running
      ? runtime(facts.applicationStartedAt, facts.now)
      : startPre
      ? ""
      : runtime(facts.applicationStartedAt, facts.applicationExitedAt ?? facts.now),
  };
  const environment: Record<string, string> = {};
  for (const name of hookVariableNames) {
    environment[`NSSM_${name}`] = values[name];
    environment[`SERVITOR_${name}`] = values[name];
  }
  // Beyond NSSM: which limit the last run was killed for, as InstallService names it, with its value;
  // set where NSSM_EXITCODE is (after the run, until the next).
  if (!running && !startPre && facts.exceededMemoryLimit !== undefined) {
    environment.SERVITOR_EXCEEDED_LIMIT = `max_memory=${facts.exceededMemoryLimit}`;
  }
  return environment;
}

/** How a hook ended. `error` says why it could not run; `killed`, that its deadline (or the signal) ended it. */
export interface HookResult {
  /** The hook's exit code, when it exited by itself. */
  exitCode?: number;
  /** Killed at its deadline or by the abort signal. */
  killed: boolean;
  /** Why it could not run, in words for the log. */
  error?: string;
}

/** Where a redirected hook's output lines go (without their line ends). */
export interface HookOutput {
  /** A line the hook wrote to stdout. */
  stdout(line: string): void;
  /** A line the hook wrote to stderr. */
  stderr(line: string): void;
}

/** How runHook runs a hook. */
export interface RunHookOptions {
  /** The hook and everything it started are killed after this many ms. */
  deadlineMs: number;
  /** The working directory (the service's AppDirectory, as NSSM). */
  directory: string;
  /** AppRedirectHook: the hook's output lines go here; without it, nowhere. */
  output?: HookOutput;
  /** Aborting kills the hook as its deadline would. */
  signal?: AbortSignal;
}

const windows = Deno.build.os === "windows";

/**
 * Runs a hook's command with exactly `environment` (the service's environment and hookEnvironment's
 * variables) and waits for it, its deadline at most. Never throws: a hook that can't start gives `error`.
 *
 * Windows: as NSSM, the command's %VARS% are expanded and it is run directly, not through cmd.exe.
 * Linux: `/bin/sh -c command`; exit codes 126 and 127 are the shell saying it could not run the command.
 * At the deadline the hook and what it started are killed (NSSM's kill_process_tree); on Linux what it left
 * running when it exits goes too, as in NSSM.
 *
 * @example
 * ```ts ignore
 * import { runHook } from "./hooks.ts";
 * const result = await runHook("touch started", { PATH: "/usr/bin:/bin" }, { deadlineMs: 60_000, directory: "/tmp" });
 * result.exitCode; // 0
 * ```
 */
export async function runHook(
  command: string,
  environment: Record<string, string>,
  options: RunHookOptions,
): Promise<HookResult> {
  let child: Deno.ChildProcess;
  try {
    const { program, args, windowsRawArguments } = commandFor(command, environment);
    child = new Deno.Command(program, {
      args,
      windowsRawArguments,
      env: environment,
      clearEnv: true,
      cwd: options.directory,
      stdin: "null",
      stdout: options.output ? "piped" : "null",
      stderr: options.output ? "piped" : "null",
      // Linux: its own process group, so the hook and its children are killed together.
      detached: !windows,
    }).spawn();
  } catch (error) {
    return { killed: false, error: `"${command}" could not be started: ${(error as Error).message}` };
  }

  let exited = false;
  let killed = false;
  const stopReading = new AbortController();
  const kill = () => {
    // Past the deadline the output is cut short too: a leftover holding the pipes must not hold us up.
    // Once the hook has exited its pid may be another process's: then only the reading stops.
    if (exited) return stopReading.abort();
    killed = true;
    void killTree(child).finally(() => stopReading.abort());
  };
  const timer = setTimeout(kill, Math.max(0, options.deadlineMs));
  if (options.signal?.aborted) kill();
  options.signal?.addEventListener("abort", kill, { once: true });
  try {
    // Read from the start: a hook that fills a pipe nobody reads would wait for ever.
    const reading = options.output
      ? Promise.all([
        readLines(child.stdout, options.output.stdout, stopReading.signal),
        readLines(child.stderr, options.output.stderr, stopReading.signal),
      ])
      : undefined;
    const status = await child.status;
    exited = true;
    // What the hook left running goes too, as after every hook in NSSM (kill_process_tree). On Windows the
    // tree can't be found from a hook that has exited; the deadline still ends the reading.
    if (!killed && !windows) await killTree(child);
    await reading;
    if (killed) return { killed: true };
    if (!windows && (status.code === 126 || status.code === 127)) {
      const why = status.code === 127 ? "was not found" : "is not executable";
      return {
        exitCode: status.code,
        killed: false,
        error: `"${command}" ${why} (/bin/sh exited with ${status.code})`,
      };
    }
    return { exitCode: status.code, killed: false };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", kill);
  }
}

/**
 * Runs the spec's hook for `event`, if it has one, with the service's environment plus the hook variables
 * and the spec's deadline; undefined when no hook is configured.
 */
export function runConfiguredHook(
  spec: ServiceSpec,
  event: HookEvent,
  facts: HookFacts,
  options: {
    environment: Record<string, string>;
    directory: string;
    output?: HookOutput;
    signal?: AbortSignal;
  },
): Promise<HookResult> | undefined {
  const command = spec.hooks[event];
  if (!command) return undefined;
  return runHook(command, { ...options.environment, ...hookEnvironment(event, facts, spec.hookDeadlineMs) }, {
    deadlineMs: spec.hookDeadlineMs,
    directory: options.directory,
    output: options.output,
    signal: options.signal,
  });
}

/** The program and arguments for Deno.Command. */
function commandFor(command: string, environment: Record<string, string>) {
  if (!windows) return { program: "/bin/sh", args: ["-c", command], windowsRawArguments: false };
  // NSSM reads the hook as REG_EXPAND_SZ with the hook variables already set, then calls CreateProcess.
  const { program, rest } = splitProgram(expandVariables(command, environment, true));
  return { program, args: rest ? [rest] : [], windowsRawArguments: true };
}

/**
 * Kills the hook and all it started: its process group on Linux; on Windows its process tree while the hook
 * itself lives (taskkill /T finds the children by their parent), else nothing is left to find them by.
 */
async function killTree(child: Deno.ChildProcess) {
  if (!windows) {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
    return;
  }
  try {
    await new Deno.Command("taskkill", {
      args: ["/pid", String(child.pid), "/t", "/f"],
      stdout: "null",
      stderr: "null",
    })
      .output();
  } catch {
    // No taskkill: the hook itself still goes below.
  }
  try {
    child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
}

async function readLines(
  stream: ReadableStream<Uint8Array>,
  emit: (line: string) => void,
  signal: AbortSignal,
) {
  let pending = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream(), { signal })) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) emit(line.replace(/\r$/, ""));
    }
  } catch {
    // Cut short at the deadline: what arrived has been passed on.
  }
  if (pending) emit(pending.replace(/\r$/, ""));
}
