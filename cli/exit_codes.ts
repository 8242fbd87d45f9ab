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
  /** The command line is wrong: unknown command or option, a missing argument. */
  usage: 2,
  /** An option's value is wrong (a start type, a duration, an exit action …). */
  badValue: 3,
  /** Not allowed: run from an elevated prompt (Windows) or with sudo (Linux). */
  accessDenied: 4,
  /** The service manager refused or failed (a Win32 or systemd error other than the ones below). */
  serviceManager: 5,
  /** No service of that name. */
  noSuchService: 6,
  /** A service of that name exists already. */
  serviceExists: 7,
  /** The service name is not allowed: empty, longer than 256 characters, or with / or \. */
  invalidName: 8,
  /** The feature is not built yet. */
  notImplemented: 9,
  /** The program to install can't be found. */
  programNotFound: 10,
  /** The service did not reach the state asked for in time. */
  timeout: 11,
  /** There is no service manager here (no systemd on this Linux). */
  unavailable: 12,
  /** The service can't do that now (pause a running program, start a disabled service …). */
  refused: 13,
  /** The service was started but stopped again: the reason is printed, and in its error log. */
  startFailed: 14,
  /** Another command is changing the service: it is named (pid, command line, since when); try again later. */
  busy: 15,
} as const;

export type ExitCode = typeof ExitCode[keyof typeof ExitCode];
