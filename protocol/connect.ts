/**
 * Who runs this program, asked once: on Windows the SCM when it started the process, else a console; on
 * Linux systemd when it started the process (it sets INVOCATION_ID for every unit, NOTIFY_SOCKET for a
 * `Type=notify` one), else a console. The host and the library both ask here.
 * @module
 */
import { ERROR_FAILED_SERVICE_CONTROLLER_CONNECT } from "../ffi/constants.ts";
import { Win32Error } from "../ffi/error.ts";
import { connectScm } from "./scm_session.ts";
import { sdNotifier } from "./sd_notify.ts";
import type { ControlHandler, ServiceSession } from "./session.ts";
import { connectSignals, type SignalControls } from "./signal_session.ts";

/** Which signals stand for which controls, where signals feed the session. */
export interface SessionSignals {
  /** A Windows console's (Ctrl-C is SIGINT, Ctrl-Break SIGBREAK). */
  windows: SignalControls;
  /** Linux, under systemd, and in a console unless `posixConsole` says otherwise. */
  posix: SignalControls;
  /** Linux in a console, when it differs (the host: SIGHUP, the terminal closing, stops it there). */
  posixConsole?: SignalControls;
}

/**
 * Connects `name` to whoever runs it. The SCM resolves once it has called ServiceMain; a console or systemd
 * at once. `log` gets the signal sessions' state lines (stderr when omitted).
 */
export async function connectSession(
  name: string,
  handler: ControlHandler,
  onError: (error: unknown) => void,
  signals: SessionSignals,
  log?: (line: string) => void,
): Promise<ServiceSession> {
  if (Deno.build.os === "windows") {
    try {
      return await connectScm(name, handler, onError);
    } catch (error) {
      // Started by a person, not the SCM: a console program, Ctrl-C meaning stop.
      if (error instanceof Win32Error && error.code === ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
        return connectSignals("console", name, signals.windows, handler, onError, log);
      }
      throw error;
    }
  }
  // A container manager passing systemd's socket on (podman --sdnotify) sets NOTIFY_SOCKET alone.
  if (Deno.env.get("INVOCATION_ID") || Deno.env.get("NOTIFY_SOCKET")) {
    return connectSignals("systemd", name, signals.posix, handler, onError, log, sdNotifier(onError));
  }
  return connectSignals("console", name, signals.posixConsole ?? signals.posix, handler, onError, log);
}
