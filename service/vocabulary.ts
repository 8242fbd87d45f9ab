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

/**
 * The service-specific exit codes the host reports when it, not the program, ends the service; also the
 * host's process exit code. They fit in a byte (a Linux exit status) and stay clear of systemd's own 200–243.
 */
export const HostExitCode = {
  /** The stored configuration is missing or invalid. */
  configuration: 250,
  /** The program could not be started. */
  launchFailed: 251,
  /** A Start/Pre hook exited with 99. */
  startAborted: 252,
  /** The restart budget was spent. */
  restartBudgetSpent: 253,
  /** The host itself failed. */
  internal: 254,
} as const;

/**
 * The graceful stop methods, in NSSM's order, each with its AppStopMethodSkip bit:
 * interrupt = Ctrl-C to the console (SIGINT on Linux), bit 1;
 * close = WM_CLOSE to the windows (SIGTERM on Linux), bit 2;
 * quit = WM_QUIT to the threads (nothing on Linux), bit 4;
 * kill = TerminateProcess (SIGKILL on Linux), bit 8.
 */
export const stopMethods = [
  { method: "interrupt", skipBit: 1 },
  { method: "close", skipBit: 2 },
  { method: "quit", skipBit: 4 },
  { method: "kill", skipBit: 8 },
] as const;
/** A graceful stop method (stopMethods). */
export type StopMethod = typeof stopMethods[number]["method"];
/** The stop methods a Linux program can be sent (WM_QUIT has no counterpart): SIGINT, SIGTERM, SIGKILL. */
export const POSIX_STOP_METHODS: readonly StopMethod[] = ["interrupt", "close", "kill"];

/** How long the host allows itself to start the program once hooks are done (rotation included). */
export const LAUNCH_ALLOWANCE_MS = 5_000;
/** How long the host waits for the program to vanish after the last stop method. */
export const KILL_WAIT_MS = 3_000;
