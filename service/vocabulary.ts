/**
 * The vocabulary every part speaks about a running service — its states, the controls it takes and is sent,
 * how it ended — whichever service manager runs it. ffi/ maps these to and from the SCM's numbers at its
 * edge (ffi/types.ts, ffi/dispatcher.ts); protocol/signal_session.ts maps systemd's signals onto them.
 * @module
 */

/**
 * A service's current state (the SCM's dwCurrentState; systemd's states map onto these).
 *
 * @example Whether the service is on its way somewhere
 * ```ts
 * import type { ServiceState } from "../mod.ts";
 * const isPending = (state: ServiceState) => state.endsWith("_pending");
 * ```
 */
export type ServiceState =
  | "stopped"
  | "start_pending"
  | "stop_pending"
  | "running"
  | "continue_pending"
  | "pause_pending"
  | "paused";
/**
 * A control the service takes (one bit of the SCM's dwControlsAccepted; on systemd, the signals it handles).
 *
 * @example A service that takes pause and continue, and preshutdown, whatever its callbacks are
 * ```ts
 * import type { AcceptedControl, RunServiceOptions } from "../mod.ts";
 * const accepts: AcceptedControl[] = ["pause_continue", "preshutdown"];
 * const options: RunServiceOptions = { name: "MyService", callbacks: {}, accepts };
 * ```
 */
export type AcceptedControl =
  | "stop"
  | "pause_continue"
  | "shutdown"
  | "param_change"
  | "power_event"
  | "session_change"
  | "preshutdown";
/**
 * How a service's last run ended: a system error code (a Win32 error on Windows), or the service's own code
 * (reported through ERROR_SERVICE_SPECIFIC_ERROR on Windows; the exit status under systemd).
 */
export type ServiceExitCode = { kind: "win32"; code: number } | { kind: "service_specific"; code: number };

/**
 * A control sent to a running service (the SCM's HandlerEx dwControl with its event type; systemd's signals).
 *
 * @example Say what a control asks for
 * ```ts
 * import type { IncomingControl } from "../mod.ts";
 * function describe(control: IncomingControl): string {
 *   switch (control.kind) {
 *     case "user":
 *     case "other":
 *       return `control ${control.code}`;
 *     case "power_event":
 *       return `power: ${control.event}`;
 *     default:
 *       return control.kind;
 *   }
 * }
 * ```
 */
export type IncomingControl =
  | { kind: "stop" }
  | { kind: "pause" }
  | { kind: "continue" }
  | { kind: "interrogate" }
  | { kind: "shutdown" }
  | { kind: "preshutdown" }
  | { kind: "param_change" }
  | { kind: "power_event"; eventType: number; event: PowerEvent }
  | { kind: "session_change"; eventType: number }
  | { kind: "user"; code: number }
  | { kind: "other"; code: number };

/**
 * What a power event says (WM_POWERBROADCAST's PBT_* codes), as far as a service acts on it.
 *
 * @example Close connections before the machine sleeps
 * ```ts
 * import type { PowerEvent, ServiceCallbacks } from "../mod.ts";
 * const onPower = (event: PowerEvent) => event === "suspend" ? "closing connections" : "carrying on";
 * const callbacks: ServiceCallbacks = { power: (context) => console.log(onPower(context.control.event)) };
 * ```
 */
export type PowerEvent = "resume" | "status_change" | "suspend" | "other";
