/**
 * The state-callback form's engine: controls from a session in, callbacks and status reports out. It is
 * given how to connect, so that tests feed it controls without any service manager.
 *
 * One transition at a time: a pending state is reported as soon as its control arrives (the SCM's answer
 * to ControlService already shows it), its callback runs once HandlerEx has returned, and the next state
 * is reported when the callback is done. A stop that arrives during another transition (a signal, in a
 * console or under systemd) waits for it to end; the signal fires at once, so the work in progress can
 * cut itself short.
 * @module
 */
import { unreachable } from "../service/exhaustive.ts";
import { type PendingReport, reportPending } from "../protocol/pending.ts";
import type {
  AcceptedControl,
  ControlAnswer,
  ControlHandler,
  IncomingControl,
  ServiceSession,
  ServiceState,
} from "../protocol/session.ts";
import type { Dispatch, ServiceContext, ServiceEvent } from "./callbacks.ts";

/** Connects to whoever runs the service (protocol/connect.ts, or a test's fake). */
export type Connect = (
  name: string,
  handler: ControlHandler,
  onError: (error: unknown) => void,
) => Promise<ServiceSession>;

export interface LifecycleOptions {
  name: string;
  dispatch: Dispatch;
  /** The wait hint reported with each pending state, in ms. */
  waitHintMs: number;
  /** Where failures go; `session` once connected. */
  onError: (error: unknown, session?: ServiceSession) => void;
}

/** The wait hint when none is given: the SCM hears from a pending service every 1.5 s. */
export const DEFAULT_WAIT_HINT_MS = 3000;

/** The exit code a failed callback stops the service with. */
export const FAILURE_EXIT_CODE = 1;

/** Why the service stops, as the signal's reason says it. */
type StopCause = "stop" | "shutdown" | "preshutdown" | "self" | "failure";

const causeText: Record<StopCause, string> = {
  stop: "the service manager asked the service to stop",
  shutdown: "the system is shutting down",
  preshutdown: "the system is about to shut down",
  self: "the service stopped itself",
  failure: "a callback of the service failed",
};

/** Runs the service until it has stopped; resolves with its exit code (0, or service-specific). */
export async function runLifecycle(options: LifecycleOptions, connect: Connect): Promise<number> {
  const lifecycle = new Lifecycle(options);
  return await lifecycle.run(connect);
}

class Lifecycle {
  /** Undefined until connected: only not_ready runs before that. */
  #session: ServiceSession | undefined;
  #state: ServiceState | "not_ready" = "not_ready";
  #abort = new AbortController();
  #stopCause: StopCause | undefined;
  #stopControl: IncomingControl | undefined;
  #exitCode = 0;
  /** A transition is under way; from the start, so that a stop before the session is there waits for it. */
  #busy = true;
  #stopping = false;
  #pending: PendingReport | undefined;
  #done!: () => void;

  constructor(readonly options: LifecycleOptions) {}

  async run(connect: Connect): Promise<number> {
    const done = new Promise<void>((resolve) => this.#done = resolve);
    // A console or systemd session holds nothing that keeps Deno running, as the SCM's dispatcher does:
    // this keeps the process alive until the service has stopped.
    const alive = setInterval(() => {}, 1 << 30);
    try {
      // POE's not_ready: while the service manager is not connected yet. The connection is made meanwhile,
      // not after it: the SCM waits only so long for StartServiceCtrlDispatcherW (ServicesPipeTimeout, 30 s).
      const notReady = this.#call("not_ready", undefined, true);
      const session = this.#session = await connect(
        this.options.name,
        (control) => this.#control(control),
        (error) => this.#error(error),
      );
      // A stop asked for meanwhile follows the start, as during any transition; a failed not_ready skips it.
      this.#transition(async () => {
        if (await notReady) await this.#start();
      });
      await done;
      await session.closed;
    } finally {
      clearInterval(alive);
    }
    return this.#exitCode;
  }

  /** The session, once connected: every use but not_ready's context comes after the connection. */
  get #connected(): ServiceSession {
    return this.#session!;
  }

  #error(error: unknown) {
    try {
      this.options.onError(error, this.#session);
    } catch {
      // The error logger itself failed: nowhere left to say it.
    }
  }

  /** HandlerEx, or a signal: answered at once; the work is done afterwards. */
  #control(control: IncomingControl): ControlAnswer {
    switch (control.kind) {
      case "stop":
      case "shutdown":
      case "preshutdown":
        this.#requestStop(control.kind, control);
        return "handled";
      case "pause":
      case "continue":
        return this.#requestPause(control.kind === "pause") ? "handled" : "not_implemented";
      case "interrogate":
        return "handled";
      case "power_event":
        return this.#message("power", control);
      case "session_change":
        return this.#message("session_change", control);
      case "user":
        return this.#message("user_control", control);
      case "param_change":
      case "other":
        return this.#message("unhandled", control);
      default:
        return unreachable(control);
    }
  }

  /** A control that is a message, not a change of state: its callback runs, nothing is reported. */
  #message(event: ServiceEvent, control: IncomingControl): ControlAnswer {
    const { has } = this.options.dispatch;
    const chosen = has(event) ? event : has("unhandled") ? "unhandled" : undefined;
    if (!chosen) return "not_implemented";
    setTimeout(() => void this.#call(chosen, control, false), 0);
    return "handled";
  }

  #requestStop(cause: StopCause, control?: IncomingControl) {
    if (this.#stopCause) return;
    this.#stopCause = cause;
    this.#stopControl = control;
    this.#abort.abort(new DOMException(causeText[cause], "AbortError"));
    if (!this.#busy && !this.#stopping) this.#transition(() => this.#stop());
  }

  /** Whether pause (or continue) is taken. It is ignored when it makes no sense now. */
  #requestPause(pause: boolean): boolean {
    if (!this.options.dispatch.accepts.includes("pause_continue")) return false;
    if (this.#busy || this.#stopCause) return true;
    if (pause && this.#state === "running") this.#transition(() => this.#pauseOrContinue("pause"));
    if (!pause && this.#state === "paused") this.#transition(() => this.#pauseOrContinue("continue"));
    return true;
  }

  /** Runs one transition; a stop asked for meanwhile follows it. */
  #transition(work: () => Promise<void>) {
    this.#busy = true;
    work().catch((error) => {
      // The session itself failed (SetServiceStatus …): the service can only stop.
      this.#error(error);
      this.#fail();
    }).finally(() => {
      this.#busy = false;
      if (this.#stopCause && !this.#stopping) this.#transition(() => this.#stop());
    });
  }

  async #start() {
    if (!await this.#pendingCall("start_pending", "start_pending")) return;
    if (this.#stopCause) return;
    this.#report("running");
    this.#tell("running");
  }

  async #pauseOrContinue(which: "pause" | "continue") {
    const [pending, next] = which === "pause"
      ? ["pause_pending", "paused"] as const
      : ["continue_pending", "running"] as const;
    if (!await this.#pendingCall(pending, pending)) return;
    if (this.#stopCause) return;
    this.#report(next);
    this.#tell(next);
  }

  async #stop() {
    this.#stopping = true;
    try {
      const cause = this.#stopCause!;
      this.#pending = reportPending(this.#connected, this.#status("stop_pending"));
      this.#state = "stop_pending";
      await nextTask();
      if (cause === "shutdown" || cause === "preshutdown") await this.#call(cause, this.#stopControl, true);
      await this.#call("stop_pending", undefined, true);
      this.#pending.end();
      this.#pending = undefined;
      this.#report("stopped");
      await this.#call("stopped", undefined, false);
    } finally {
      this.#done();
    }
  }

  /**
   * Reports `state` (pending) and runs `event`'s callback, reporting on while it runs. False when it
   * failed: the stop path then follows.
   */
  async #pendingCall(state: ServiceState, event: ServiceEvent): Promise<boolean> {
    this.#pending = reportPending(this.#connected, this.#status(state));
    this.#state = state;
    await nextTask();
    const ok = await this.#call(event, undefined, true);
    this.#pending.end();
    this.#pending = undefined;
    return ok;
  }

  /** Runs a callback for `event`. A failure is logged; for a state's callback it also stops the service. */
  async #call(event: ServiceEvent, control: IncomingControl | undefined, stopOnFailure: boolean) {
    try {
      await this.options.dispatch.handler(event, this.#context(control));
      return true;
    } catch (error) {
      this.#error(error);
      if (stopOnFailure) this.#fail();
      return false;
    }
  }

  /** running and paused: told, not waited for — the service is in that state already. */
  #tell(event: "running" | "paused") {
    this.#call(event, undefined, true);
  }

  #fail() {
    this.#exitCode ||= FAILURE_EXIT_CODE;
    this.#requestStop("failure");
  }

  #report(state: ServiceState) {
    this.#state = state;
    this.#connected.report(this.#status(state));
  }

  #status(state: ServiceState) {
    const pending = state.endsWith("_pending");
    return {
      state,
      waitHintMs: pending ? this.options.waitHintMs : undefined,
      accepts: this.#accepts(state),
      exitCode: state === "stopped" && this.#exitCode
        ? { kind: "service_specific" as const, code: this.#exitCode }
        : undefined,
      reason: state === "stopped" && this.#stopCause !== "stop" ? causeText[this.#stopCause!] : undefined,
    };
  }

  #accepts(state: ServiceState): AcceptedControl[] {
    if (state !== "running" && state !== "paused") return [];
    return ["stop", "shutdown", ...this.options.dispatch.accepts];
  }

  #context(control: IncomingControl | undefined): ServiceContext {
    const state = () => this.#state;
    const extend = (waitHintMs: number) => this.#pending?.extend(waitHintMs);
    const stop = (exitCode: number) => {
      if (exitCode) this.#exitCode = exitCode;
      this.#requestStop("self");
    };
    const session = () => this.#session;
    const name = this.options.name;
    return {
      get name() {
        return session()?.name ?? name;
      },
      get args() {
        return session()?.args ?? [];
      },
      get manager() {
        return session()?.kind;
      },
      get state() {
        return state();
      },
      signal: this.#abort.signal,
      control,
      pending(waitHintMs: number) {
        if (!Number.isFinite(waitHintMs) || waitHintMs < 0) {
          throw new RangeError(`a wait hint is a number of milliseconds, not ${waitHintMs}`);
        }
        extend(waitHintMs);
      },
      stop(exitCode = 0) {
        if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 0xffff_ffff) {
          throw new RangeError(`an exit code is a whole number from 0 to 4294967295, not ${exitCode}`);
        }
        stop(exitCode);
      },
    };
  }
}

/** After the current task: a control's callback runs once HandlerEx has returned to the SCM. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
