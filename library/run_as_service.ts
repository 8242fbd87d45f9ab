/**
 * `runAsService`: the Nuitka windows-service plugin's form — nothing special in the program. It runs its
 * own loop; a stop or a shutdown fires an AbortSignal (Nuitka's KeyboardInterrupt), and the program says
 * when it has finished. Built on the state-callback form: the stop path waits for the program.
 * @module
 */
import type { SessionKind } from "../protocol/session.ts";
import { type Dispatch, dispatchFor, type ServiceContext } from "./callbacks.ts";
import { runWith } from "./run_service.ts";

/**
 * How {@link runAsService} runs a service.
 *
 * @example
 * ```ts
 * import type { RunAsServiceOptions } from "../mod.ts";
 * const options: RunAsServiceOptions = { name: "MyService", waitHintMs: 5000 };
 * ```
 */
export interface RunAsServiceOptions {
  /** The service's name (the SCM names an own-process service itself; elsewhere it names the log lines). */
  name: string;
  /** The wait hint reported while the program winds down, in ms (3000 when omitted); reported again every half. */
  waitHintMs?: number;
  /** Where failures go; a line on stderr (and the event log under the SCM) by default. */
  onError?: (error: unknown) => void;
}

/**
 * The program as a running service, from {@link runAsService}.
 *
 * @example
 * ```ts ignore
 * import { runAsService } from "./mod.ts";
 * await using service = await runAsService({ name: "Loop" });
 * service.signal.addEventListener("abort", () => console.log("asked to stop:", service.signal.reason));
 * ```
 */
export interface RunningService extends AsyncDisposable {
  /** The service's name: the one the SCM passes to the service, else the name given. */
  readonly name: string;
  /** The arguments of this start (`sc start NAME a b`); none under systemd or in a console. */
  readonly args: readonly string[];
  /** Who runs the service: the Windows SCM, systemd, or a person at a console. */
  readonly manager: SessionKind;
  /** Fires when the service is asked to stop: stop, shutdown, or Ctrl-C (SIGTERM under systemd). */
  readonly signal: AbortSignal;
  /**
   * Says the program has finished: the service manager hears STOPPED (until then, STOP_PENDING with a
   * rising checkpoint). Resolves once it has. Called before any stop was asked for, the service stops
   * by itself. An `exitCode` other than 0 reports a failure (a service-specific code).
   */
  stopped(exitCode?: number): Promise<void>;
  /** `await using`: {@link RunningService.stopped} when the scope ends. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Runs this program as the service `name` and resolves once it runs: the program's own loop does the work,
 * until `signal` fires; then it cleans up and calls `stopped()` (or lets `await using` do it).
 *
 * Started by the Windows SCM, it speaks the SCM's protocol; under systemd SIGTERM is stop and a
 * `Type=notify` unit hears READY=1 when this resolves; in a console Ctrl-C is stop.
 *
 * @example The Nuitka example, as a Deno program
 * ```ts ignore
 * import { runAsService } from "./mod.ts";
 * await using service = await runAsService({ name: "Worker" });
 * while (!service.signal.aborted) {
 *   // Do the service's work here, not busy-looping.
 *   await new Promise((resolve) => setTimeout(resolve, 1000));
 * }
 * // Stopped, or the system shuts down: a little time for clean-ups.
 * ```
 */
export function runAsService(options: RunAsServiceOptions): Promise<RunningService> {
  return startAsService(options.name, (dispatch) => runWith(options, dispatch));
}

/** runAsService on `run` (runService's engine, or a test's): resolves once the service runs. */
export function startAsService(
  name: string,
  run: (dispatch: Dispatch) => Promise<number>,
): Promise<RunningService> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let handed = false;
  return new Promise((resolve, reject) => {
    const dispatch = dispatchFor({
      running(context) {
        handed = true;
        resolve(runningService(context, finished, release));
      },
      // The program winds down in its own loop: STOP_PENDING lasts until it says it has finished. A stop
      // before it was handed the service (Ctrl-C during start-up) has nothing to wait for.
      stop_pending: () => handed ? released : undefined,
    });
    // `running` is called only once this has returned.
    const finished = run(dispatch);
    finished.then(() => reject(new Error(`${name} stopped before it ran`)), reject);
  });
}

function runningService(
  context: ServiceContext,
  finished: Promise<number>,
  release: () => void,
): RunningService {
  const stopped = async (exitCode = 0) => {
    context.stop(exitCode);
    release();
    await finished;
  };
  return {
    name: context.name,
    args: context.args,
    // Known here: running comes after the connection, and only not_ready runs before it.
    manager: context.manager!,
    signal: context.signal,
    stopped,
    [Symbol.asyncDispose]: () => stopped(),
  };
}
