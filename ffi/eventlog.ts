/**
 * The Windows event log (Application log), for what a service host must tell an administrator even when
 * its own log files can't be written: RegisterEventSourceW, ReportEventW with one string,
 * DeregisterEventSource. Without a message file registered for the source, Event Viewer shows the string
 * under a note that the event's description can't be found; the string is all there is.
 * @module
 */
import * as W from "./constants.ts";
import { check } from "./error.ts";
import { lazyLibrary } from "./library.ts";
import { addressOf } from "./memory.ts";
import { wide } from "./strings.ts";

// advapi32.dll's event-log functions, opened on their own (ffi/advapi32.ts holds the SCM's).
const symbols = {
  RegisterEventSourceW: { parameters: ["buffer", "buffer"], result: "pointer" },
  DeregisterEventSource: { parameters: ["pointer"], result: "i32" },
  ReportEventW: {
    // hEventLog, wType, wCategory, dwEventID, lpUserSid, wNumStrings, dwDataSize, lpStrings, lpRawData
    parameters: ["pointer", "u16", "u16", "u32", "pointer", "u16", "u32", "buffer", "pointer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

const eventlog = lazyLibrary("advapi32.dll", symbols);

/** An event's kind (ReportEventW's wType). */
export type EventType = "error" | "warning" | "information";

const eventTypes: Record<EventType, number> = {
  error: W.EVENTLOG_ERROR_TYPE,
  warning: W.EVENTLOG_WARNING_TYPE,
  information: W.EVENTLOG_INFORMATION_TYPE,
};

/** The event id servitor's events carry; with no message file, it only groups them. */
export const SERVITOR_EVENT_ID = 1;

/**
 * Writes one event with `message` to the Application log under the source `source` (the service's name,
 * say). Throws a Win32Error when the log refuses it.
 *
 * @example
 * ```ts ignore
 * import { reportEvent } from "./eventlog.ts";
 * reportEvent("MyServer", "error", "cannot start C:\\apps\\server.exe: the file is missing");
 * ```
 */
export function reportEvent(source: string, type: EventType, message: string): void {
  const log = check("RegisterEventSourceW", eventlog().RegisterEventSourceW(null, wide(source)));
  try {
    const text = wide(message);
    // lpStrings: an array of one LPCWSTR; `text` stays referenced until the call returns.
    const strings = new BigUint64Array([addressOf(text)]);
    check(
      "ReportEventW",
      eventlog().ReportEventW(
        log,
        eventTypes[type],
        0,
        SERVITOR_EVENT_ID,
        null,
        1,
        0,
        new Uint8Array(strings.buffer),
        null,
      ),
    );
  } finally {
    eventlog().DeregisterEventSource(log);
  }
}
