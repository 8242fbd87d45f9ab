/**
 * Failures a person meets: one line naming the culprit and what to do, and an exit code from the table.
 * @module
 */
import { ExitCode } from "./exit_codes.ts";
import { type ManagerFailure, ServiceManagerError } from "../service/manager.ts";
import { SpecError } from "../service/store_layout.ts";

/** A failure we know: one line for a person, and its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
    this.name = "CliError";
  }
}

const managerExitCodes: Record<ManagerFailure, ExitCode> = {
  access_denied: ExitCode.accessDenied,
  no_such_service: ExitCode.noSuchService,
  exists: ExitCode.serviceExists,
  unavailable: ExitCode.unavailable,
  refused: ExitCode.refused,
  busy: ExitCode.busy,
  timed_out: ExitCode.timeout,
  start_failed: ExitCode.startFailed,
  unsupported: ExitCode.usage,
  not_running: ExitCode.refused,
  failed: ExitCode.serviceManager,
};

/** The exit code and the one line a person sees for `error`. */
export function describeFailure(error: unknown): { line: string; exitCode: ExitCode } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof ServiceManagerError) {
    return { line: error.message, exitCode: managerExitCodes[error.failure] };
  }
  if (error instanceof SpecError) return { line: error.message, exitCode: ExitCode.badValue };
  if (error instanceof Deno.errors.PermissionDenied) {
    // The store is the administrators' (Windows) or root's (Linux): a person without elevation can't write it.
    return {
      line: `${error.message}: run from an elevated prompt (Run as administrator), or with sudo`,
      exitCode: ExitCode.accessDenied,
    };
  }
  return {
    line: `internal error: ${
      error instanceof Error ? error.message : String(error)
    } (run with --debug for details)`,
    exitCode: ExitCode.internal,
  };
}
