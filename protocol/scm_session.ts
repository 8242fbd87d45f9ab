/**
 * A service session with the Windows SCM, on ffi/dispatcher: the dispatcher runs on its own thread, the SCM
 * calls ServiceMain and HandlerEx, and this turns them into the session's controls and reports.
 * @module
 */
import { runServiceDispatcher, type StatusReporter } from "../ffi/dispatcher.ts";
import {
  type ControlHandler,
  defaultAccepts,
  nextCheckpoint,
  type ServiceSession,
  type StatusReport,
} from "./session.ts";

/**
 * Connects to the SCM as service `name`. Resolves once the SCM has called ServiceMain; rejects with a
 * Win32Error of ERROR_FAILED_SERVICE_CONTROLLER_CONNECT (1063) when the process was not started by the SCM.
 * `onError` gets what the handler threw (it can't reach native code).
 */
export function connectScm(
  name: string,
  handler: ControlHandler,
  onError: (error: unknown) => void,
): Promise<ServiceSession> {
  return new Promise((resolve, reject) => {
    let session: ScmSession | undefined;
    const closed = runServiceDispatcher(name, {
      main(reporter, args) {
        // The SCM names the service first: for an own-process service that name counts, not the table's
        // (SERVICE_TABLE_ENTRYW's lpServiceName "is ignored" for SERVICE_WIN32_OWN_PROCESS).
        session = new ScmSession(args[0] || name, args.slice(1), reporter, closed);
        resolve(session);
      },
      control(control) {
        // Interrogate is the SCM asking for the status again: the session answers it itself.
        if (control.kind === "interrogate") {
          session?.repeat();
          return "handled";
        }
        if (!session) return handler(control);
        session.inHandler = true;
        try {
          return handler(control);
        } finally {
          session.inHandler = false;
        }
      },
      error: onError,
    });
    closed.catch(reject);
  });
}

class ScmSession implements ServiceSession {
  readonly kind = "scm";
  #reporter: StatusReporter;
  #last: StatusReport | undefined;
  #checkpoint = 0;
  #stopped = false;

  constructor(
    readonly name: string,
    readonly args: readonly string[],
    reporter: StatusReporter,
    readonly closed: Promise<void>,
  ) {
    this.#reporter = reporter;
  }

  get last() {
    return this.#last;
  }

  report(status: StatusReport): void {
    if (this.#stopped) return;
    this.#checkpoint = nextCheckpoint(this.#last, this.#checkpoint, status.state);
    this.#last = status;
    // After STOPPED the SCM may end the process at any moment: nothing more may be reported.
    if (status.state === "stopped") this.#stopped = true;
    // STOPPED reported from inside HandlerEx (a stop while throttled ends at once) waits until the handler
    // has answered: under Wine the SCM otherwise never gets the answer, and ControlService fails with 1053
    // after its timeout. Pending states go at once, so ControlService's answer already shows them.
    if (this.#stopped && this.inHandler) setTimeout(() => this.#send(), 0);
    else this.#send();
  }

  /** Whether HandlerEx is running now (set by connectScm around the handler). */
  inHandler = false;

  repeat(): void {
    if (this.#last && !this.#stopped) this.#send();
  }

  #send() {
    const status = this.#last!;
    this.#reporter.report({
      state: status.state,
      controlsAccepted: status.accepts ?? defaultAccepts(status.state),
      exitCode: status.exitCode ?? { kind: "win32", code: 0 },
      checkPoint: this.#checkpoint,
      waitHint: status.waitHintMs ?? 0,
    });
  }
}
