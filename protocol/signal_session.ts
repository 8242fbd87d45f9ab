/**
 * A service session fed by signals: a person at a console (Ctrl-C is stop), or systemd (SIGTERM is stop).
 * The same controls the SCM would send, so a service behaves the same when debugged in a console. Under a
 * `Type=notify` unit the reports also reach systemd through sd_notify (./sd_notify.ts).
 * @module
 */
import type { IncomingControl } from "../service/vocabulary.ts";
import { type Notify, notifyFields } from "./sd_notify.ts";
import type { ControlHandler, ServiceSession, SessionKind, StatusReport } from "./session.ts";

/** Which control each signal stands for on this platform. */
export type SignalControls = Partial<Record<Deno.Signal, IncomingControl>>;

/**
 * Linux under systemd: SIGINT and SIGTERM stop; SIGHUP rotates (the daemons' "reopen your logs"); SIGUSR2
 * is continue. Not SIGUSR1: since 2.9.2 Deno opens its inspector on 127.0.0.1:9229 at SIGUSR1, listener or
 * not (denoland/deno#35738).
 */
export const posixSignals: SignalControls = {
  SIGINT: { kind: "stop" },
  SIGTERM: { kind: "stop" },
  SIGHUP: { kind: "user", code: 128 },
  SIGUSR2: { kind: "continue" },
};

/** Linux in a console: the same, but SIGHUP (the terminal closed) stops, as it would end any program. */
export const posixConsoleSignals: SignalControls = { ...posixSignals, SIGHUP: { kind: "stop" } };

/** Windows console: Ctrl-C and Ctrl-Break stop. */
export const windowsConsoleSignals: SignalControls = {
  SIGINT: { kind: "stop" },
  SIGBREAK: { kind: "stop" },
};

/**
 * A session driven by `signals`. Each state change is one line on stderr (the journal, under systemd),
 * with its reason; `log` receives it instead when given. `notify`, when given, tells systemd each report
 * (READY=1 once, STOPPING=1, EXTEND_TIMEOUT_USEC= for a pending state reported again, STATUS=).
 */
export function connectSignals(
  kind: Exclude<SessionKind, "scm">,
  name: string,
  signals: SignalControls,
  handler: ControlHandler,
  onError: (error: unknown) => void,
  log: (line: string) => void = (line) => console.error(line),
  notify?: Notify,
): ServiceSession {
  const listeners: [Deno.Signal, () => void][] = [];
  let last: StatusReport | undefined;
  let ready = false;
  let close: () => void = () => {};
  const closed = new Promise<void>((resolve) => close = resolve);
  for (const [signal, control] of Object.entries(signals) as [Deno.Signal, IncomingControl][]) {
    const listener = () => {
      try {
        const answer = handler(control);
        if (answer === "not_implemented") log(`${name}: ${signal} (${control.kind}) does nothing now`);
      } catch (error) {
        onError(error);
      }
    };
    Deno.addSignalListener(signal, listener);
    listeners.push([signal, listener]);
  }
  return {
    kind,
    name,
    args: [],
    get last() {
      return last;
    },
    closed,
    report(status) {
      if (last?.state === "stopped") return;
      const changed = status.state !== last?.state || status.reason !== last?.reason;
      last = status;
      if (changed) {
        log(`${name}: ${status.state.replace("_", " ")}${status.reason ? ` — ${status.reason}` : ""}`);
      }
      const fields = notify ? notifyFields(status, changed, ready) : [];
      if (fields.includes("READY=1")) ready = true;
      if (fields.length) notify!(fields);
      if (status.state === "stopped") {
        for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
        close();
      }
    },
  };
}
