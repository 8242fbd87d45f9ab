/**
 * The service side of the SCM: StartServiceCtrlDispatcherW, ServiceMain, HandlerEx and SetServiceStatus.
 * Only the pointer work is here; the protocol (which state to report when) is built on top of it.
 *
 * Facts this relies on (../shared/notes/testbed.md): the dispatcher blocks until the service stops, so it
 * is called `nonblocking`; the SCM calls ServiceMain and HandlerEx on its own threads, so they are
 * thread-safe callbacks, whose bodies must never throw; every buffer and callback native code may still
 * use is held here until the dispatcher returns.
 * @module
 */
import { advapi32 } from "./advapi32.ts";
import * as W from "./constants.ts";
import { check, Win32Error } from "./error.ts";
import { addressOf, readPointerAt, readWideAt } from "./memory.ts";
import { wide } from "./strings.ts";
import { encodeServiceStatus, encodeServiceTable, type ReportedStatus } from "./structs.ts";
import type { IncomingControl, PowerEvent } from "../service/vocabulary.ts";

const powerEvents: Record<number, PowerEvent> = {
  // PBT_APMRESUMEAUTOMATIC comes with every resume; PBT_APMRESUMESUSPEND only with a user present, so it is
  // left out, or Power/Resume would run twice.
  0x12: "resume", // PBT_APMRESUMEAUTOMATIC
  0x0A: "status_change", // PBT_APMPOWERSTATUSCHANGE
  0x04: "suspend", // PBT_APMSUSPEND
};

/** Decodes HandlerEx's dwControl and dwEventType. */
export function decodeControl(control: number, eventType: number): IncomingControl {
  switch (control) {
    case W.SERVICE_CONTROL_STOP:
      return { kind: "stop" };
    case W.SERVICE_CONTROL_PAUSE:
      return { kind: "pause" };
    case W.SERVICE_CONTROL_CONTINUE:
      return { kind: "continue" };
    case W.SERVICE_CONTROL_INTERROGATE:
      return { kind: "interrogate" };
    case W.SERVICE_CONTROL_SHUTDOWN:
      return { kind: "shutdown" };
    case W.SERVICE_CONTROL_PRESHUTDOWN:
      return { kind: "preshutdown" };
    case W.SERVICE_CONTROL_PARAMCHANGE:
      return { kind: "param_change" };
    case W.SERVICE_CONTROL_POWEREVENT:
      return { kind: "power_event", eventType, event: powerEvents[eventType] ?? "other" };
    case W.SERVICE_CONTROL_SESSIONCHANGE:
      return { kind: "session_change", eventType };
  }
  return control >= W.SERVICE_CONTROL_USER_FIRST && control <= W.SERVICE_CONTROL_USER_LAST
    ? { kind: "user", code: control }
    : { kind: "other", code: control };
}

/** How HandlerEx answers a control. */
export type ControlAnswer = "handled" | "not_implemented";

/** What the service does when the SCM calls it. Both run on the JS main thread. */
export interface DispatcherHandlers {
  /** ServiceMain: `args` are StartServiceW's arguments, the service name first. */
  main(status: StatusReporter, args: string[]): void;
  /** HandlerEx. */
  control(control: IncomingControl): ControlAnswer;
  /**
   * Called with whatever `main` or `control` threw: a throw must never reach native code. Should this throw
   * too, both go to stderr.
   */
  error(error: unknown): void;
}

/**
 * Hands what a callback threw to `handlers.error`, and never throws itself. A throw that leaves a callback
 * the SCM calls on its own thread is caught by Deno (2.9.5, ext/ffi/callback.rs), which answers 0 for it
 * and logs "Illegal unhandled exception in nonblocking callback" without the error: stderr, the one place
 * left, gets both errors instead. (The process lives on: seen under Wine, tests/windows/scm_test.ts.)
 */
function reportError(handlers: DispatcherHandlers, error: unknown): void {
  try {
    handlers.error(error);
  } catch (reporterError) {
    try {
      console.error(`the service's error reporter failed (${String(reporterError)}) on: ${describe(error)}`);
    } catch {
      // Not even stderr: nowhere is left to say it, and the callback must still return.
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Reports a service's status to the SCM (SetServiceStatus). */
export class StatusReporter {
  #handle: Deno.PointerObject;
  constructor(handle: Deno.PointerObject) {
    this.#handle = handle;
  }
  /** SetServiceStatus. */
  report(status: ReportedStatus): void {
    check("SetServiceStatus", advapi32().SetServiceStatus(this.#handle, encodeServiceStatus(status)));
  }
}

/** The services this process serves, each held while the dispatcher may call it. */
const live = new Set<object>();

/**
 * Connects this process to the SCM as the own-process service `name`, calls `handlers.main` when the SCM
 * starts it, and resolves when the service has reported STOPPED.
 *
 * Rejects with a Win32Error of ERROR_FAILED_SERVICE_CONTROLLER_CONNECT when the process was not started
 * by the SCM (run from a console, say). The dispatcher runs on another thread, whose last error this
 * thread cannot read; for a one-entry table built here that is the only way it can fail at once.
 */
export async function runServiceDispatcher(name: string, handlers: DispatcherHandlers): Promise<void> {
  const nameBuffer = wide(name);
  const handler = Deno.UnsafeCallback.threadSafe(
    { parameters: ["u32", "u32", "pointer", "pointer"], result: "u32" } as const,
    (control, eventType) => {
      try {
        const answer = handlers.control(decodeControl(control, eventType));
        return answer === "handled" ? W.ERROR_SUCCESS : W.ERROR_CALL_NOT_IMPLEMENTED;
      } catch (error) {
        reportError(handlers, error);
        return W.ERROR_SUCCESS;
      }
    },
  );
  const serviceMain = Deno.UnsafeCallback.threadSafe(
    { parameters: ["u32", "pointer"], result: "void" } as const,
    (argc, argv) => {
      try {
        const args: string[] = [];
        for (let i = 0; i < argc && argv; i++) {
          const arg = readPointerAt(argv, i * 8);
          if (arg) args.push(readWideAt(arg));
        }
        const statusHandle = advapi32().RegisterServiceCtrlHandlerExW(nameBuffer, handler.pointer, null);
        handlers.main(new StatusReporter(check("RegisterServiceCtrlHandlerExW", statusHandle)), args);
      } catch (error) {
        reportError(handlers, error);
      }
    },
  );
  const table = encodeServiceTable(
    addressOf(nameBuffer),
    BigInt(Deno.UnsafePointer.value(serviceMain.pointer)),
  );
  const held = { nameBuffer, handler, serviceMain, table };
  live.add(held);
  try {
    const ok = await advapi32().StartServiceCtrlDispatcherW(new Uint8Array(table.buffer));
    if (!ok) throw Win32Error.of("StartServiceCtrlDispatcherW", W.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT);
  } finally {
    live.delete(held);
    handler.close();
    serviceMain.close();
  }
}
