/**
 * The state-callback form's vocabulary, after POE::Component::Daemon::Win32: one callback per state a
 * service passes through, one per message it may get, or one handler for all of them.
 * @module
 */
import type { AcceptedControl, IncomingControl, ServiceState, SessionKind } from "../protocol/session.ts";

/**
 * What a callback is told, and what it can ask for.
 *
 * @example Ask for more time while a long stop goes on
 * ```ts
 * import type { ServiceContext } from "../mod.ts";
 * async function stopPending(context: ServiceContext) {
 *   context.pending(60_000); // the next minute is accounted for
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 * }
 * ```
 */
export interface ServiceContext {
  /**
   * The service's name: the one the SCM passes to the service, else the name given to the library (in
   * not_ready, always the name given: the SCM has not named the service yet).
   */
  readonly name: string;
  /** The arguments of this start (`sc start NAME a b`); none under systemd, in a console, or in not_ready. */
  readonly args: readonly string[];
  /**
   * Who runs the service: the Windows SCM, systemd, or a person at a console. Undefined in not_ready alone:
   * on Windows only the SCM's calling ServiceMain (or not) tells a service from a console program.
   */
  readonly manager: SessionKind | undefined;
  /** The state the service manager was last told; "not_ready" before it has been told anything. */
  readonly state: ServiceState | "not_ready";
  /** Fires when the service is asked to stop: stop, shutdown, preshutdown, `stop()`, or a failed callback. */
  readonly signal: AbortSignal;
  /** The control being answered: set for shutdown, preshutdown, power, session_change, user_control, unhandled. */
  readonly control?: IncomingControl;
  /**
   * Asks for more time, as POE's `next_state` with a wait hint: reports the pending state again at once,
   * the next ones promising a report within `waitHintMs`. Outside a pending state it does nothing. While
   * a callback's promise is pending the library reports by itself; this is for a longer hint, or for
   * synchronous work that keeps the library from running meanwhile.
   */
  pending(waitHintMs: number): void;
  /**
   * Stops the service from within, as a stop control would (the stop path runs). An `exitCode` other than
   * 0 tells the service manager the service failed (a service-specific code; the process's exit code).
   */
  stop(exitCode?: number): void;
}

/**
 * A context whose control is of kind `K`: what shutdown, preshutdown, power, session_change and
 * user_control are told.
 *
 * @example A user control's code, typed
 * ```ts
 * import type { ControlContext } from "../mod.ts";
 * function userControl(context: ControlContext<"user">) {
 *   if (context.control.code === 200) console.log("rotating the log");
 * }
 * ```
 */
export type ControlContext<K extends IncomingControl["kind"]> = ServiceContext & {
  /** The control being answered. */
  readonly control: Extract<IncomingControl, { kind: K }>;
};

/**
 * A callback: synchronous, or a promise that the library waits for while keeping the manager informed.
 *
 * @example An async start: the service manager sees a pending start until the promise resolves
 * ```ts
 * import type { ServiceCallback } from "../mod.ts";
 * const startPending: ServiceCallback = async (context) => {
 *   await new Promise((resolve) => setTimeout(resolve, 10)); // connecting to a database, say
 *   console.log(`${context.name} is ready`);
 * };
 * ```
 */
export type ServiceCallback<C extends ServiceContext = ServiceContext> = (context: C) => void | Promise<void>;

/**
 * One callback per state and message; each is optional.
 *
 * - not_ready comes first, as POE's: the service manager has not connected yet (the SCM has not called
 *   ServiceMain), so nothing can be reported; start_pending follows once it has connected and not_ready is
 *   done. The connection is made meanwhile, not after it. Keep it short: under the SCM the service shows
 *   the SCM's own START_PENDING, checkpoint 0, until start_pending is reported.
 * - Pending states (start_pending, pause_pending, continue_pending, stop_pending) are reported before
 *   their callback runs, and the next state (running, paused, running, stopped) once it has returned or
 *   its promise has resolved; meanwhile the checkpoint rises (SCM) or the timeout is extended (systemd).
 * - running and paused are told once the service is in that state; their promises are not waited for.
 * - stopped is called after STOPPED has been reported: the service manager may end the process any time.
 * - shutdown and preshutdown run first in the stop path, before stop_pending.
 * - power, session_change and user_control answer those controls; unhandled answers the rest (and those
 *   three when they have no callback of their own). A control nothing answers is refused.
 *
 * A callback that throws, or whose promise rejects, is logged and stops the service with exit code 1 (when
 * not_ready fails, start_pending is skipped and the stop path runs once connected); a message callback's
 * failure (power, session_change, user_control, unhandled) is only logged.
 *
 * @example
 * ```ts
 * import type { ServiceCallbacks } from "../mod.ts";
 * let database: Deno.FsFile | undefined;
 * const callbacks: ServiceCallbacks = {
 *   start_pending: async () => {
 *     database = await Deno.open("data.db", { read: true, write: true, create: true });
 *   },
 *   stop_pending: () => database?.close(),
 *   user_control: (context) => console.log("user control", context.control.code),
 * };
 * ```
 */
export interface ServiceCallbacks {
  /** Not connected to the service manager yet: the first callback, before start_pending. */
  not_ready?: ServiceCallback;
  /** Starting: do the start-up work here; the service runs once it is done. */
  start_pending?: ServiceCallback;
  /** The service runs (after starting, and after continuing). */
  running?: ServiceCallback;
  /** Pausing: stop taking work. Its presence makes the service accept pause and continue. */
  pause_pending?: ServiceCallback;
  /** The service is paused. */
  paused?: ServiceCallback;
  /** Continuing: take work again. */
  continue_pending?: ServiceCallback;
  /** Stopping: wind down, close files and connections; the service stops once it is done. */
  stop_pending?: ServiceCallback;
  /** The service has stopped; nothing more is reported after this. */
  stopped?: ServiceCallback;
  /** The system is shutting down (SERVICE_CONTROL_SHUTDOWN): runs first in the stop path. */
  shutdown?: ServiceCallback<ControlContext<"shutdown">>;
  /** The system will shut down (SERVICE_CONTROL_PRESHUTDOWN); its presence makes the service accept it. */
  preshutdown?: ServiceCallback<ControlContext<"preshutdown">>;
  /** A power event (suspend, resume …); its presence makes the service accept them (Windows). */
  power?: ServiceCallback<ControlContext<"power_event">>;
  /** A session change (logon, logoff, lock …); its presence makes the service accept them (Windows). */
  session_change?: ServiceCallback<ControlContext<"session_change">>;
  /** A user control, 128 to 255 (`sc control NAME 128`; on Linux SIGUSR2 is 128). */
  user_control?: ServiceCallback<ControlContext<"user">>;
  /** Any other control. */
  unhandled?: ServiceCallback;
}

/**
 * A state or message a service gets: the names of {@link ServiceCallbacks}.
 *
 * @example The events a handler counts as states, not messages
 * ```ts
 * import type { ServiceEvent } from "../mod.ts";
 * const states = new Set<ServiceEvent>(["start_pending", "running", "paused", "stop_pending", "stopped"]);
 * const isState = (event: ServiceEvent) => states.has(event);
 * ```
 */
export type ServiceEvent = keyof ServiceCallbacks;

/**
 * One handler for every state and message, as POE's single callback: `event` says which, `context.state`
 * is the state reported, `context.control` the control answered. A handler takes every control, and
 * makes the service accept pause and continue, power events and session changes.
 *
 * @example
 * ```ts
 * import type { ServiceHandler } from "../mod.ts";
 * const handler: ServiceHandler = (event, context) => {
 *   console.log(`${context.name}: ${event}`, context.control ?? "");
 * };
 * ```
 */
export type ServiceHandler = (event: ServiceEvent, context: ServiceContext) => void | Promise<void>;

/** Callbacks or a handler, as one handler and what it answers. */
export interface Dispatch {
  handler: ServiceHandler;
  /** Whether an event has a callback. */
  has(event: ServiceEvent): boolean;
  /** The controls accepted beyond stop and shutdown. */
  accepts: AcceptedControl[];
}

/** The handler for `callbacks`, and the controls their presence accepts (unless `accepts` says). */
export function dispatchFor(
  callbacks: ServiceCallbacks | ServiceHandler,
  accepts?: readonly AcceptedControl[],
): Dispatch {
  if (typeof callbacks === "function") {
    return {
      handler: callbacks,
      has: () => true,
      accepts: [...(accepts ?? ["pause_continue", "power_event", "session_change"])],
    };
  }
  const own = { ...callbacks } as Record<ServiceEvent, ServiceCallback | undefined>;
  const has = (event: ServiceEvent) => typeof own[event] === "function";
  const implied: [AcceptedControl, boolean][] = [
    ["pause_continue", has("pause_pending") || has("paused") || has("continue_pending")],
    ["preshutdown", has("preshutdown")],
    ["power_event", has("power")],
    ["session_change", has("session_change")],
  ];
  return {
    handler: (event, context) => own[event]?.(context),
    has,
    accepts: [...(accepts ?? implied.filter(([, on]) => on).map(([control]) => control))],
  };
}
