/**
 * Win32 failures as one typed error. Every call site goes through {@link check} or {@link Win32Error.of}:
 * none reads GetLastError by itself.
 * @module
 */
import * as W from "./constants.ts";
import { kernel32 } from "./kernel32.ts";
import { getLastError } from "./library.ts";

/** What a person can do about the codes servitor meets most. */
const hints: Record<number, string> = {
  [W.ERROR_ACCESS_DENIED]: "run it from an elevated prompt (Run as administrator)",
  [W.ERROR_SERVICE_EXISTS]: "a service of that name is installed already: remove it first, or replace it",
  [W.ERROR_DUPLICATE_SERVICE_NAME]: "another service already uses that name or display name",
  [W.ERROR_SERVICE_DOES_NOT_EXIST]: "no service of that name is installed: check the name",
  [W.ERROR_SERVICE_MARKED_FOR_DELETE]:
    "the service is being deleted but something still holds it open: close the Services console " +
    "(services.msc) and any other tool looking at it, or wait until it has stopped",
  [W.ERROR_INVALID_NAME]: "a service name is 1 to 256 characters and contains no / or \\",
  [W.ERROR_SERVICE_ALREADY_RUNNING]: "the service is running already",
  [W.ERROR_SERVICE_NOT_ACTIVE]: "the service is not running",
  [W.ERROR_SERVICE_DISABLED]: "the service is disabled: set its start type to manual or auto first",
  [W.ERROR_SERVICE_REQUEST_TIMEOUT]:
    "the service's program did not report to the SCM in time: check its binary path and its error log",
  [W.ERROR_SERVICE_CANNOT_ACCEPT_CTRL]: "the service is starting or stopping: try again in a moment",
  [W.ERROR_INVALID_SERVICE_CONTROL]: "the service does not accept that control",
  [W.ERROR_DEPENDENT_SERVICES_RUNNING]: "other running services depend on it: stop them first",
  [W.ERROR_SERVICE_DEPENDENCY_FAIL]: "a service it depends on failed to start",
  [W.ERROR_CIRCULAR_DEPENDENCY]: "its dependencies form a circle",
  [W.ERROR_SERVICE_LOGON_FAILED]: "the account or its password was refused",
  [W.ERROR_INVALID_SERVICE_ACCOUNT]: "no such account: check the account name",
  [W.ERROR_SERVICE_DATABASE_LOCKED]: "the service database is locked: try again in a moment",
  [W.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT]: "this program was not started by the Service Control Manager",
};

/**
 * A Win32 function that failed: its name, the error code, and the system's message for that code.
 *
 * @example
 * ```ts
 * import { Win32Error } from "../mod.ts";
 * const error = new Win32Error("OpenServiceW", 1060, "The specified service does not exist as an installed service.");
 * error.message; // "OpenServiceW failed with error 1060: The specified service … (no service of that name is installed: check the name)"
 * ```
 */
export class Win32Error extends Error {
  /** Always "Win32Error". */
  override readonly name = "Win32Error";

  /**
   * Makes the error; {@link Win32Error.of} fills in the system's message.
   *
   * @param fn the Win32 function that failed, e.g. "OpenServiceW"
   * @param code the GetLastError value (or the code the function returned)
   * @param systemMessage FormatMessageW's text for `code`
   */
  constructor(readonly fn: string, readonly code: number, readonly systemMessage: string) {
    const hint = hints[code];
    const what = code === 0
      ? "it failed without setting an error code"
      : systemMessage || "(no system message)";
    super(`${fn} failed with error ${code}: ${what}${hint ? ` (${hint})` : ""}`);
  }

  /** What a person can do about this error, when servitor knows. */
  get hint(): string | undefined {
    return hints[this.code];
  }

  /** The error for `code`, returned by `fn` or read from GetLastError. */
  static of(fn: string, code: number): Win32Error {
    return new Win32Error(fn, code, systemMessage(code));
  }
}

/** FormatMessageW's text for a system error code, without its trailing line break. */
export function systemMessage(code: number): string {
  const buffer = new Uint8Array(1024);
  const length = kernel32().FormatMessageW(
    W.FORMAT_MESSAGE_FROM_SYSTEM | W.FORMAT_MESSAGE_IGNORE_INSERTS,
    null,
    code,
    0,
    buffer,
    buffer.length / 2,
    null,
  );
  return new TextDecoder("utf-16le").decode(buffer.subarray(0, length * 2)).trim();
}

/**
 * Returns `result` when the synchronous call `fn` succeeded (non-zero, non-NULL), and otherwise throws its
 * Win32Error, reading GetLastError at once so that no other call can overwrite it.
 */
export function check<T>(fn: string, result: T): NonNullable<T> {
  if (result === null || result === undefined || result === 0 || result === 0n || result === false) {
    throw Win32Error.of(fn, getLastError());
  }
  return result as NonNullable<T>;
}

/**
 * 0 when the synchronous call that returned `result` succeeded (non-zero), and otherwise its GetLastError
 * code, read at once: for a failure that is an answer, not an error (an overlapped ReadFile's
 * ERROR_IO_PENDING, a pipe's ERROR_BROKEN_PIPE), with no message formatted for nobody.
 */
export function errorCodeOf(result: number): number {
  return result ? 0 : getLastError();
}

/** Calls `call`; a failure with one of `codes` returns `undefined` instead of throwing. */
export function unless<T>(codes: readonly number[], call: () => T): T | undefined {
  try {
    return call();
  } catch (error) {
    if (error instanceof Win32Error && codes.includes(error.code)) return undefined;
    throw error;
  }
}
