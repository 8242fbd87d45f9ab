/**
 * servitor's exit codes: one table, the same on Windows and Linux, documented in the README. nssm's own
 * verbs keep nssm's codes where nssm documents them.
 * @module
 */
export const ExitCode = {
  /** It worked. */
  ok: 0,
  /** An unexpected internal error (a bug): run again with --debug for the stack trace. */
  internal: 1,
  /** The command line is wrong: unknown command or option, missing or bad value. */
  usage: 2,
  /** Not allowed: run from an elevated prompt (Windows) or with sudo (Linux). */
  accessDenied: 4,
  /** The service manager refused or failed (a Win32 or systemd error other than the ones below). */
  serviceManager: 5,
  /** No service of that name. */
  noSuchService: 6,
  /** A service of that name exists already. */
  serviceExists: 7,
  /** The feature is not built yet. */
  notImplemented: 9,
} as const;

export type ExitCode = typeof ExitCode[keyof typeof ExitCode];
