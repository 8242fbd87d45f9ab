/**
 * The SCM backend's edge for failures: every Win32Error becomes a ServiceManagerError of one kind, the
 * system's code and message kept inside it (nssm's verbs quote them), so nothing above the backend looks at
 * a Win32 code.
 * @module
 */
import {
  ERROR_ACCESS_DENIED,
  ERROR_DUPLICATE_SERVICE_NAME,
  ERROR_INVALID_SERVICE_CONTROL,
  ERROR_SERVICE_CANNOT_ACCEPT_CTRL,
  ERROR_SERVICE_DISABLED,
  ERROR_SERVICE_DOES_NOT_EXIST,
  ERROR_SERVICE_EXISTS,
  ERROR_SERVICE_MARKED_FOR_DELETE,
  ERROR_SERVICE_NOT_ACTIVE,
} from "../ffi/constants.ts";
import { Win32Error } from "../ffi/error.ts";
import { type ManagerFailure, ServiceManagerError } from "../service/manager.ts";

/** The kind of each Win32 code the CLI tells apart; any other is "failed". */
const kinds: Record<number, ManagerFailure> = {
  [ERROR_ACCESS_DENIED]: "access_denied",
  [ERROR_SERVICE_DOES_NOT_EXIST]: "no_such_service",
  [ERROR_SERVICE_EXISTS]: "exists",
  [ERROR_DUPLICATE_SERVICE_NAME]: "exists",
  // The name is still taken until the last handle to the deleted service is closed.
  [ERROR_SERVICE_MARKED_FOR_DELETE]: "exists",
  [ERROR_INVALID_SERVICE_CONTROL]: "refused",
  [ERROR_SERVICE_CANNOT_ACCEPT_CTRL]: "refused",
  [ERROR_SERVICE_DISABLED]: "refused",
  [ERROR_SERVICE_NOT_ACTIVE]: "not_running",
};

/**
 * `error` as a ServiceManagerError: a Win32Error by its code, with what to do for the ones a person meets
 * most (`name`: the service asked about); a ServiceManagerError as it is; anything else (a bug) unchanged.
 *
 * @example
 * ```ts
 * import { scmFailure } from "./errors.ts";
 * import { Win32Error } from "../ffi/error.ts";
 * const failure = scmFailure(new Win32Error("OpenServiceW", 1060, "The specified service does not exist."), "web");
 * failure.failure; // "no_such_service"
 * ```
 */
export function scmFailure(error: unknown, name: string): ServiceManagerError | unknown {
  if (!(error instanceof Win32Error)) return error;
  const system = { code: error.code, message: error.systemMessage, call: error.fn };
  const options = { cause: error, system };
  switch (error.code) {
    case ERROR_ACCESS_DENIED:
      return new ServiceManagerError(
        `access denied (${error.fn}): run from an elevated prompt (Run as administrator)`,
        "access_denied",
        options,
      );
    case ERROR_SERVICE_DOES_NOT_EXIST:
      return new ServiceManagerError(`no service named '${name}'`, "no_such_service", options);
    case ERROR_SERVICE_EXISTS:
      return new ServiceManagerError(
        `a service named '${name}' exists already: add --replace, or run 'ManageService ${name} reinstall'`,
        "exists",
        options,
      );
  }
  return new ServiceManagerError(error.message, kinds[error.code] ?? "failed", options);
}
