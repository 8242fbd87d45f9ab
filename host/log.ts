/**
 * The host's own log, through LogTape: every line to stderr (the console, or the journal under systemd),
 * errors — and the warnings that explain why the service isn't running, such as a throttled restart — also
 * to `<service>_ERROR_LOG.txt` in the service's log directory (OpenMSIStream's convention), and each line to
 * the platform's system log when it has one (the Windows Event Log).
 * @module
 */
import {
  configure,
  dispose,
  getLogger,
  getStreamSink,
  getTextFormatter,
  type LogRecord,
  type Sink,
  withFilter,
} from "@logtape/logtape";
import { getFileSink } from "@logtape/file";
import path from "path";
import { pathExistsSync } from "../service/exists.ts";
import { errorLogPath } from "../service/store_layout.ts";

export type LogLevel = "info" | "warning" | "error";

/** Where a line goes besides stderr and the error log: the Event Log on Windows. */
export type SystemLog = (level: LogLevel, message: string) => void;

/** How a line is written. */
export interface WriteOptions {
  /** Also to the error log, though not an error: why the service is not running (PAUSED while throttled). */
  errorLog?: boolean;
}

export interface HostLog {
  write(level: LogLevel, message: string, options?: WriteOptions): void;
  /** Flushes and closes the files. */
  close(): Promise<void>;
}

const category = ["servitor", "host"];

/**
 * The error log, created on the first error only (no empty error log beside a healthy service). A log that
 * can't be written (a full disk) says so once, in one line on stderr, rather than LogTape's stack trace; the
 * lines it could not take are kept (the last {@link MAX_HELD_LINES}) and written, in order, at the next
 * line that can be — so the error log still tells what happened while it was full. A log deleted with its
 * folder is made again at the next line.
 */
function errorFileSink(
  file: string,
  formatter: (record: LogRecord) => string,
  say: (line: string) => void,
): (record: LogRecord) => void {
  let sink: (Sink & Disposable) | undefined;
  let failing = false;
  const held: LogRecord[] = [];
  const drop = () => {
    try {
      sink?.[Symbol.dispose]();
    } catch {
      // Closing a handle of a file that is gone: nothing to keep.
    }
    sink = undefined;
  };
  return (record) => {
    held.push(record);
    if (held.length > MAX_HELD_LINES) held.shift();
    try {
      if (sink && !pathExistsSync(file)) drop();
      if (!sink) {
        Deno.mkdirSync(path.dirname(file), { recursive: true });
        sink = getFileSink(file, { lazy: true, bufferSize: 0, formatter }) as Sink & Disposable;
      }
      while (held.length > 0) {
        sink(held[0]);
        held.shift();
      }
      failing = false;
    } catch (error) {
      if (!failing) say(`servitor: the error log ${file} can't be written: ${(error as Error).message}\n`);
      failing = true;
      drop();
    }
  };
}

/** How many lines the error log holds back while it can't be written. */
const MAX_HELD_LINES = 100;

/** Sets up the host's log. `stderr` is where the console lines go (tests capture them). */
export async function openHostLog(
  service: string,
  logDirectory: string,
  systemLog?: SystemLog,
  stderr: WritableStream<Uint8Array> = Deno.stderr.writable,
): Promise<HostLog> {
  await Deno.mkdir(logDirectory, { recursive: true }).catch(() => {});
  const formatter = getTextFormatter({
    timestamp: "date-time-timezone",
    // As written, one record a line: LogTape's default renders a string with Deno.inspect, in quotes and
    // with every backslash doubled — a Windows path an administrator couldn't copy from the error log.
    value: (value, inspect) => typeof value === "string" ? value.replace(/\r?\n/g, " ") : inspect(value),
  });
  // One writer for both sinks. Closing the log releases it but leaves stderr open: LogTape's stream sink
  // would close the stream itself, and a second log in the same process (tests) would find stderr gone.
  const writer = stderr.getWriter();
  // A console line that can't be written is dropped, and stderr left alone from then on: the error log and
  // the system log have every line that matters, and a failed write must never become the host's failure —
  // it was logged as one, which failed again: a line a millisecond, for ever, and no stop (under Wine, when
  // stderr's handle had been closed underneath Deno).
  let stderrFailed = false;
  const toStderr = (chunk: Uint8Array) =>
    stderrFailed ? Promise.resolve() : writer.write(chunk).catch(() => {
      stderrFailed = true;
    });
  const lines = new WritableStream<Uint8Array>({ write: toStderr });
  const say = (line: string) => void toStderr(new TextEncoder().encode(line));
  const sinks: Record<string, (record: LogRecord) => void> = {
    stderr: getStreamSink(lines, { formatter }),
    errors: withFilter(
      errorFileSink(errorLogPath(logDirectory, service), formatter, say),
      (record) => record.level === "error" || record.level === "fatal" || record.properties.errorLog === true,
    ),
  };
  if (systemLog) {
    sinks.system = (record) => {
      const level = record.level === "error" || record.level === "fatal"
        ? "error"
        : record.level === "warning"
        ? "warning"
        : "info";
      try {
        systemLog(level, record.message.map(String).join(""));
      } catch {
        // The Event Log being unavailable must not take the service down; stderr and the file still have it.
      }
    };
  }
  await configure({
    reset: true,
    sinks,
    loggers: [
      { category, lowestLevel: "info", sinks: Object.keys(sinks) },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
  const logger = getLogger(category);
  return {
    write(level, message, options) {
      // LogTape formats `{…}` as placeholders: the message is passed as a value, never as a template.
      logger[level]("{message}", { message: `${service}: ${message}`, errorLog: options?.errorLog === true });
    },
    async close() {
      await dispose();
      await writer.ready.catch(() => {});
      writer.releaseLock();
    },
  };
}
