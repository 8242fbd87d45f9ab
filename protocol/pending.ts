/**
 * A pending state that lasts: while a service's work for START_PENDING (or STOP_PENDING …) goes on, the
 * service manager hears from it before each wait hint runs out — the SCM a rising checkpoint
 * (SERVICE_STATUS's dwCheckPoint: "the service is making progress"), systemd EXTEND_TIMEOUT_USEC=. The
 * session counts the checkpoints; this only reports again, at half the wait hint.
 * @module
 */
import type { ServiceSession, ServiceState, StatusReport } from "./session.ts";

/** A pending state being reported until its work is done. */
export interface PendingReport {
  /** The state reported. */
  readonly state: ServiceState;
  /** Reports again now, with a new wait hint that the reports after this one keep (POE's next_state). */
  extend(waitHintMs: number): void;
  /** Stops reporting. The caller then reports the state that follows. */
  end(): void;
}

/** The shortest interval between two reports, however short the hint. */
const MIN_INTERVAL_MS = 50;

/** How often a pending state is reported again. */
export interface PendingOptions {
  /**
   * Report again at least this often, however long the hint: a hint that covers a whole long step (a hook's
   * deadline) is honest, and the checkpoint still rises while the step goes on.
   */
  maxIntervalMs?: number;
}

/**
 * Reports `status` (a pending state) now and again every half wait hint (`maxIntervalMs` at most) until
 * `end()`. A report of another state through the session in the meantime ends it too.
 */
export function reportPending(
  session: ServiceSession,
  status: StatusReport,
  options: PendingOptions = {},
): PendingReport {
  if (!status.state.endsWith("_pending")) throw new RangeError(`${status.state} is not a pending state`);
  let current = status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  const send = () => {
    clearTimeout(timer);
    session.report(current);
    const hint = current.waitHintMs ?? 0;
    const interval = Math.min(hint / 2, options.maxIntervalMs ?? Infinity);
    if (hint > 0) timer = setTimeout(again, Math.max(MIN_INTERVAL_MS, interval));
  };
  const again = () => {
    // Someone else reported since (a failure's STOPPED …): that state stands.
    if (ended || session.last?.state !== current.state) ended = true;
    else send();
  };
  send();
  return {
    state: status.state,
    extend(waitHintMs: number) {
      if (ended) return;
      current = { ...current, waitHintMs };
      again();
    },
    end() {
      ended = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Reports each status as it comes: a pending state again and again (reportPending) until the next status
 * replaces it, any other state once. For a service that goes through its states one report at a time, as
 * the host does: every START_PENDING or STOP_PENDING it reports keeps its checkpoint rising while it lasts.
 */
export function statusReporter(
  session: ServiceSession,
  options: PendingOptions = {},
): (status: StatusReport) => void {
  let pending: PendingReport | undefined;
  return (status) => {
    pending?.end();
    pending = undefined;
    if (status.state.endsWith("_pending")) pending = reportPending(session, status, options);
    else session.report(status);
  };
}
