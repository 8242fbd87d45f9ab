/**
 * Why a service is not running, as `ManageService status` and `start` say it: the host's last word in one
 * line, and where the full log is. The host says why in two files of the service's log directory: its
 * error log (`<name>_ERROR_LOG.txt`, every failure, and why it is PAUSED) and status.json (each state it
 * reported, with its reason). A host that refuses its configuration writes the error log alone, so for a
 * stopped service the newer of the two is the host's last word: an older status.json belongs to an earlier
 * run, as does an error-log line older than the STOPPED the host wrote after it.
 * @module
 */
import { readAt } from "./logs.ts";
import type { ServiceState } from "../service/vocabulary.ts";
import path from "path";
import type { ManagedStatus } from "../service/manager.ts";
import type { ServiceSpec } from "../service/spec.ts";
import { errorLogPath, logDirectoryFor } from "../service/store_layout.ts";
import { readStoredSpec } from "../service/spec_reader.ts";
import { exceededMemoryText } from "../host/supervisor.ts";

/** What status.json says, as far as the reason goes. */
export interface HostWord {
  state?: string;
  reason?: string;
  lastExit?: { code: number; exceededMemoryLimit?: number };
}

/** A file's last word and when the file was last written (ms since the epoch). */
export interface Said<T> {
  word: T;
  at: number;
}

/** The reason shown for a service, and its error log's path when there is one. */
export interface ServiceReason {
  reason?: string;
  errorLog?: string;
}

/**
 * Whether a service is owed a reason: PAUSED (its program waits to be restarted), or stopped with a
 * failure — a non-zero exit code, systemd's "failed" included.
 *
 * @example
 * ```ts
 * import { owesReason } from "./reason.ts";
 * owesReason("stopped", { state: "stopped", exitCode: { kind: "exit_status", code: 250 } }); // true
 * owesReason("stopped", { state: "stopped", exitCode: { kind: "win32", code: 0 } }); // false
 * ```
 */
export function owesReason(shown: ServiceState, managed: ManagedStatus): boolean {
  return shown === "paused" || (managed.state === "stopped" && (managed.exitCode?.code ?? 0) !== 0);
}

/**
 * The message of an error-log line, without its timestamp, level, category and the service's name
 * (host/log.ts writes `2026-12-06 01:58:18.123 +00:00 [ERR] servitor·host: web: cannot start: …`). A line
 * of another shape is taken whole.
 *
 * @example
 * ```ts
 * import { logMessage } from "./reason.ts";
 * logMessage("2026-12-06 01:58:18.123 +00:00 [ERR] servitor·host: web: cannot start: bad", "web"); // "cannot start: bad"
 * ```
 */
export function logMessage(line: string, service: string): string {
  const message = /^\S+ \S+ \S+ \[\w+\] [^:]*: (.*)$/.exec(line.trim())?.[1] ?? line.trim();
  return message.startsWith(`${service}: `) ? message.slice(service.length + 2) : message;
}

/** The last non-empty line of a log's text. */
export function lastLine(text: string): string | undefined {
  return text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).pop();
}

/**
 * The reason for a service in `shown` state: PAUSED, the running host's own (`current`, its status.json
 * believed by the caller), else the error log's last line; stopped, the newer of status.json (when it says
 * STOPPED: its reason, or how the program exited for AppExit Exit) and the error log's last line.
 */
export function chooseReason(
  shown: ServiceState,
  current: HostWord,
  statusFile: Said<HostWord> | undefined,
  errorLine: Said<string> | undefined,
): string | undefined {
  if (shown === "paused") return current.reason ?? errorLine?.word;
  if (statusFile && (!errorLine || statusFile.at >= errorLine.at)) {
    const host = statusFile.word;
    if (host.state !== "stopped") return undefined; // the host ended without a word: killed, or crashed
    return host.reason ??
      (host.lastExit && host.lastExit.code !== 0
        ? `the program exited with code ${host.lastExit.code}` +
          (host.lastExit.exceededMemoryLimit !== undefined
            ? ` — ${exceededMemoryText(host.lastExit.exceededMemoryLimit)}`
            : "")
        : undefined);
  }
  return errorLine?.word;
}

/** Where the host of `name` writes its logs; a spec that can't be read leaves the default, as the host does. */
export function reasonDirectory(
  name: string,
  spec: ServiceSpec | undefined,
  configRoot: string,
  windows: boolean,
): string {
  return logDirectoryFor(spec ?? { name }, configRoot, windows);
}

/** The last line of the error log (its last 64 KiB read: the log only grows) and when it was written. */
async function readErrorLine(file: string, service: string): Promise<Said<string> | undefined> {
  try {
    using handle = await Deno.open(file);
    const { size, mtime } = await handle.stat();
    const length = Math.min(size, 65_536);
    const line = lastLine(new TextDecoder().decode(await readAt(handle, size - length, length)));
    return line ? { word: logMessage(line, service), at: mtime?.getTime() ?? 0 } : undefined;
  } catch {
    return undefined;
  }
}

async function readStatusFile(file: string): Promise<Said<HostWord> | undefined> {
  try {
    const [text, info] = await Promise.all([Deno.readTextFile(file), Deno.stat(file)]);
    return { word: JSON.parse(text), at: info.mtime?.getTime() ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * The reason for `name` in `shown` state, read from its log directory, and the error log's path when it
 * exists. `current` is the running host's status.json, when the caller believes it.
 */
export async function readReason(
  name: string,
  logDirectory: string,
  shown: ServiceState,
  current: HostWord = {},
): Promise<ServiceReason> {
  const file = errorLogPath(logDirectory, name);
  const [errorLine, statusFile] = await Promise.all([
    readErrorLine(file, name),
    readStatusFile(path.join(logDirectory, "status.json")),
  ]);
  const exists = await Deno.stat(file).then(() => true, () => false);
  return {
    reason: chooseReason(shown, current, statusFile, errorLine),
    errorLog: exists ? file : undefined,
  };
}

/** Why `name` stopped right after starting, with where its error log is, or where to look. */
export async function whyStopped(name: string, configRoot: string, windows: boolean): Promise<string> {
  // A spec that can't be read (the very reason, often) leaves the host's default log directory.
  const spec = await readStoredSpec(configRoot, name).catch(() => undefined);
  const directory = reasonDirectory(name, spec, configRoot, windows);
  const { reason } = await readReason(name, directory, "stopped");
  const file = errorLogPath(directory, name);
  return reason ? `${reason} (${file})` : `no reason recorded; see ${file}`;
}
