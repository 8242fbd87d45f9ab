/**
 * The service protocol as a program sees it, whoever runs it: a stream of control requests in, status
 * reports out (golang.org/x/sys/windows/svc's `Execute(args, requests, status)`). The Windows SCM, systemd
 * and a person at a console each feed the same interface, so the host and the public library are written
 * once, and tested without an SCM by feeding requests.
 * @module
 */
import type {
  AcceptedControl,
  IncomingControl,
  ServiceExitCode,
  ServiceState,
} from "../service/vocabulary.ts";
import { unreachable } from "../service/exhaustive.ts";

export type { IncomingControl };
export type { AcceptedControl, ServiceExitCode, ServiceState };

/** How a control was taken: accepted, or refused as not implemented (ERROR_CALL_NOT_IMPLEMENTED). */
export type ControlAnswer = "handled" | "not_implemented";

/** What the service says about itself. Checkpoints are counted by the session. */
export interface StatusReport {
  state: ServiceState;
  /** For a pending state: how long until the next report, in ms. */
  waitHintMs?: number;
  /** For STOPPED: why. A service-specific code tells the administrator the service failed. */
  exitCode?: ServiceExitCode;
  /** The controls the service takes in this state; a sensible default per state when omitted. */
  accepts?: readonly AcceptedControl[];
  /** Words for a person: shown in a console, logged by the caller. */
  reason?: string;
}

/** Answers one control; called on the main thread, must not throw (a throw is reported and answered "handled"). */
export type ControlHandler = (control: IncomingControl) => ControlAnswer;

/**
 * Who runs the service: the Windows SCM, systemd, or a person at a console.
 *
 * @example
 * ```ts
 * import type { SessionKind } from "../mod.ts";
 * const where = (kind: SessionKind) => kind === "console" ? "in a console (Ctrl-C stops it)" : `under ${kind}`;
 * ```
 */
export type SessionKind = "scm" | "systemd" | "console";

/** A live connection between a service and whoever runs it. */
export interface ServiceSession {
  readonly kind: SessionKind;
  /** The service's name. */
  readonly name: string;
  /** Start arguments (StartServiceW's; none elsewhere), without the service name. */
  readonly args: readonly string[];
  /** Tells the service manager the service's state. After STOPPED nothing more is reported. */
  report(status: StatusReport): void;
  /** The last status reported. */
  readonly last: StatusReport | undefined;
  /** Resolves when the service manager has let go of the service (after STOPPED). */
  readonly closed: Promise<void>;
}

/** The controls a service takes by default in each state: none while starting, stop once it runs. */
export function defaultAccepts(state: ServiceState): AcceptedControl[] {
  switch (state) {
    case "running":
    case "stop_pending":
      return ["stop", "shutdown"];
    case "paused":
      return ["stop", "shutdown", "pause_continue"];
    case "stopped":
    case "start_pending":
    case "continue_pending":
    case "pause_pending":
      return [];
    default:
      return unreachable(state);
  }
}

/** The checkpoint to report: rising while the same pending state goes on, 0 otherwise. */
export function nextCheckpoint(
  previous: StatusReport | undefined,
  previousCheckpoint: number,
  state: ServiceState,
) {
  if (!state.endsWith("_pending")) return 0;
  return previous?.state === state ? previousCheckpoint + 1 : 1;
}
