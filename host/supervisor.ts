/**
 * The supervisor as a pure state machine, s6-supervise's way: a state, an event, and the transition gives
 * the next state and the effects to carry out. No timers, processes or files here — the host does the
 * effects and feeds back what happened (a hook finished, the program started or exited, the deadline came),
 * so throttling, exit actions and stop escalation are tested without a process.
 *
 * The wanted state (up or down) is kept apart from the phase the program is actually in, as runsv does.
 * @module
 */
import {
  type AcceptedControl,
  HostExitCode,
  KILL_WAIT_MS,
  type ServiceExitCode,
  type ServiceState,
  type StopMethod,
} from "../service/vocabulary.ts";
import type { HookEvent } from "../service/spec.ts";
import { exitActionFor } from "../service/settings.ts";
import { startHintMs, stopSteps, type TimingOptions } from "../service/timing.ts";
import { unreachable } from "../service/exhaustive.ts";
import { nextRestartAt, parseRestartTimes } from "../service/schedule.ts";
import { nextThrottleCount, restartBudget, restartDelayMs } from "./throttle.ts";

/** What the program is doing. */
export type Phase =
  | { kind: "idle" }
  | { kind: "start_pre" }
  | { kind: "launching" }
  | { kind: "running"; pid: number; startedAt: number }
  /** AppExit Ignore: the program is gone, the service stays RUNNING. */
  | { kind: "gone" }
  | { kind: "stop_pre"; pid: number; startedAt: number }
  | { kind: "stopping"; pid: number; startedAt: number; step: number }
  | { kind: "exit_post"; code: number; runtimeMs: number }
  /** Start/Pre exited with 99: Exit/Post runs all the same (as NSSM's), then the service stops. */
  | { kind: "start_aborted" }
  | { kind: "throttled"; until: number }
  /** The host failed: the program's tree is being killed (until its exit, or KILL_WAIT_MS), then STOPPED. */
  | { kind: "abandoning"; pid: number }
  | { kind: "stopped" };

/** The program's health, while a health check watches it: `starting` through the grace after each start. */
export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface HealthState {
  status: HealthStatus;
  /** Failures in a row that counted (outside the grace period). */
  failures: number;
  /** Until when failures don't count (AppHealthStart after the start). */
  graceUntil: number;
  /** When the next check is due; undefined while one is in flight (checks never overlap). */
  due?: number;
  /** The run being checked (counters.started then): a late result from an earlier run is ignored. */
  run: number;
  /** Why the last check failed, for the lines and status. */
  lastFailure?: string;
}

/** Why the supervisor itself is restarting the program: a graceful stop, then a start. */
export type RestartReason = "health" | "scheduled";

/** The host's timers beside the deadline, each set (or cleared) by a `timer` effect. */
export type TimerName = "health" | "restart";

export interface Counters {
  startRequested: number;
  started: number;
  throttled: number;
  exits: number;
}

/** How the program's last run ended. */
export interface LastExit {
  code: number;
  runtimeMs: number;
  /** It was killed (or its allocations refused) for exceeding its memory limit: maxMemoryBytes. */
  exceededMemoryLimit?: number;
}

export interface SupervisorState {
  wanted: "up" | "down";
  /** Set by shutdown and preshutdown: from then on nothing restarts. */
  shuttingDown: boolean;
  phase: Phase;
  counters: Counters;
  /** Consecutive runs shorter than AppThrottle: what the restart delay is reckoned from. */
  throttleCount: number;
  /**
   * NSSM's own throttle counter, as hooks see it (NSSM_THROTTLE_COUNT): raised before every start, reset to
   * 0 once the program has outlived AppThrottle or continue was sent — 1 at each Start/Pre, 0 at Start/Post.
   */
  hookThrottleCount: number;
  /** When recent restarts happened, for the restart budget. */
  restarts: number[];
  lastExit?: LastExit;
  /**
   * The program's current or last run of this start, ms epoch: hooks reckon NSSM_APPLICATION_RUNTIME from it
   * (after an exit, the run's length). Cleared when a new start begins: it has no run yet.
   */
  run?: { startedAt: number; exitedAt?: number };
  /** The control that triggered the work in progress, for hooks (NSSM_TRIGGER). */
  trigger?: string;
  lastControl?: string;
  /** The one timer: when it passes, the host sends a `deadline` event. */
  deadline?: number;
  /** The health check's state while the program runs (only with a health check). */
  health?: HealthState;
  /** When the next scheduled restart (restartEveryMs, restartAt) is due, while the program runs. */
  restartDue?: number;
  /** Set while the supervisor stops the program to start it again (unhealthy, or scheduled). */
  restarting?: RestartReason;
  /** How the service ends once STOPPED is reported: exit code of the host and the SCM exit code. */
  outcome?: { exitCode: ServiceExitCode; hostExitCode: number };
  /**
   * Set when the host itself failed (an internal error), with the reason STOPPED gives: from then on the
   * only way is out — the program killed, STOPPED 254 — and every other event is ignored.
   */
  failure?: string;
}

export type SupervisorEvent =
  | { kind: "start"; now: number }
  | { kind: "hook_done"; event: HookEvent; exitCode?: number; now: number }
  | { kind: "launched"; pid: number; now: number }
  | { kind: "launch_failed"; message: string; now: number }
  /** The program exited; `exceededMemoryLimit`: killed for going past its memory limit. */
  | { kind: "exited"; code: number; exceededMemoryLimit?: boolean; now: number }
  | { kind: "deadline"; now: number }
  /** A stop method reached nothing (no console, no window): go on to the next without waiting. */
  | { kind: "stop_method_undelivered"; now: number }
  | { kind: "control"; control: SupervisorControl; now: number }
  /** A `timer` effect's time came. */
  | { kind: "timer"; timer: TimerName; now: number }
  /** A health check of run `run` ended: ok, or failed and why (one line: status code, refused, timeout …). */
  | { kind: "health_result"; run: number; ok: boolean; why?: string; now: number }
  /** The host itself failed; `reason` is what STOPPED says. */
  | { kind: "failed"; reason: string; now: number };

export type SupervisorControl =
  | "stop"
  | "shutdown"
  | "preshutdown"
  | "pause"
  | "continue"
  | "rotate"
  | "power_change"
  | "power_resume";

export type Effect =
  | {
    kind: "report";
    state: ServiceState;
    waitHintMs: number;
    /** The controls taken from now on (acceptedControls). */
    accepts: readonly AcceptedControl[];
    exitCode?: ServiceExitCode;
    reason?: string;
  }
  /** Runs a hook. For a synchronous one (Start/Pre, Stop/Pre, Exit/Post, Rotate/Pre) the host sends `hook_done`. */
  | { kind: "hook"; event: HookEvent }
  /** Rotates files as needed and starts the program; the host sends `launched` or `launch_failed`. */
  | { kind: "launch" }
  | { kind: "stop_method"; method: StopMethod; tree: boolean }
  | { kind: "rotate" }
  /** A line for the host's log; `errorLog`: to the error log too, though not an error (why it is PAUSED). */
  | { kind: "log"; level: "info" | "warning" | "error"; message: string; errorLog?: boolean }
  /** Sets timer `timer` to send a `timer` event at `at` (replacing any earlier one); no `at`: cleared. */
  | { kind: "timer"; timer: TimerName; at?: number }
  /** Runs the health check once, cut at its timeout; the host sends `health_result` with `run`. */
  | { kind: "health_check"; run: number }
  /** The end: the host exits with `code`. A suicide exits without telling the service manager. */
  | { kind: "exit_host"; code: number; suicide: boolean };

export interface Transition {
  state: SupervisorState;
  effects: Effect[];
  /** For a control: whether it was accepted (HandlerEx's answer). */
  answer?: "handled" | "not_implemented";
}

/** What the supervisor needs beyond the spec: the stop methods this platform has. */
export type SupervisorOptions = TimingOptions;

export function initialState(): SupervisorState {
  return {
    wanted: "up",
    shuttingDown: false,
    phase: { kind: "idle" },
    counters: { startRequested: 0, started: 0, throttled: 0, exits: 0 },
    throttleCount: 0,
    hookThrottleCount: 0,
    restarts: [],
  };
}

/** The controls the host takes in each state, as NSSM's: pause/continue only while throttled (PAUSED). */
export function acceptedControls(state: ServiceState): readonly AcceptedControl[] {
  switch (state) {
    case "running":
      return ["stop", "shutdown", "preshutdown", "power_event"];
    case "paused":
      return ["stop", "shutdown", "preshutdown", "power_event", "pause_continue"];
    case "stopped":
    case "start_pending":
    case "stop_pending":
    case "continue_pending":
    case "pause_pending":
      return [];
    default:
      return unreachable(state);
  }
}

/** The whole stop, from a step on, for the wait hint: the SCM must never think the service hung. */
function stopHintMs(options: SupervisorOptions, fromStep: number): number {
  return stopSteps(options).slice(fromStep).reduce((sum, step) => sum + step.waitMs, 0) + 1_000;
}

/** Said at once when Start/Pre exits with 99, and again as the reason of the STOPPED that follows Exit/Post. */
const START_ABORTED = "the Start/Pre hook exited with 99: the start is aborted";

/** What is left of a stop once the program has exited: the Exit/Post hook, up to its deadline. */
function exitPostHintMs(options: SupervisorOptions): number {
  return (options.spec.hooks["Exit/Post"] ? options.spec.hookDeadlineMs : 0) + 1_000;
}

/** A status report, with the controls the host takes in that state. */
function report(
  state: ServiceState,
  waitHintMs: number,
  more: { exitCode?: ServiceExitCode; reason?: string } = {},
): Effect {
  return { kind: "report", state, waitHintMs, accepts: acceptedControls(state), ...more };
}

/**
 * "exceeded its memory limit of 64 MiB": what status, the error log and the hooks say of a program killed
 * for going past maxMemoryBytes.
 *
 * @example
 * ```ts
 * import { exceededMemoryText } from "./supervisor.ts";
 * exceededMemoryText(64 * 1024 * 1024); // "it exceeded its memory limit of 64 MiB"
 * ```
 */
export function exceededMemoryText(bytes: number): string {
  return `it exceeded its memory limit of ${formatSize(bytes)}`;
}

/** Bytes in the largest binary unit that keeps a whole number, as --max_memory takes them (64 MiB, 1.5 GiB). */
export function formatSize(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** The next state and effects for an event. Pure: the same input always gives the same output. */
export function transition(
  state: SupervisorState,
  event: SupervisorEvent,
  options: SupervisorOptions,
): Transition {
  const next: SupervisorState = { ...state, counters: { ...state.counters } };
  const effects: Effect[] = [];
  const phase = state.phase;

  /** Asks for a start: Start/Pre first (the host answers at once when there is none). */
  const beginStart = () => {
    next.counters.startRequested++;
    next.hookThrottleCount++;
    next.run = undefined;
    next.phase = { kind: "start_pre" };
    next.deadline = undefined;
    effects.push({ kind: "hook", event: "Start/Pre" });
  };

  /** Reports STOPPED and ends the host. */
  const finish = (exitCode: ServiceExitCode, hostExitCode: number, reason?: string) => {
    next.phase = { kind: "stopped" };
    next.deadline = undefined;
    next.outcome = { exitCode, hostExitCode };
    effects.push(report("stopped", 0, { exitCode, reason }));
    effects.push({ kind: "exit_host", code: hostExitCode, suicide: false });
  };
  const failed = (code: number, message: string) => {
    effects.push({ kind: "log", level: "error", message });
    finish({ kind: "service_specific", code }, code, message);
  };
  const stoppedCleanly = () => finish({ kind: "win32", code: 0 }, 0);

  /** The program no longer runs as it did: no more checks or scheduled restarts for this run. */
  const stopWatching = () => {
    if (next.health?.due !== undefined) {
      next.health = { ...next.health, due: undefined };
      effects.push({ kind: "timer", timer: "health" });
    }
    if (next.restartDue !== undefined) {
      next.restartDue = undefined;
      effects.push({ kind: "timer", timer: "restart" });
    }
  };

  /** Schedules the next health check of the running program, an interval from now. */
  const scheduleCheck = (health: HealthState, now: number) => {
    const due = now + options.spec.health!.intervalMs;
    next.health = { ...health, due };
    effects.push({ kind: "timer", timer: "health", at: due });
  };

  /**
   * Begins the graceful stop of a running program: Stop/Pre, then the escalation. The service manager
   * hears STOP_PENDING only when the service is going down, not when the supervisor restarts the program.
   */
  const beginStop = (pid: number, startedAt: number) => {
    stopWatching();
    next.phase = { kind: "stop_pre", pid, startedAt };
    next.deadline = undefined;
    if (next.wanted === "down") {
      effects.push(report(
        "stop_pending",
        (options.spec.hooks["Stop/Pre"] ? options.spec.hookDeadlineMs : 0) + stopHintMs(options, 0),
      ));
    }
    effects.push({ kind: "hook", event: "Stop/Pre" });
  };

  /** Applies escalation step `step`, or gives up when none is left. */
  const escalate = (pid: number, startedAt: number, step: number, now: number) => {
    const steps = stopSteps(options);
    if (step >= steps.length) {
      failed(
        HostExitCode.internal,
        `the program (pid ${pid}) did not exit after every stop method; it may still be running`,
      );
      return;
    }
    next.phase = { kind: "stopping", pid, startedAt, step };
    next.deadline = now + steps[step].waitMs;
    // The method before the report: the program hears the stop a report's round trip to the SCM sooner.
    effects.push({
      kind: "stop_method",
      method: steps[step].method,
      tree: options.spec.stop.killProcessTree,
    });
    if (next.wanted === "down") effects.push(report("stop_pending", stopHintMs(options, step)));
  };

  /** After the program exited and Exit/Post ran: restart, wait, stay, or end, as AppExit says. */
  const afterExit = (code: number, runtimeMs: number, now: number) => {
    if (state.wanted === "down" || state.shuttingDown) {
      stoppedCleanly();
      return;
    }
    const limit = state.lastExit?.exceededMemoryLimit;
    const ran = `the program exited with code ${code} after ${seconds(runtimeMs)}` +
      (state.restarting === "health" ? " (stopped: it was unhealthy)" : "") +
      (limit !== undefined ? ` — ${exceededMemoryText(limit)}` : "");
    next.restarting = undefined;
    if (state.restarting === "scheduled") {
      // Its run was as long as the schedule made it: no throttle, and not a failure for the budget.
      effects.push({
        kind: "log",
        level: "info",
        message: `${ran} (a scheduled restart); starting it again`,
      });
      next.trigger = undefined;
      beginStart();
      return;
    }
    // Unhealthy: restarted whatever AppExit says of its code, throttled and budgeted as any exit.
    const action = state.restarting === "health" ? "restart" : exitActionFor(options.spec, code);
    switch (action) {
      case "ignore":
        next.phase = { kind: "gone" };
        effects.push({
          kind: "log",
          level: "warning",
          message: `${ran}; AppExit says Ignore: not restarting`,
        });
        return;
      case "exit":
        effects.push({
          kind: "log",
          level: "info",
          message: `${ran}; AppExit says Exit: stopping the service`,
        });
        finish(code === 0 ? { kind: "win32", code: 0 } : { kind: "service_specific", code }, code);
        return;
      case "suicide":
        effects.push({
          kind: "log",
          level: "error",
          message: `${ran}; AppExit says Suicide: ending without telling the service manager`,
        });
        next.phase = { kind: "stopped" };
        effects.push({ kind: "exit_host", code: code === 0 ? 1 : code, suicide: true });
        return;
      case "restart": {
        const budget = restartBudget(state.restarts, now, options.spec.restartBudget);
        if (budget.spent) {
          const { restarts, seconds: window } = options.spec.restartBudget!;
          failed(
            HostExitCode.restartBudgetSpent,
            `${ran}; it was restarted ${restarts} times within ${window} s (the restart budget): giving up`,
          );
          return;
        }
        next.restarts = options.spec.restartBudget ? [...budget.history, now] : [];
        next.throttleCount = nextThrottleCount(state.throttleCount, runtimeMs, options.spec.throttleMs);
        if (next.throttleCount > 0) next.counters.throttled++;
        const delay = restartDelayMs(next.throttleCount, options.spec.restartDelayMs);
        if (delay === 0) {
          // Past its memory limit is a failure a person must hear of, even when the restart is at once.
          effects.push({
            kind: "log",
            level: "warning",
            message: `${ran}; restarting it`,
            ...(limit !== undefined ? { errorLog: true } : {}),
          });
          beginStart();
          return;
        }
        const due = new Date(now + delay).toISOString();
        const reason = `${ran}; the next start is due at ${due} (in ${seconds(delay)}) — ` +
          `send continue (ManageService continue) to start it now`;
        // "Stuck in Paused" is NSSM's most asked-about state: the error log says why, with the status.
        effects.push({ kind: "log", level: "warning", message: reason, errorLog: true });
        next.phase = { kind: "throttled", until: now + delay };
        next.deadline = now + delay;
        // NSSM reports PAUSED while it waits; scripts written for nssm expect that.
        effects.push(report("paused", 0, { reason }));
        return;
      }
      default:
        return unreachable(action);
    }
  };

  /** After a failure: STOPPED with the host's internal-error code and the failure for its reason. */
  const abandoned = () =>
    finish(
      { kind: "service_specific", code: HostExitCode.internal },
      HostExitCode.internal,
      next.failure,
    );

  if (state.failure !== undefined) {
    // Only the way out goes on: the killed program's exit, a kill that found nobody, or the kill's deadline.
    const due = event.kind === "deadline" && state.deadline !== undefined && event.now >= state.deadline;
    if (
      phase.kind === "abandoning" &&
      (event.kind === "exited" || event.kind === "stop_method_undelivered" || due)
    ) abandoned();
    return { state: next, effects };
  }

  switch (event.kind) {
    case "failed": {
      next.failure = event.reason;
      next.wanted = "down";
      next.deadline = undefined;
      if (phase.kind === "stopped") break; // ended already: nothing left to stop or report
      if (phase.kind !== "running" && phase.kind !== "stop_pre" && phase.kind !== "stopping") {
        abandoned();
        break;
      }
      // Never a program left running with nobody supervising it: its whole tree is killed first.
      next.phase = { kind: "abandoning", pid: phase.pid };
      next.deadline = event.now + KILL_WAIT_MS;
      effects.push({
        kind: "log",
        level: "warning",
        message: `ending the program (pid ${phase.pid}) and its children`,
      });
      effects.push({ kind: "stop_method", method: "kill", tree: true });
      break;
    }

    case "start":
      if (phase.kind !== "idle") break;
      effects.push(report("start_pending", startHintMs(options)));
      beginStart();
      break;

    case "hook_done":
      if (event.event === "Start/Pre" && phase.kind === "start_pre") {
        if (state.wanted === "down") {
          stoppedCleanly();
        } else if (event.exitCode === 99) {
          // As NSSM: the abort is said at once, Exit/Post still runs (NSSM_EXIT_COUNT counts it, NSSM_EXITCODE
          // is the last code, 0 when the program never ran), and STOPPED follows once it is done.
          effects.push({ kind: "log", level: "error", message: START_ABORTED });
          next.counters.exits++;
          next.trigger = undefined;
          next.phase = { kind: "start_aborted" };
          effects.push(report("stop_pending", exitPostHintMs(options)));
          effects.push({ kind: "hook", event: "Exit/Post" });
        } else {
          next.phase = { kind: "launching" };
          effects.push({ kind: "launch" });
        }
      } else if (event.event === "Stop/Pre" && phase.kind === "stop_pre") {
        escalate(phase.pid, phase.startedAt, 0, event.now);
      } else if (event.event === "Exit/Post" && phase.kind === "exit_post") {
        afterExit(phase.code, phase.runtimeMs, event.now);
      } else if (event.event === "Exit/Post" && phase.kind === "start_aborted") {
        finish(
          { kind: "service_specific", code: HostExitCode.startAborted },
          HostExitCode.startAborted,
          START_ABORTED,
        );
      }
      break;

    case "launched": {
      if (phase.kind !== "launching") break;
      next.counters.started++;
      next.phase = { kind: "running", pid: event.pid, startedAt: event.now };
      next.run = { startedAt: event.now };
      effects.push(report("running", 0));
      const check = options.spec.health;
      if (check) {
        scheduleCheck({
          status: "starting",
          failures: 0,
          graceUntil: event.now + check.startMs,
          run: next.counters.started,
        }, event.now);
      }
      const restartDue = nextScheduledRestart(options, event.now);
      if (restartDue !== undefined) {
        next.restartDue = restartDue;
        effects.push({ kind: "timer", timer: "restart", at: restartDue });
      }
      // RUNNING at once, but Start/Post waits until the program has outlived AppThrottle, as NSSM's: a
      // program that dies at once never runs it (the deadline below).
      next.deadline = event.now + options.spec.throttleMs;
      if (state.wanted === "down") beginStop(event.pid, event.now);
      break;
    }

    case "launch_failed":
      if (phase.kind !== "launching") break;
      failed(HostExitCode.launchFailed, event.message);
      break;

    case "exited": {
      if (
        phase.kind !== "running" && phase.kind !== "stop_pre" && phase.kind !== "stopping"
      ) break;
      const runtimeMs = event.now - phase.startedAt;
      stopWatching();
      next.health = undefined;
      next.counters.exits++;
      next.lastExit = {
        code: event.code,
        runtimeMs,
        ...(event.exceededMemoryLimit && options.spec.maxMemoryBytes !== undefined
          ? { exceededMemoryLimit: options.spec.maxMemoryBytes }
          : {}),
      };
      next.run = { startedAt: phase.startedAt, exitedAt: event.now };
      next.phase = { kind: "exit_post", code: event.code, runtimeMs };
      next.deadline = undefined;
      if (phase.kind === "running") next.trigger = undefined;
      // Stopping: the last hint covered the escalation; what is left now is Exit/Post, up to its deadline.
      if (state.wanted === "down") {
        effects.push(report("stop_pending", exitPostHintMs(options)));
      }
      effects.push({ kind: "hook", event: "Exit/Post" });
      break;
    }

    case "deadline":
      if (state.deadline === undefined || event.now < state.deadline) break;
      next.deadline = undefined;
      if (phase.kind === "throttled") {
        effects.push(report("start_pending", startHintMs(options)));
        beginStart();
      } else if (phase.kind === "running") {
        // The program has outlived AppThrottle: a clean start, NSSM resets its counter and runs Start/Post.
        next.hookThrottleCount = 0;
        effects.push({ kind: "hook", event: "Start/Post" });
      } else if (phase.kind === "stopping") {
        escalate(phase.pid, phase.startedAt, phase.step + 1, event.now);
      }
      break;

    case "stop_method_undelivered":
      if (phase.kind !== "stopping") break;
      // A kill that reached nobody: the program ended on its own meanwhile (the Ctrl-C a person pressed
      // reaches it straight from their console) and its exit is on its way — waited for until the kill's
      // deadline, not taken for a program that outlived every method.
      if (stopSteps(options)[phase.step]?.method === "kill") break;
      escalate(phase.pid, phase.startedAt, phase.step + 1, event.now);
      break;

    case "timer":
      if (phase.kind !== "running" || state.wanted === "down" || state.shuttingDown) break;
      if (event.timer === "health") {
        const health = state.health;
        if (!health || health.due === undefined || event.now < health.due) break;
        next.health = { ...health, due: undefined };
        effects.push({ kind: "health_check", run: health.run });
      } else {
        if (state.restartDue === undefined || event.now < state.restartDue) break;
        effects.push({
          kind: "log",
          level: "info",
          message: `scheduled restart (${
            scheduleText(options)
          }): stopping the program, then starting it again`,
        });
        next.restarting = "scheduled";
        next.trigger = "scheduled";
        beginStop(phase.pid, phase.startedAt);
      }
      break;

    case "health_result": {
      const health = state.health;
      const check = options.spec.health;
      // Only the answer to the check in flight of this run counts.
      if (
        phase.kind !== "running" || !health || !check || health.run !== event.run || health.due !== undefined
      ) {
        break;
      }
      if (event.ok) {
        if (health.status !== "healthy") {
          effects.push({
            kind: "log",
            level: "info",
            message: `health check ${check.check}: ${
              health.status === "unhealthy" ? "healthy again" : "healthy"
            }`,
          });
        }
        scheduleCheck({ ...health, status: "healthy", failures: 0, lastFailure: undefined }, event.now);
        break;
      }
      const why = event.why ?? "failed";
      if (event.now < health.graceUntil) {
        // Still starting up: a failure now doesn't count.
        scheduleCheck({ ...health, lastFailure: why }, event.now);
        break;
      }
      const failures = health.failures + 1;
      if (failures < check.retries || health.status === "unhealthy") {
        scheduleCheck({ ...health, failures, lastFailure: why }, event.now);
        break;
      }
      next.health = { ...health, status: "unhealthy", failures, lastFailure: why };
      const restart = check.action === "restart" && state.wanted === "up" && !state.shuttingDown;
      effects.push({
        kind: "log",
        level: "error",
        message: `health check ${check.check} failed ${failures} times in a row (last: ${why}): unhealthy` +
          (restart ? "; restarting the program" : ""),
      });
      effects.push({ kind: "hook", event: "Health/Unhealthy" });
      if (restart) {
        next.restarting = "health";
        next.trigger = "health";
        beginStop(phase.pid, phase.startedAt);
      } else {
        scheduleCheck(next.health, event.now);
      }
      break;
    }

    case "control":
      return control(state, next, effects, event.control, { beginStart, beginStop, stoppedCleanly }, options);
  }
  return { state: next, effects };
}

/** When the next scheduled restart of a program started at `now` is due: the earliest of both settings. */
function nextScheduledRestart(options: SupervisorOptions, now: number): number | undefined {
  const { restartEveryMs, restartAt } = options.spec;
  const every = restartEveryMs === undefined ? undefined : now + restartEveryMs;
  const at = restartAt === undefined
    ? undefined
    : nextRestartAt(new Date(now), parseRestartTimes(restartAt))?.getTime();
  if (every === undefined) return at;
  return at === undefined ? every : Math.min(every, at);
}

/** The schedule in words, for the log line that says why the program is restarted. */
function scheduleText(options: SupervisorOptions): string {
  const { restartEveryMs, restartAt } = options.spec;
  const parts = [
    restartEveryMs === undefined ? undefined : `every ${seconds(restartEveryMs)}`,
    restartAt === undefined ? undefined : `at ${restartAt}`,
  ];
  return parts.filter(Boolean).join(", ");
}

function control(
  state: SupervisorState,
  next: SupervisorState,
  effects: Effect[],
  control: SupervisorControl,
  actions: {
    beginStart(): void;
    beginStop(pid: number, startedAt: number): void;
    stoppedCleanly(): void;
  },
  options: SupervisorOptions,
): Transition {
  const phase = state.phase;
  const handled = (): Transition => ({ state: next, effects, answer: "handled" });
  switch (control) {
    case "stop":
    case "shutdown":
    case "preshutdown": {
      next.lastControl = control;
      next.trigger = control;
      next.wanted = "down";
      if (control !== "stop") next.shuttingDown = true;
      switch (phase.kind) {
        case "running":
          actions.beginStop(phase.pid, phase.startedAt);
          break;
        case "throttled":
        case "gone":
        case "idle":
          actions.stoppedCleanly();
          break;
        case "start_pre":
        case "launching":
          // The start in progress finishes first; the stop follows (see hook_done and launched).
          effects.push(report("stop_pending", startHintMs(options)));
          break;
        case "exit_post":
        case "start_aborted":
          // The program has exited by itself (or never ran); Exit/Post runs, then the service stops.
          effects.push(report("stop_pending", exitPostHintMs(options)));
          break;
        case "stop_pre":
        case "stopping":
          // Stopping to restart it (unhealthy, scheduled): the same stop goes on, and now the service stops.
          if (state.restarting) {
            next.restarting = undefined;
            effects.push(
              report("stop_pending", stopHintMs(options, phase.kind === "stopping" ? phase.step : 0)),
            );
          }
          break;
        case "abandoning":
        case "stopped":
          break; // already on the way down, or there
        default:
          unreachable(phase);
      }
      return handled();
    }
    case "pause":
      // NSSM does not pause a running program: pause/continue exist to end a throttle wait early.
      return { state: next, effects, answer: "not_implemented" };
    case "continue":
      if (phase.kind !== "throttled") return { state: next, effects, answer: "not_implemented" };
      next.lastControl = "continue";
      next.trigger = "continue";
      // NSSM resets its throttle count when the service is explicitly unpaused.
      next.throttleCount = 0;
      next.hookThrottleCount = 0;
      effects.push({
        kind: "log",
        level: "info",
        message: "continue received while throttled: starting now",
      });
      effects.push(report("continue_pending", startHintMs(options)));
      actions.beginStart();
      return handled();
    case "rotate":
      next.lastControl = "rotate";
      effects.push({ kind: "rotate" });
      return handled();
    case "power_change":
    case "power_resume":
      next.lastControl = "power";
      effects.push({ kind: "hook", event: control === "power_change" ? "Power/Change" : "Power/Resume" });
      return handled();
    default:
      return unreachable(control);
  }
}
