/**
 * The one interface to a service manager — the Windows SCM or systemd — chosen once at start-up
 * (service/connect.ts). The CLI speaks only to this; each backend maps a ServiceSpec onto its manager.
 * @module
 */
import type { ServiceSpec } from "./spec.ts";
import type { ServiceState } from "./vocabulary.ts";

export interface ManagedStatus {
  state: ServiceState;
  /** The host's process id, when it runs. */
  pid?: number;
  /** How the last run ended: a Win32 code, a service-specific code, or a Linux exit status. */
  exitCode?: { kind: "win32" | "service_specific" | "exit_status"; code: number };
}

/** What the service manager itself holds about a service (for `status`, `get`, `dump`). */
export interface InstalledService {
  name: string;
  displayName: string;
  description: string;
  start: ServiceSpec["start"];
  /** The account as the manager names it: LocalSystem, NT AUTHORITY\LocalService, a user, root … */
  account: string;
  dependsOn: string[];
  /** The command line the manager runs (ImagePath, ExecStart=). */
  command: string;
}

export interface ListedService {
  name: string;
  displayName: string;
  state: ServiceState;
}

/**
 * A listed service with what a live list shows of it — its status, start type and account — as one question
 * to the manager answers them for every service at once (ServiceManager.survey).
 */
export interface SurveyedService extends ListedService {
  status: ManagedStatus;
  /** Absent where the manager's list doesn't say it (the SCM's: QueryServiceConfigW is per service). */
  start?: ServiceSpec["start"];
  account?: string;
}

/** How the service manager starts the host: the program and its arguments. */
export interface HostCommand {
  program: string;
  args: string[];
}

/** A control the CLI sends to a running service. */
export type ManagerControl = "stop" | "pause" | "continue" | "rotate";

/** What went wrong, in the categories the exit codes distinguish. */
export type ManagerFailure =
  | "access_denied"
  | "no_such_service"
  | "exists"
  | "unavailable"
  | "refused"
  /** Another command holds the service's lock (service/lock.ts). */
  | "busy"
  /** The service did not reach the state asked for in time (service/lifecycle.ts's waits). */
  | "timed_out"
  /** The service was started but stopped again (service/lifecycle.ts's start). */
  | "start_failed"
  /** A control sent to a service that is not running (stop of a stopped service). */
  | "not_running"
  /** Asked of a backend that has no such thing (a user's own services on Windows). */
  | "unsupported"
  | "failed";

/** The system's own word on a failure: its code and message, for a line that must quote them (nssm's). */
export interface SystemFailure {
  /** The system's code: a Win32 error code, or a systemctl exit status. */
  code: number;
  /** The system's message for it ("The specified service does not exist as an installed service."). */
  message: string;
  /** The system call or command that failed (OpenServiceW, systemctl start …). */
  call?: string;
}

/**
 * A service manager's failure, as one line for a person: the only failure a backend lets through the
 * ServiceManager interface, so nothing above a backend looks at a Win32 code or a systemctl exit status.
 * `system` keeps the system's own word where a line must quote it.
 *
 * @example Telling "there is no such service" from other failures of installSelf's removal
 * ```ts
 * import { ServiceManagerError, uninstallSelf } from "../mod.ts";
 * try {
 *   await uninstallSelf("Worker");
 * } catch (error) {
 *   if (!(error instanceof ServiceManagerError && error.failure === "no_such_service")) throw error;
 * }
 * ```
 */
export class ServiceManagerError extends Error {
  /** The system's own code and message, when the failure came from the system. */
  readonly system?: SystemFailure;
  /**
   * A failure of `failure`'s kind, said in one line.
   *
   * @param message the line a person reads.
   * @param failure which kind of failure it is (what the exit code says).
   * @param options the cause, and the system's own word.
   */
  constructor(
    message: string,
    readonly failure: ManagerFailure,
    options?: ErrorOptions & { system?: SystemFailure },
  ) {
    super(message, options);
    this.name = "ServiceManagerError";
    this.system = options?.system;
  }
}

/** A service manager: the SCM or systemd. Every method throws a ServiceManagerError, and nothing else. */
export interface ServiceManager {
  readonly kind: "scm" | "systemd";
  /**
   * Creates the service so that the manager runs `host`, with everything of `spec` the manager itself
   * holds (display name, description, start type, account, dependencies, recovery, preshutdown timeout).
   * `password` is passed to the manager only, never stored.
   */
  create(spec: ServiceSpec, host: HostCommand, password?: string): Promise<void>;
  /** Changes an existing service to match `spec` (the same fields as create). */
  update(spec: ServiceSpec, host: HostCommand, password?: string): Promise<void>;
  /** Deletes the service. It must be stopped first for the deletion to complete at once. */
  remove(name: string): Promise<void>;
  exists(name: string): Promise<boolean>;
  start(name: string): Promise<void>;
  control(name: string, control: ManagerControl): Promise<void>;
  status(name: string): Promise<ManagedStatus>;
  query(name: string): Promise<InstalledService>;
  list(): Promise<ListedService[]>;
  /**
   * What list() gives and each service's status, from one question to the manager (one `systemctl show`
   * for every unit, one EnumServicesStatusExW) rather than one a service: what a live list polls. `moved`:
   * services the caller saw change (their host rewrote its status, or is gone), asked about afresh even where
   * a cheaper question says nothing moved.
   */
  survey?(moved?: string[]): Promise<SurveyedService[]>;
  /** The process ids of the service: the host and everything under it. */
  processes(name: string): Promise<number[]>;
  /**
   * What of `spec` this manager can't apply, each one line for a person (the CLI prints them after a create
   * or an update); none when absent.
   */
  limitations?(spec: ServiceSpec): string[];
  /**
   * The manager's entry for `spec` as text (systemd: the unit file; the SCM: the fields it holds), never
   * with a password: when two specs' entries are equal, changing one into the other needs no `update`.
   */
  entry?(spec: ServiceSpec, host: HostCommand): string;
  /**
   * The settings this manager gives no meaning, by their nssm parameter names (the names `get` and `set`
   * take), each with why: they are kept in the store, but change nothing here.
   */
  readonly ignoredSettings?: Readonly<Record<string, string>>;
  /**
   * The system's own sentence for an outcome, as nssm quotes it (FormatMessage's text on Windows); a manager
   * without one of its own takes Windows' English words (`windowsSentences`), which is what scripts written
   * for nssm match.
   */
  systemSentence?(outcome: SystemOutcome): string;
}

/** The outcomes nssm's messages quote the system's sentence for. */
export type SystemOutcome = "success" | "no_such_service" | "invalid_name" | "access_denied" | "exists";

/** What Windows' FormatMessage says, in English, for each outcome nssm quotes. */
export const windowsSentences: Readonly<Record<SystemOutcome, string>> = {
  success: "The operation completed successfully.",
  no_such_service: "The specified service does not exist as an installed service.",
  invalid_name: "The filename, directory name, or volume label syntax is incorrect.",
  access_denied: "Access is denied.",
  exists: "The specified service already exists.",
};

/** `manager`'s sentence for `outcome`, or Windows' English one. */
export function systemSentence(manager: ServiceManager, outcome: SystemOutcome): string {
  return manager.systemSentence?.(outcome) ?? windowsSentences[outcome];
}
