/**
 * `runService`: the state-callback form (POE::Component::Daemon::Win32) on whoever runs the program — the
 * Windows SCM, systemd, or a console where Ctrl-C is stop.
 * @module
 */
import { reportEvent } from "../ffi/eventlog.ts";
import { connectSession, type SessionSignals } from "../protocol/connect.ts";
import type { AcceptedControl, ServiceSession } from "../protocol/session.ts";
import { posixSignals, type SignalControls, windowsConsoleSignals } from "../protocol/signal_session.ts";
import { type Dispatch, dispatchFor, type ServiceCallbacks, type ServiceHandler } from "./callbacks.ts";
import { type Connect, DEFAULT_WAIT_HINT_MS, runLifecycle } from "./lifecycle.ts";

/**
 * How {@link runService} runs a service.
 *
 * @example
 * ```ts
 * import type { RunServiceOptions } from "../mod.ts";
 * const options: RunServiceOptions = {
 *   name: "MyService",
 *   callbacks: { stop_pending: () => console.log("bye") },
 *   waitHintMs: 10_000,
 * };
 * ```
 */
export interface RunServiceOptions {
  /**
   * The service's name. The SCM names an own-process service itself, so on Windows this only counts in a
   * console; elsewhere it names the service in its log lines.
   */
  name: string;
  /** A callback per state and message, or one handler for all. */
  callbacks: ServiceCallbacks | ServiceHandler;
  /**
   * The wait hint of each pending state, in ms (3000 when omitted): while a callback's promise is
   * pending, the library reports again every half of it. A callback can ask for more with `pending()`.
   */
  waitHintMs?: number;
  /**
   * The controls accepted beyond stop and shutdown. When omitted, the callbacks given say: pause_pending,
   * paused or continue_pending accept pause and continue; preshutdown, power and session_change their own.
   */
  accepts?: readonly AcceptedControl[];
  /**
   * Where failures go: a callback that threw, a report that failed. By default a line on stderr and,
   * under the SCM (where stderr goes nowhere), an error in the Application event log under the service's name.
   */
  onError?: (error: unknown) => void;
}

/**
 * Runs this program as the service `name` until it stops; resolves with its exit code (0, or the
 * service-specific code it failed with, which also becomes `Deno.exitCode`).
 *
 * Started by the Windows SCM, it speaks the SCM's protocol; under systemd SIGTERM is stop, and a
 * `Type=notify` unit hears READY=1, STOPPING=1 and EXTEND_TIMEOUT_USEC= through sd_notify (which needs
 * --allow-ffi, or --allow-run for `systemd-notify` with NotifyAccess=all); in a console Ctrl-C is stop
 * and each state is one line on stderr. On Windows it needs --allow-ffi.
 *
 * @example A service that writes a line every second while it runs
 * ```ts ignore
 * import { runService } from "./mod.ts";
 * let timer: ReturnType<typeof setInterval> | undefined;
 * await runService({
 *   name: "Ticker",
 *   callbacks: {
 *     start_pending: async () => await Deno.writeTextFile("ticker.log", "started\n", { append: true }),
 *     running: () => {
 *       timer = setInterval(() => Deno.writeTextFileSync("ticker.log", "tick\n", { append: true }), 1000);
 *     },
 *     stop_pending: () => clearInterval(timer),
 *   },
 * });
 * ```
 */
export function runService(options: RunServiceOptions): Promise<number> {
  return runWith(options, dispatchFor(options.callbacks, options.accepts));
}

/** runService with its callbacks already dispatched (the Nuitka form builds its own). */
export async function runWith(
  options: Omit<RunServiceOptions, "callbacks" | "accepts">,
  dispatch: Dispatch,
  connect: Connect = (name, handler, onError) =>
    connectSession(name, handler, onError, librarySignals(dispatch)),
): Promise<number> {
  const waitHintMs = options.waitHintMs ?? DEFAULT_WAIT_HINT_MS;
  if (!Number.isFinite(waitHintMs) || waitHintMs <= 0) {
    throw new RangeError(`waitHintMs is a number of milliseconds above 0, not ${waitHintMs}`);
  }
  const onError = options.onError ?? defaultOnError;
  const code = await runLifecycle(
    { name: options.name, dispatch, waitHintMs, onError: (error, session) => onError(error, session) },
    connect,
  );
  if (code !== 0) Deno.exitCode = code;
  return code;
}

/**
 * The signals a library service takes: Ctrl-C (and Ctrl-Break on Windows) and SIGTERM are stop; on Linux
 * SIGUSR2 is user control 128 when something answers it. Not SIGUSR1: since 2.9.2 Deno opens its
 * inspector on 127.0.0.1:9229 at SIGUSR1, listener or not (denoland/deno#35738). SIGHUP keeps its
 * default, so that closing a terminal still ends a program run in it.
 */
export function librarySignals(dispatch: Dispatch): SessionSignals {
  const user = dispatch.has("user_control") || dispatch.has("unhandled");
  const posix: SignalControls = {
    SIGINT: posixSignals.SIGINT,
    SIGTERM: posixSignals.SIGTERM,
    ...(user ? { SIGUSR2: { kind: "user", code: USER_SIGNAL_CONTROL } } : {}),
  };
  return { windows: windowsConsoleSignals, posix };
}

/** The user control SIGUSR2 stands for on Linux. */
export const USER_SIGNAL_CONTROL = 128;

function defaultOnError(error: unknown, session?: ServiceSession) {
  const name = session?.name ?? "service";
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`${name}: ${text}`);
  if (session?.kind === "scm") {
    try {
      reportEvent(name, "error", text);
    } catch {
      // The event log refused it: stderr had it already.
    }
  }
}
