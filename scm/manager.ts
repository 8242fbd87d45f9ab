/**
 * The Windows backend of the ServiceManager interface: a ServiceSpec mapped onto the SCM through ffi/scm.ts.
 * The SCM holds what it runs (ImagePath: servitor's host), the display name, description, start type,
 * account, dependencies, recovery and preshutdown timeout; everything else lives in the stored spec.
 * @module
 */
import {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_LEVEL,
  ERROR_INVALID_NAME,
  ERROR_SERVICE_DOES_NOT_EXIST,
  ERROR_SERVICE_EXISTS,
  ERROR_SERVICE_REQUEST_TIMEOUT,
} from "../ffi/constants.ts";
import { scmFailure } from "./errors.ts";
import { systemMessage, Win32Error } from "../ffi/error.ts";
import { descendants, listProcesses } from "../ffi/toolhelp.ts";
import {
  type Service,
  type ServiceConfig2,
  ServiceControlManager,
  type ServiceDefinition,
} from "../ffi/scm.ts";
import type { FailureActions, ServiceStatus, StartType } from "../ffi/types.ts";
import { windowsCommandLine } from "../service/command_line.ts";
import {
  type HostCommand,
  type InstalledService,
  type ManagedStatus,
  type ServiceManager,
  ServiceManagerError,
  type SystemOutcome,
  windowsSentences,
} from "../service/manager.ts";
import type { Account, ServiceSpec, StartMode } from "../service/spec.ts";

/** The account name CreateServiceW takes; undefined is LocalSystem. */
export function accountName(account: Account, service: string): string | undefined {
  switch (account.kind) {
    case "local_system":
      return undefined;
    case "local_service":
      return "NT AUTHORITY\\LocalService";
    case "network_service":
      return "NT AUTHORITY\\NetworkService";
    case "virtual":
      return `NT SERVICE\\${service}`;
    case "user":
      // A bare user name means a local account, which the SCM wants as .\name.
      return account.name.includes("\\") || account.name.includes("@") ? account.name : `.\\${account.name}`;
  }
}

const startTypes: Record<StartMode, StartType> = {
  auto: "auto",
  delayed: "auto",
  manual: "demand",
  disabled: "disabled",
};

/** The start mode the SCM's start type and delayed flag stand for. */
export function startMode(startType: StartType, delayed: boolean): StartMode {
  if (startType === "auto") return delayed ? "delayed" : "auto";
  if (startType === "disabled") return "disabled";
  return "manual";
}

/** The SCM's failure actions for a spec's recovery; none when it has none. */
export function failureActions(spec: ServiceSpec): FailureActions {
  const recovery = spec.recovery;
  if (!recovery) return { resetPeriod: 0, actions: [] };
  return {
    resetPeriod: recovery.resetSeconds,
    command: recovery.command,
    actions: recovery.actions.map(({ action, delayMs }) => ({ type: action, delay: delayMs })),
  };
}

/** Runs `work` with the SCM, turning every Win32 failure into a ServiceManagerError (scm/errors.ts). */
function withScm<T>(
  name: string,
  access: "read" | "control" | "all",
  work: (scm: ServiceControlManager) => T,
): T {
  try {
    using scm = ServiceControlManager.connect({ access: access === "all" ? "all" : "read" });
    return work(scm);
  } catch (error) {
    throw scmFailure(error, name);
  }
}

/** What the SCM says of a service, as the service manager interface says it. */
function managedStatus(status: ServiceStatus): ManagedStatus {
  return { state: status.state, pid: status.processId || undefined, exitCode: status.exitCode };
}

function withService<T>(name: string, access: "read" | "control" | "all", work: (service: Service) => T): T {
  return withScm(name, access, (scm) => {
    using service = scm.open(name, access);
    return work(service);
  });
}

/** What CreateServiceW gets for `spec`: the SCM runs `host`. */
export function serviceDefinition(
  spec: ServiceSpec,
  host: HostCommand,
  password?: string,
): ServiceDefinition {
  return {
    name: spec.name,
    displayName: spec.displayName,
    startType: startTypes[spec.start],
    binaryPath: windowsCommandLine(host.program, host.args),
    dependencies: spec.dependsOn,
    account: accountName(spec.account, spec.name),
    password,
  };
}

/**
 * The ChangeServiceConfig2W calls for `spec`, in the order they are made: description, delayed start and
 * preshutdown timeout; the failure actions; and their non-crash flag, so that a non-zero exit of the host
 * counts as a failure (otherwise recovery never fires for a wrapper).
 */
export function config2Changes(spec: ServiceSpec): Partial<ServiceConfig2>[] {
  return [
    {
      description: spec.description,
      delayedAutoStart: spec.start === "delayed",
      preshutdownTimeout: spec.preshutdownTimeoutMs,
    },
    { failureActions: failureActions(spec) },
    { failureActionsOnNonCrashFailures: spec.recovery !== undefined },
  ];
}

/** Applies what ChangeServiceConfig2W holds. Wine keeps no failure actions and refuses their flag: tolerated. */
function applyConfig2(service: Service, spec: ServiceSpec) {
  for (const change of config2Changes(spec)) {
    try {
      service.changeConfig2(change);
    } catch (error) {
      // Wine 10 has no SERVICE_CONFIG_FAILURE_ACTIONS_FLAG (ERROR_INVALID_LEVEL); Windows has it since Vista.
      const flagOnly = Object.keys(change).join() === "failureActionsOnNonCrashFailures";
      if (!(flagOnly && error instanceof Win32Error && error.code === ERROR_INVALID_LEVEL)) throw error;
    }
  }
}

/** The info level of each ServiceConfig2 field, as winsvc.h names it (for a dry run's lines). */
const config2Levels: Record<keyof ServiceConfig2, string> = {
  description: "SERVICE_CONFIG_DESCRIPTION",
  delayedAutoStart: "SERVICE_CONFIG_DELAYED_AUTO_START_INFO",
  preshutdownTimeout: "SERVICE_CONFIG_PRESHUTDOWN_INFO",
  failureActions: "SERVICE_CONFIG_FAILURE_ACTIONS",
  failureActionsOnNonCrashFailures: "SERVICE_CONFIG_FAILURE_ACTIONS_FLAG",
};

/**
 * The lines a dry run prints for CreateServiceW (or ChangeServiceConfigW) and the ChangeServiceConfig2W
 * calls that follow: each field as the SCM would get it. The password is never printed.
 */
export function describeServiceCalls(
  fn: "CreateServiceW" | "ChangeServiceConfigW",
  spec: ServiceSpec,
  host: HostCommand,
): string[] {
  const definition = serviceDefinition(spec, host);
  const account = definition.account ?? "LocalSystem";
  const lines = [
    `${fn} ${definition.name}`,
    `  DisplayName      ${definition.displayName}`,
    `  StartType        ${definition.startType}`,
    `  ImagePath        ${definition.binaryPath}`,
    `  ObjectName       ${account}${spec.account.kind === "user" ? " (with the password given)" : ""}`,
    `  DependOnService  ${definition.dependencies?.length ? definition.dependencies.join(", ") : "(none)"}`,
  ];
  for (const change of config2Changes(spec)) {
    for (const [field, value] of Object.entries(change)) {
      lines.push(
        `ChangeServiceConfig2W ${spec.name} ${config2Levels[field as keyof ServiceConfig2]} ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  return lines;
}

export interface ScmOptions {
  /** Print each change (CreateServiceW, ChangeServiceConfig2W, DeleteService …) instead of making it. */
  dryRun?: (line: string) => void;
}

/**
 * The SCM as a ServiceManager. With `dryRun`, every change is a line instead, and only questions (exists,
 * status, query, list) reach the SCM, which answers them without administrator rights.
 */
export function connectScmManager(options: ScmOptions = {}): ServiceManager {
  const manager = scmManager();
  const print = options.dryRun;
  if (!print) return manager;
  return {
    ...manager,
    create(spec, host) {
      for (const line of describeServiceCalls("CreateServiceW", spec, host)) print(line);
      return Promise.resolve();
    },
    update(spec, host) {
      for (const line of describeServiceCalls("ChangeServiceConfigW", spec, host)) print(line);
      return Promise.resolve();
    },
    remove(name) {
      print(`DeleteService ${name}`);
      return Promise.resolve();
    },
    start(name) {
      print(`StartServiceW ${name}`);
      return Promise.resolve();
    },
    control(name, control) {
      print(
        `ControlService ${name} ${
          control === "rotate" ? "128 (rotate)" : `SERVICE_CONTROL_${control.toUpperCase()}`
        }`,
      );
      return Promise.resolve();
    },
  };
}

/** The system error code of each outcome nssm quotes FormatMessage's text for. */
const outcomeCodes: Record<SystemOutcome, number> = {
  success: 0,
  no_such_service: ERROR_SERVICE_DOES_NOT_EXIST,
  invalid_name: ERROR_INVALID_NAME,
  access_denied: ERROR_ACCESS_DENIED,
  exists: ERROR_SERVICE_EXISTS,
};

function scmManager(): ServiceManager {
  return {
    kind: "scm",
    // The system's own words (Wine's are shorter: "Service does not exist.").
    systemSentence: (outcome) => systemMessage(outcomeCodes[outcome]) || windowsSentences[outcome],
    create(spec: ServiceSpec, host: HostCommand, password?: string) {
      withScm(spec.name, "all", (scm) => {
        using service = scm.create(serviceDefinition(spec, host, password));
        try {
          applyConfig2(service, spec);
        } catch (error) {
          // Nothing half-done: a service that could not be configured is deleted again.
          service.delete();
          throw error;
        }
      });
      return Promise.resolve();
    },
    update(spec: ServiceSpec, host: HostCommand, password?: string) {
      withService(spec.name, "all", (service) => {
        service.changeConfig({
          displayName: spec.displayName,
          startType: startTypes[spec.start],
          binaryPath: windowsCommandLine(host.program, host.args),
          dependencies: spec.dependsOn,
          account: accountName(spec.account, spec.name) ?? "LocalSystem",
          password,
        });
        applyConfig2(service, spec);
      });
      return Promise.resolve();
    },
    remove(name: string) {
      withService(name, "all", (service) => service.delete());
      return Promise.resolve();
    },
    exists(name: string) {
      try {
        withService(name, "read", () => {});
        return Promise.resolve(true);
      } catch (error) {
        if (error instanceof ServiceManagerError && error.failure === "no_such_service") {
          return Promise.resolve(false);
        }
        throw error;
      }
    },
    start(name: string) {
      withService(name, "control", (service) => {
        try {
          service.start();
        } catch (error) {
          // StartServiceW waits for the service's first status; a host that refuses to start (a bad
          // configuration, a missing program) may have reported STOPPED with its reason by then, and the
          // SCM calls that a timeout. The start did happen: the caller reads the stop and its reason.
          const stoppedWithReason = error instanceof Win32Error &&
            error.code === ERROR_SERVICE_REQUEST_TIMEOUT &&
            service.queryStatus().exitCode?.kind === "service_specific";
          if (!stoppedWithReason) throw error;
        }
      });
      return Promise.resolve();
    },
    control(name, control) {
      withService(name, "control", (service) => {
        service.control(control === "rotate" ? { kind: "user", code: 128 } : { kind: control });
      });
      return Promise.resolve();
    },
    status(name: string): Promise<ManagedStatus> {
      return Promise.resolve(managedStatus(withService(name, "read", (service) => service.queryStatus())));
    },
    query(name: string): Promise<InstalledService> {
      return Promise.resolve(withService(name, "read", (service) => {
        // Only the levels a status shows: each is a call to the SCM (a round trip to services.exe).
        const config = service.queryConfig();
        const delayed = config.startType === "auto" && service.queryDelayedAutoStart();
        return {
          name,
          displayName: config.displayName,
          description: service.queryDescription(),
          start: startMode(config.startType, delayed),
          account: config.account,
          dependsOn: config.dependencies,
          command: config.binaryPath,
        };
      }));
    },
    list() {
      return Promise.resolve(withScm("", "read", (scm) =>
        scm.list("all").map((entry) => ({
          name: entry.name,
          displayName: entry.displayName,
          state: entry.status.state,
        }))));
    },
    /** One EnumServicesStatusExW: each service's status with it; start type and account are per service. */
    survey() {
      return Promise.resolve(withScm("", "read", (scm) =>
        scm.list("all").map((entry) => ({
          name: entry.name,
          displayName: entry.displayName,
          state: entry.status.state,
          status: managedStatus(entry.status),
        }))));
    },
    processes(name: string) {
      const pid = withService(name, "read", (service) => service.queryStatus().processId);
      return Promise.resolve(pid ? [pid, ...descendants(pid, listProcesses())] : []);
    },
    entry: (spec, host) => describeServiceCalls("CreateServiceW", spec, host).join("\n"),
  };
}
