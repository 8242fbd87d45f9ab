/**
 * The host: what the service manager starts (`servitor host --service <name>`). It reads the service's
 * stored spec, connects to whoever runs it (the SCM, systemd, or a console), and supervises the program:
 * the supervisor's transitions decide, this file carries out their effects and feeds back what happened.
 * @module
 */
import path from "path";
import type { ControlAnswer, IncomingControl, ServiceSession, StatusReport } from "../protocol/session.ts";
import { statusReporter } from "../protocol/pending.ts";
import type { HookEvent, ServiceSpec } from "../service/spec.ts";
import { isSynchronousHook, parseAffinity, usableAffinity } from "../service/settings.ts";
import {
  logDirectoryFor,
  serviceDirectory,
  SPEC_FILE,
  SpecError,
  writeFileAtomically,
} from "../service/store_layout.ts";
import { readSpecIn } from "../service/spec_reader.ts";
import { windowsCommandLine } from "../service/command_line.ts";
import { HostExitCode } from "../service/vocabulary.ts";
import { unreachable } from "../service/exhaustive.ts";
import { programEnvironment, serviceEnvironment, withEnvFiles } from "./environment.ts";
import { loadEnvFileParser } from "../service/env_file.ts";
import { hookEnvironment, type HookFacts, type HookOutput, hookOutputRedirected, runHook } from "./hooks.ts";
import type { Launcher, Program, StreamTarget } from "./launcher.ts";
import { type HostLog, openHostLog, type SystemLog } from "./log.ts";
import { resolveOutputPath } from "./monikers.ts";
import { parseHealthTarget } from "../service/health.ts";
import { runHealthCheck } from "./health_check.ts";
import { OutputWriter, rotateAtStart } from "./output.ts";
import {
  type Effect,
  exceededMemoryText,
  initialState,
  type SupervisorControl,
  type SupervisorEvent,
  type SupervisorOptions,
  type SupervisorState,
  type TimerName,
  transition,
} from "./supervisor.ts";
import { pathExists } from "../service/exists.ts";

/** What differs between platforms, chosen once at start-up (host/platform.ts). */
export interface HostPlatform {
  windows: boolean;
  launcher: Launcher;
  /** Connects to whoever runs the host; a console when no service manager started it. */
  connect(
    name: string,
    handler: (control: IncomingControl) => ControlAnswer,
    onError: (error: unknown) => void,
  ): Promise<ServiceSession>;
  /** The Event Log on Windows; on Linux stderr already reaches the journal. */
  systemLog?: SystemLog;
  /** servitor itself, for hooks (NSSM_EXE). */
  exe: string;
  /** servitor's version, for hooks (NSSM_VERSION). */
  version: string;
  /**
   * Hands memory freed since start-up back to the system, once the program runs: the host's rest is long.
   * Never throws.
   */
  releaseFreedMemory?(): void;
}

export interface HostOptions {
  name: string;
  /** Where services are stored (service/store.ts). */
  configRoot: string;
}

/** The host's exit code when it ends, and whether it ended without telling the service manager. */
export interface HostOutcome {
  code: number;
  suicide: boolean;
}

/** Runs the host for one service until it stops. */
export async function runHost(options: HostOptions, platform: HostPlatform): Promise<HostOutcome> {
  let spec: ServiceSpec;
  try {
    // Under systemd with an account of its own, the host can't read root's store: systemd hands it the spec.
    const credentials = Deno.env.get("CREDENTIALS_DIRECTORY");
    spec = await readSpecIn(
      credentials && await pathExists(path.join(credentials, SPEC_FILE))
        ? credentials
        : serviceDirectory(options.configRoot, options.name),
    );
  } catch (error) {
    return error instanceof SpecError
      ? await refuseToStart(options, platform, `cannot start: ${error.message}`, HostExitCode.configuration)
      : await refuseToStart(options, platform, internalErrorText(error), HostExitCode.internal);
  }
  // The environment files' parser, for this spec's whole run (hooks and every start read the files).
  if (spec.envFiles?.length) await loadEnvFileParser();
  const logDirectory = logDirectoryFor(spec, options.configRoot, platform.windows);
  let log: HostLog;
  try {
    log = await openHostLog(spec.name, logDirectory, platform.systemLog);
  } catch (error) {
    // No log to write the reason to: stderr (the journal, or the console) is all there is.
    console.error(`servitor: ${spec.name}: ${internalErrorText(error)}`);
    return { code: HostExitCode.internal, suicide: false };
  }
  try {
    const host = new Host(
      platform.windows ? spec : withProcessorsHere(spec, log),
      logDirectory,
      platform,
      log,
    );
    return await host.run();
  } finally {
    await log.close();
  }
}

/**
 * Linux: AppAffinity reduced to the processors this host may run on, as NSSM's mask is ANDed with the
 * system's — `taskset` given none of them fails, and the program would restart for ever. (The Windows
 * launcher ANDs the mask with GetProcessAffinityMask's system mask itself.)
 */
function withProcessorsHere(spec: ServiceSpec, log: HostLog): ServiceSpec {
  if (!spec.affinity) return spec;
  const wanted = parseAffinity(spec.affinity);
  const here = processorsHere();
  const usable = usableAffinity(wanted, here);
  if (usable?.length === wanted.length) return spec;
  const missing = wanted.filter((cpu) => !here.includes(cpu)).join(",");
  log.write(
    "warning",
    `AppAffinity ${spec.affinity}: this machine has no processor ${missing}; the program runs on ` +
      (usable ? `processors ${usable.join(",")}` : "every processor"),
  );
  return { ...spec, affinity: usable?.join(",") };
}

/** The processors this process may run on (and so its children): Cpus_allowed_list, else all it counts. */
function processorsHere(): number[] {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
    if (list) {
      return list.split(",").flatMap((part) => {
        const [first, last = first] = part.split("-").map(Number);
        return Array.from({ length: last - first + 1 }, (_, i) => first + i);
      });
    }
  } catch {
    // No /proc: count them instead.
  }
  return Array.from({ length: navigator.hardwareConcurrency }, (_, i) => i);
}

/**
 * The one line for a failure of the host itself (a bug): the message, and where it happened for whoever
 * files it — the first frames of the stack, on the same line, so the log stays one line per entry.
 */
function internalErrorText(error: unknown): string {
  if (!(error instanceof Error)) return `internal error: ${String(error)}`;
  const frames = (error.stack ?? "").split("\n").map((line) => line.trim()).filter((line) =>
    line.startsWith("at ")
  );
  const where = frames.length ? ` (${frames.slice(0, 5).join("; ")})` : "";
  return `internal error: ${error.message}${where}`;
}

/**
 * A configuration that can't be used (or a failure reading it): the reason goes to the error log, and the
 * service manager hears STOPPED with a service-specific code at once — never a crash, never a restart loop
 * at full speed.
 */
async function refuseToStart(
  options: HostOptions,
  platform: HostPlatform,
  reason: string,
  code: number,
): Promise<HostOutcome> {
  // A failure path: the schema's defaults may be loaded here, the host ends.
  const { defaultSpec } = await import("../service/spec.ts");
  const logDirectory = logDirectoryFor(defaultSpec(options.name, ""), options.configRoot, platform.windows);
  let log: HostLog | undefined;
  try {
    log = await openHostLog(options.name, logDirectory, platform.systemLog);
    log.write("error", reason);
    const session = await platform.connect(options.name, () => "not_implemented", () => {});
    session.report({ state: "stopped", exitCode: { kind: "service_specific", code }, reason });
    await session.closed;
  } catch {
    // Not even a log or a session: the reason goes where a person can still see it.
    if (!log) console.error(`servitor: ${options.name}: ${reason}`);
  } finally {
    await log?.close();
  }
  return { code, suicide: false };
}

/**
 * A pending state (START_PENDING while a Start/Pre hook runs, STOP_PENDING through the escalation and the
 * Exit/Post hook) is reported again at least this often: its checkpoint rises, its hint covers the step.
 */
const PENDING_REPORT_INTERVAL_MS = 5_000;

/** What the program's current run owns. */
interface Run {
  program: Program;
  output?: OutputWriter;
  startedAt: number;
}

class Host {
  #state: SupervisorState = initialState();
  #options: SupervisorOptions;
  #session!: ServiceSession;
  /** Reports through the session, a pending state again and again until the next report. */
  #reportStatus: (status: StatusReport) => void = () => {};
  #run: Run | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending = new Set<Promise<unknown>>();
  #finished!: (outcome: HostOutcome) => void;
  #startedAt = Date.now();
  #statusWrite: Promise<void> = Promise.resolve();
  /** The last status reported, written again when what status.json adds to it changes. */
  #lastStatus: StatusReport | undefined;
  /** Bytes of the program's output dropped because they could not be written (a full disk). */
  #droppedBytes = 0;
  #statusRefresh: ReturnType<typeof setTimeout> | undefined;
  /** Whether STOPPED could be told after a failure; if not, the session will never let go. */
  #stoppedReported = true;
  /** Aborted when the host fails: hooks still running are killed rather than waited for. */
  #hooksAbort = new AbortController();
  /** The timers `timer` effects set (health checks, scheduled restarts), beside the deadline's. */
  #timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  /** Aborted when the host ends: a health check in flight is not waited for. */
  #checksAbort = new AbortController();

  constructor(
    readonly spec: ServiceSpec,
    readonly logDirectory: string,
    readonly platform: HostPlatform,
    readonly log: HostLog,
  ) {
    this.#options = { spec, methods: platform.launcher.methods };
  }

  async run(): Promise<HostOutcome> {
    const finished = new Promise<HostOutcome>((resolve) => this.#finished = resolve);
    // Whatever escapes anyway (a stream's callback, a timer outside #dispatch) takes the same way out,
    // rather than ending the process with a stack trace and the program left running.
    const uncaught = (event: ErrorEvent | PromiseRejectionEvent) => {
      event.preventDefault();
      this.#internalError(event instanceof ErrorEvent ? event.error : event.reason);
    };
    globalThis.addEventListener("error", uncaught);
    globalThis.addEventListener("unhandledrejection", uncaught);
    try {
      try {
        this.#session = await this.platform.connect(
          this.spec.name,
          (control) => this.#control(control),
          (error) => this.#internalError(error),
        );
      } catch (error) {
        // No session: nobody to report STOPPED to; the error log has the reason.
        this.log.write("error", internalErrorText(error));
        return { code: HostExitCode.internal, suicide: false };
      }
      this.#reportStatus = statusReporter(this.#session, { maxIntervalMs: PENDING_REPORT_INTERVAL_MS });
      this.#limitResources();
      this.#dispatch({ kind: "start", now: Date.now() });
      const outcome = await finished;
      if (!outcome.suicide) {
        // Async hooks (Start/Post …) get to finish within their deadline (killed at once after a failure);
        // then the session lets go.
        await Promise.allSettled([...this.#pending]);
        if (this.#stoppedReported) await this.#session.closed;
      }
      return outcome;
    } finally {
      globalThis.removeEventListener("error", uncaught);
      globalThis.removeEventListener("unhandledrejection", uncaught);
    }
  }

  /**
   * maxMemoryBytes and maxCpuPercent, put in place once for every run of the program. Where they can't be
   * (Linux without a delegated control group), one line says so and the program runs without them.
   */
  #limitResources() {
    const { maxMemoryBytes, maxCpuPercent } = this.spec;
    if (maxMemoryBytes === undefined && maxCpuPercent === undefined) return;
    const notice = this.platform.launcher.limit({ memoryBytes: maxMemoryBytes, cpuPercent: maxCpuPercent });
    if (notice) this.log.write("warning", notice, { errorLog: true });
  }

  /** HandlerEx, or a signal: the supervisor decides, synchronously, whether the control is taken. */
  #control(control: IncomingControl): ControlAnswer {
    const mapped = supervisorControl(control);
    if (!mapped) {
      return control.kind === "power_event" || control.kind === "session_change"
        ? "handled"
        : "not_implemented";
    }
    return this.#dispatch({ kind: "control", control: mapped, now: Date.now() }) ?? "handled";
  }

  /** The one place events enter; a throw in the transition or its effects is the host failing. */
  #dispatch(event: SupervisorEvent): ControlAnswer | undefined {
    try {
      return this.#step(event);
    } catch (error) {
      this.#internalError(error);
      return undefined;
    }
  }

  #step(event: SupervisorEvent): ControlAnswer | undefined {
    const { state, effects, answer } = transition(this.#state, event, this.#options);
    const healthBefore = this.#state.health?.status;
    this.#state = state;
    this.#setTimer();
    for (const effect of effects) this.#carryOut(effect);
    // status.json says the health as it changes, not only at the next report.
    if (state.health?.status !== healthBefore && this.#lastStatus && state.failure === undefined) {
      const status = this.#lastStatus;
      this.#statusWrite = this.#track(this.#statusWrite.then(() => this.#writeStatusFile(status)));
    }
    return answer;
  }

  /** The one timer: the supervisor's deadline. */
  #setTimer() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const deadline = this.#state.deadline;
    if (deadline === undefined) return;
    this.#timer = setTimeout(
      () => this.#dispatch({ kind: "deadline", now: Date.now() }),
      Math.max(0, deadline - Date.now()),
    );
  }

  /** Feeds an event back after the current transition's effects are all under way. */
  #later(event: () => SupervisorEvent) {
    queueMicrotask(() => this.#dispatch(event()));
  }

  /** Keeps work under way until the end; a failure in it is the host failing, never swallowed. */
  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    promise.catch((error) => this.#internalError(error)).finally(() => this.#pending.delete(promise));
    return promise;
  }

  #carryOut(effect: Effect) {
    switch (effect.kind) {
      case "report":
        this.#report({
          state: effect.state,
          waitHintMs: effect.waitHintMs,
          exitCode: effect.exitCode,
          reason: effect.reason,
          accepts: effect.accepts,
        });
        break;
      case "log":
        this.log.write(effect.level, effect.message, { errorLog: effect.errorLog });
        break;
      case "hook":
        this.#hook(effect.event);
        break;
      case "launch":
        this.#track(this.#launch());
        break;
      case "stop_method": {
        const run = this.#run;
        if (!run) break;
        // The method first, the line after it: the program hears the stop before the log's writes (to the
        // Event Log too, under Windows) are made.
        const delivering = run.program.stop(effect.method, effect.tree);
        this.log.write("info", `stopping the program (pid ${run.program.pid}): ${effect.method}`);
        this.#track(
          delivering.then((delivered) => {
            if (!delivered) this.#dispatch({ kind: "stop_method_undelivered", now: Date.now() });
          }),
        );
        break;
      }
      case "rotate":
        this.#run?.output?.rotateNow();
        break;
      case "timer": {
        clearTimeout(this.#timers.get(effect.timer));
        this.#timers.delete(effect.timer);
        if (effect.at === undefined) break;
        const timer = effect.timer;
        this.#timers.set(
          timer,
          setTimeout(
            () => this.#dispatch({ kind: "timer", timer, now: Date.now() }),
            Math.max(0, effect.at - Date.now()),
          ),
        );
        break;
      }
      case "health_check":
        this.#healthCheck(effect.run);
        break;
      case "exit_host":
        clearTimeout(this.#timer);
        clearTimeout(this.#statusRefresh);
        for (const timer of this.#timers.values()) clearTimeout(timer);
        this.#checksAbort.abort();
        this.#finished({ code: effect.code, suicide: effect.suicide });
        break;
    }
  }

  #report(status: StatusReport) {
    this.#lastStatus = status;
    try {
      this.#reportStatus(status);
    } catch (error) {
      // After a failure the session may be what failed: the host ends all the same, without waiting for it.
      if (this.#state.failure === undefined) throw error;
      this.#stoppedReported = false;
      this.log.write("error", `STOPPED could not be reported: ${(error as Error)?.message ?? error}`);
    }
    // One write at a time, in order: the file always ends with the latest state.
    this.#statusWrite = this.#track(this.#statusWrite.then(() => this.#writeStatusFile(status)));
  }

  /** Output dropped: counted, and status.json says so within a second (not once per dropped write). */
  #outputDropped(bytes: number) {
    this.#droppedBytes += bytes;
    if (this.#statusRefresh !== undefined) return;
    this.#statusRefresh = setTimeout(() => {
      this.#statusRefresh = undefined;
      const status = this.#lastStatus;
      if (status && this.#state.failure === undefined) {
        this.#statusWrite = this.#track(this.#statusWrite.then(() => this.#writeStatusFile(status)));
      }
    }, 1_000);
  }

  /** status.json in the log directory, for `ManageService status`: what the service manager can't say. */
  async #writeStatusFile(status: StatusReport) {
    const state = this.#state;
    const phase = state.phase;
    const file = {
      service: this.spec.name,
      state: status.state,
      reason: status.reason,
      hostPid: Deno.pid,
      programPid: phase.kind === "running" || phase.kind === "stopping" || phase.kind === "stop_pre"
        ? phase.pid
        : undefined,
      programStartedAt: state.run && state.run.exitedAt === undefined
        ? new Date(state.run.startedAt).toISOString()
        : undefined,
      nextStartAt: phase.kind === "throttled" ? new Date(phase.until).toISOString() : undefined,
      health: state.health?.status,
      healthFailure: state.health?.lastFailure,
      lastExit: state.lastExit,
      counters: state.counters,
      outputDroppedBytes: this.#droppedBytes,
      updatedAt: new Date().toISOString(),
    };
    const statusFile = path.join(this.logDirectory, "status.json");
    const text = JSON.stringify(file, null, 2) + "\n";
    try {
      await Deno.mkdir(this.logDirectory, { recursive: true });
      await writeFileAtomically(statusFile, text);
    } catch (error) {
      // A full disk has no room for a new file, but the old one's blocks still hold the new text: status
      // then shows what was dropped while it is being dropped.
      await overwriteInPlace(statusFile, text).catch(() =>
        this.log.write("warning", `status.json not written: ${(error as Error).message}`)
      );
    }
  }

  #hook(event: HookEvent) {
    const command = this.spec.hooks[event];
    const synchronous = isSynchronousHook(event);
    if (!command) {
      if (synchronous) this.#later(() => ({ kind: "hook_done", event, exitCode: 0, now: Date.now() }));
      return;
    }
    const facts = this.#facts();
    const environment = {
      ...this.#programEnvironment(),
      ...hookEnvironment(event, facts, this.spec.hookDeadlineMs),
    };
    const done = runHook(command, environment, {
      deadlineMs: this.spec.hookDeadlineMs,
      directory: this.#directory(),
      output: this.#hookOutput(event),
      signal: this.#hooksAbort.signal,
    }).then((result) => {
      if (result.error) this.log.write("error", `the ${event} hook could not run: ${result.error}`);
      else if (result.killed) {
        this.log.write("warning", `the ${event} hook ran past its deadline and was killed`);
      }
      if (synchronous) {
        this.#dispatch({ kind: "hook_done", event, exitCode: result.exitCode, now: Date.now() });
      }
    });
    this.#track(done);
  }

  /**
   * AppRedirectHook: where the hook's lines go — the program's output files, while they are open. (Start/Pre
   * runs before the program's output is opened, so its lines go nowhere yet; NSSM opens the files first.)
   */
  #hookOutput(event: HookEvent): HookOutput | undefined {
    const output = this.#run?.output;
    if (!this.spec.output.redirectHooks || !hookOutputRedirected(event) || !output) return undefined;
    return {
      stdout: (line) => output.writeLine("stdout", line),
      stderr: (line) => output.writeLine("stderr", line),
    };
  }

  /** What hooks are told (hooks.ts turns it into NSSM_* and SERVITOR_* variables). */
  #facts(): HookFacts {
    const state = this.#state;
    return {
      exe: this.platform.exe,
      serviceName: this.spec.name,
      displayName: this.spec.displayName,
      commandLine: this.#commandLine(),
      applicationPid: this.#run?.program.pid,
      trigger: state.trigger,
      lastControl: state.lastControl,
      counters: { ...state.counters, throttled: state.hookThrottleCount },
      exitCode: state.lastExit?.code,
      exceededMemoryLimit: state.lastExit?.exceededMemoryLimit,
      hostStartedAt: this.#startedAt,
      applicationStartedAt: state.run?.startedAt,
      applicationExitedAt: state.run?.exitedAt,
      now: Date.now(),
      version: this.platform.version,
    };
  }

  /**
   * The environment hooks get: the program's, its environment files read now. A file that can't be used
   * leaves its values out here (the program's start fails on it, and says so once).
   */
  #programEnvironment(): Record<string, string> {
    const environment = this.#settingsEnvironment();
    try {
      return withEnvFiles(environment, this.spec.envFiles ?? [], this.platform.windows);
    } catch {
      return environment;
    }
  }

  /** The environment from the settings alone, without the environment files: output paths are named by it. */
  #settingsEnvironment(): Record<string, string> {
    return programEnvironment(
      serviceEnvironment(Deno.env.toObject(), this.spec.serviceEnvironment, this.platform.windows),
      this.spec.environment,
      this.spec.environmentExtra,
      this.platform.windows,
    );
  }

  #directory(): string {
    const paths = this.platform.windows ? path.win32 : path.posix;
    return this.spec.directory ?? paths.dirname(this.spec.program);
  }

  #commandLine(): string {
    return windowsCommandLine(this.spec.program, this.spec.arguments);
  }

  async #launch() {
    const now = new Date();
    const spec = this.spec;
    try {
      const settings = this.#settingsEnvironment();
      // Read at every start; a file missing, unreadable or malformed fails this start (251), naming it.
      let environment: Record<string, string>;
      try {
        environment = withEnvFiles(settings, spec.envFiles ?? [], this.platform.windows);
      } catch (error) {
        throw new Error(`cannot start ${spec.program}: ${(error as Error).message}`);
      }
      const context = {
        program: spec.program,
        service: spec.name,
        hostPid: Deno.pid,
        now,
        environment: settings,
        windows: this.platform.windows,
      };
      const console = this.#session.kind === "console";
      // Nothing lost: under a service manager, output with no spec still goes to a file in the log directory.
      const stdoutSpec = spec.output.stdout ?? (console ? undefined : `${spec.name}-stdout.log`);
      const stderrSpec = spec.output.stderr ?? (console ? undefined : `${spec.name}-stderr.log`);
      const files = {
        stdout: stdoutSpec ? resolveOutputPath(stdoutSpec, context, this.logDirectory) : undefined,
        stderr: stderrSpec ? resolveOutputPath(stderrSpec, context, this.logDirectory) : undefined,
      };
      const stdin = spec.output.stdin
        ? resolveOutputPath(spec.output.stdin, context, this.logDirectory)
        : undefined;
      const onError = (message: string) => this.log.write("error", message);
      const { background } = await rotateAtStart(files, spec.output.rotation, now, onError);
      this.#track(background);
      const output = files.stdout || files.stderr
        ? await OutputWriter.open(files, spec.output, {
          echo: console,
          onNotice: (message) => this.log.write("warning", message, { errorLog: true }),
          onDropped: (bytes) => this.#outputDropped(bytes),
          hooks: {
            beforeRotate: () => this.#rotationHook("Rotate/Pre"),
            afterRotate: () => this.#rotationHook("Rotate/Post"),
          },
          onError,
        })
        : undefined;
      // When the host adds nothing to the output (no timestamps, no online rotation, no console to copy it
      // to), the program writes its files itself, as NSSM does: no copy through the host, and nothing lost
      // even if the host dies. The host still opens them first (creating, emptying) and appends its own
      // lines (AppRedirectHooks) to them.
      const direct = !console && !spec.output.timestamp && !spec.output.rotation.online;
      const target = (file: string | undefined): StreamTarget =>
        file ? (direct ? { file } : "pipe") : console ? "inherit" : "null";
      let program: Program;
      try {
        program = this.platform.launcher.launch({
          program: spec.program,
          arguments: spec.arguments,
          directory: this.#directory(),
          environment,
          stdinPath: stdin,
          stdout: target(files.stdout),
          stderr: target(files.stderr),
          priority: spec.priority,
          affinity: spec.affinity ? parseAffinity(spec.affinity) : undefined,
          newConsole: !spec.noConsole && !console,
        });
      } catch (error) {
        await output?.[Symbol.asyncDispose]();
        throw error;
      }
      const startedAt = Date.now();
      const run: Run = { program, output, startedAt };
      this.#run = run;
      const pumps = [
        program.stdout && output ? output.pump("stdout", program.stdout) : undefined,
        program.stderr && output ? output.pump("stderr", program.stderr) : undefined,
      ];
      // RUNNING first: the line goes to the Event Log too, whose first write under Wine took 4–20 ms.
      this.#dispatch({ kind: "launched", pid: program.pid, now: startedAt });
      this.log.write("info", `started ${spec.program} (pid ${program.pid})`);
      this.#track(this.#watch(run, pumps));
      this.platform.releaseFreedMemory?.();
    } catch (error) {
      const message = (error as Error).message;
      this.#dispatch({ kind: "launch_failed", message, now: Date.now() });
    }
  }

  /** Waits for the program's exit; then what it left behind goes, its output is flushed, and the supervisor hears. */
  async #watch(run: Run, pumps: (Promise<void> | undefined)[]) {
    const code = await run.program.exited;
    const now = Date.now();
    const exceededMemoryLimit = run.program.exceededMemoryLimit();
    await run.program[Symbol.asyncDispose]();
    await Promise.allSettled(pumps);
    await run.output?.[Symbol.asyncDispose]();
    if (this.#run === run) this.#run = undefined;
    this.log.write(
      code === 0 ? "info" : "warning",
      `the program (pid ${run.program.pid}) exited with code ${code}` +
        (exceededMemoryLimit ? `: ${exceededMemoryText(this.spec.maxMemoryBytes ?? 0)}` : ""),
    );
    this.#dispatch({ kind: "exited", code, exceededMemoryLimit, now });
  }

  /** One health check of run `run`, cut at its timeout; a command check gets the hook variables. */
  #healthCheck(run: number) {
    const health = this.spec.health;
    if (!health) return;
    const target = parseHealthTarget(health.check);
    const environment = target.kind === "cmd"
      ? {
        ...this.#programEnvironment(),
        ...hookEnvironment("Health/Unhealthy", this.#facts(), health.timeoutMs),
        NSSM_ACTION: "Check",
        SERVITOR_ACTION: "Check",
      }
      : {};
    this.#track(
      runHealthCheck(target, {
        timeoutMs: health.timeoutMs,
        environment,
        directory: this.#directory(),
        signal: this.#checksAbort.signal,
      }).then((result) =>
        this.#dispatch({
          kind: "health_result",
          run,
          ok: result.ok,
          why: result.ok ? undefined : result.why,
          now: Date.now(),
        })
      ),
    );
  }

  /** Rotate/Pre is waited for (with its deadline); Rotate/Post is not. */
  async #rotationHook(event: "Rotate/Pre" | "Rotate/Post") {
    const command = this.spec.hooks[event];
    if (!command) return;
    const facts = this.#facts();
    const done = runHook(command, {
      ...this.#programEnvironment(),
      ...hookEnvironment(event, facts, this.spec.hookDeadlineMs),
    }, {
      deadlineMs: this.spec.hookDeadlineMs,
      directory: this.#directory(),
      output: this.#hookOutput(event),
      signal: this.#hooksAbort.signal,
    });
    if (event === "Rotate/Pre") await done;
    else this.#track(done);
  }

  /**
   * The host itself failed (a bug, or the session or a file gone wrong underneath it): the reason goes to
   * the error log and the system log, and the supervisor takes the way out — the program's tree killed, then
   * STOPPED with service-specific code 254: never a service left RUNNING with nobody supervising it.
   */
  #internalError(error: unknown) {
    const text = internalErrorText(error);
    if (this.#state.failure !== undefined) {
      this.log.write("error", `while stopping after an internal error: ${text}`);
      return;
    }
    this.log.write("error", text);
    this.#hooksAbort.abort();
    const message = error instanceof Error ? error.message : String(error);
    try {
      this.#step({
        kind: "failed",
        reason: `internal error: ${message} — the service is stopped`,
        now: Date.now(),
      });
    } catch (again) {
      // The way out failed too: end now rather than never.
      this.log.write("error", `while stopping after an internal error: ${internalErrorText(again)}`);
      this.#finished({ code: HostExitCode.internal, suicide: false });
    }
  }
}

/** Writes `text` over the start of an existing `file` and cuts it there: no new blocks needed when it fits. */
async function overwriteInPlace(file: string, text: string): Promise<void> {
  using handle = await Deno.open(file, { write: true });
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length;) at += await handle.write(bytes.subarray(at));
  await handle.truncate(bytes.length);
}

function supervisorControl(control: IncomingControl): SupervisorControl | undefined {
  switch (control.kind) {
    case "stop":
    case "shutdown":
    case "preshutdown":
    case "pause":
    case "continue":
      return control.kind;
    case "user":
      return control.code === 128 ? "rotate" : undefined;
    case "power_event":
      return control.event === "resume"
        ? "power_resume"
        : control.event === "status_change"
        ? "power_change"
        : undefined;
    case "interrogate":
    case "param_change":
    case "session_change":
    case "other":
      return undefined;
    default:
      return unreachable(control);
  }
}
