/**
 * servitor's public library: a Deno program that is a service by itself — under the Windows Service Control
 * Manager, under systemd, or run from a console with Ctrl-C as stop — with no servitor host in between.
 * It is built on the same protocol layer as servitor's host, so there is one implementation of the SCM's
 * protocol.
 *
 * Two forms, one underneath the other:
 * - {@link runService}: a callback per state, after POE::Component::Daemon::Win32 (not_ready, start_pending,
 *   running, pause_pending, paused, continue_pending, stop_pending, stopped, shutdown, preshutdown, power,
 *   session_change, user_control, unhandled), or one handler for all. An async callback keeps the service
 *   manager informed while it runs (a rising checkpoint, a wait hint; EXTEND_TIMEOUT_USEC= under systemd).
 * - {@link runAsService}: nothing special in the program, after Nuitka's windows-service plugin: an
 *   AbortSignal that fires on stop or shutdown, and `stopped()` when the program has finished.
 *
 * {@link installSelf} and {@link uninstallSelf} install the program itself as a service, compiled or run
 * from source. Permissions: --allow-ffi on Windows (the SCM) and under a systemd `Type=notify` unit
 * (sd_notify); installing also needs --allow-read, --allow-write, --allow-env and, on Linux, --allow-run.
 *
 * @example A service in a few lines: the Nuitka form
 * ```ts ignore
 * import { runAsService } from "./mod.ts";
 * await using service = await runAsService({ name: "Worker" });
 * while (!service.signal.aborted) {
 *   await new Promise((resolve) => setTimeout(resolve, 1000)); // the work
 * }
 * ```
 *
 * @example Build the command line a service runs, quoted the way Windows splits it
 * ```ts
 * import { windowsCommandLine } from "./mod.ts";
 * const imagePath = windowsCommandLine("C:\\Program Files\\app\\app.exe", ["--port", "8080", "two words"]);
 * // "C:\Program Files\app\app.exe" --port 8080 "two words"
 * ```
 * @module
 */
export { runService, type RunServiceOptions } from "./library/run_service.ts";
export { runAsService, type RunAsServiceOptions, type RunningService } from "./library/run_as_service.ts";
export type {
  ControlContext,
  ServiceCallback,
  ServiceCallbacks,
  ServiceContext,
  ServiceEvent,
  ServiceHandler,
} from "./library/callbacks.ts";
export { installSelf, type InstallSelfOptions, uninstallSelf } from "./library/install_self.ts";
export type { AcceptedControl, IncomingControl, PowerEvent, ServiceState } from "./service/vocabulary.ts";
export type { SessionKind } from "./protocol/session.ts";
export { type Account, type StartMode, startModes } from "./service/spec.ts";
export { quoteWindowsArgument, windowsCommandLine } from "./service/command_line.ts";
export { type ManagerFailure, ServiceManagerError, type SystemFailure } from "./service/manager.ts";
// What runService and runAsService throw when Windows' service dispatcher fails (installSelf and
// uninstallSelf throw ServiceManagerErrors only).
export { Win32Error } from "./ffi/error.ts";
