/**
 * The Service Control Manager, typed: connect (locally or to `\\server`), create, open, configure, query,
 * start, control, delete and enumerate services. Every handle is a Disposable, closed on every path.
 * @module
 */
import { advapi32 } from "./advapi32.ts";
import * as W from "./constants.ts";
import { check, errorCodeOf, unless, Win32Error } from "./error.ts";
import { addressOf } from "./memory.ts";
import { wide, wideMulti, wideOrNull } from "./strings.ts";
import {
  decodeDword,
  decodeEnumServiceStatusProcess,
  decodeFailureActions,
  decodeQueryServiceConfig,
  decodeServiceDescription,
  decodeServiceStatus,
  encodeDword,
  encodeFailureActions,
  encodeServiceDescription,
  type EnumeratedService,
  SERVICE_STATUS_PROCESS_SIZE,
  type ServiceConfig,
} from "./structs.ts";
import {
  controlToWin32,
  type ErrorControl,
  errorControls,
  type FailureActions,
  type ServiceControl,
  type ServiceKind,
  type ServiceStatus,
  serviceTypeToWin32,
  type StartType,
  startTypes,
} from "./types.ts";

export type { EnumeratedService, ServiceConfig };

/** What a handle is opened for: "read" asks no administrator rights. */
export type Access = "read" | "control" | "all";

const managerAccess: Record<Access, number> = {
  read: W.SC_MANAGER_CONNECT | W.SC_MANAGER_ENUMERATE_SERVICE,
  control: W.SC_MANAGER_CONNECT | W.SC_MANAGER_ENUMERATE_SERVICE,
  all: W.SC_MANAGER_ALL_ACCESS,
};
const SERVICE_ENUMERATE_DEPENDENTS = 0x0008;
const serviceAccess: Record<Access, number> = {
  read: W.SERVICE_QUERY_CONFIG | W.SERVICE_QUERY_STATUS | W.SERVICE_INTERROGATE |
    SERVICE_ENUMERATE_DEPENDENTS,
  control: W.SERVICE_QUERY_CONFIG | W.SERVICE_QUERY_STATUS | W.SERVICE_INTERROGATE |
    SERVICE_ENUMERATE_DEPENDENTS |
    W.SERVICE_START | W.SERVICE_STOP | W.SERVICE_PAUSE_CONTINUE | W.SERVICE_USER_DEFINED_CONTROL,
  all: W.SERVICE_ALL_ACCESS,
};

/** Everything CreateServiceW takes. Dependencies on a load-order group are written "+Group". */
export interface ServiceDefinition {
  name: string;
  displayName?: string;
  kind?: ServiceKind;
  interactive?: boolean;
  startType: StartType;
  errorControl?: ErrorControl;
  /** The command line the SCM runs, quoted as CommandLineToArgvW reads it. */
  binaryPath: string;
  loadOrderGroup?: string;
  dependencies?: readonly string[];
  /** Absent: LocalSystem. */
  account?: string;
  /** Passed to the SCM only; servitor never stores it. */
  password?: string;
}

/** A change through ChangeServiceConfigW: absent fields stay as they are. */
export type ServiceConfigChange = Partial<Omit<ServiceDefinition, "name">>;

/** The optional configuration (QueryServiceConfig2W / ChangeServiceConfig2W) servitor uses. */
export interface ServiceConfig2 {
  description: string;
  /** Reads `undefined` from an SCM without that level (Wine 10 accepts failure actions but keeps none). */
  failureActions: FailureActions | undefined;
  /**
   * Failure actions also fire when the service stops itself with a non-zero exit code. Reads `undefined`
   * from an SCM without that level (Wine 10 answers ERROR_INVALID_LEVEL).
   */
  failureActionsOnNonCrashFailures: boolean | undefined;
  delayedAutoStart: boolean;
  /** Milliseconds the SCM waits for the service after a preshutdown control. */
  preshutdownTimeout: number;
}

/**
 * The machine name OpenSCManagerW takes, from one written as sc.exe takes it (`server` or `\\server`):
 * always with its leading `\\`, however many backslashes it was given. `undefined` or "" is the local
 * machine.
 */
export function scmMachineName(machine: string | undefined): string | undefined {
  return machine ? `\\\\${machine.replace(/^\\+/, "")}` : undefined;
}

/** Calls `query(buffer, size, needed)` with a buffer grown to what it says it needs. */
function queryGrowing(
  fn: string,
  query: (buffer: Uint8Array<ArrayBuffer>, size: number, needed: Uint8Array<ArrayBuffer>) => number,
) {
  let buffer = new Uint8Array(1024);
  const needed = new Uint32Array(1);
  const neededBytes = new Uint8Array(needed.buffer);
  for (;;) {
    // A buffer too small is an answer (the size it needs), not an error: no message is formatted for it.
    const code = errorCodeOf(query(buffer, buffer.length, neededBytes));
    if (code === 0) return { buffer, base: addressOf(buffer) };
    const grow = code === W.ERROR_INSUFFICIENT_BUFFER || code === W.ERROR_MORE_DATA;
    if (!grow || needed[0] <= buffer.length) throw Win32Error.of(fn, code);
    buffer = new Uint8Array(needed[0]);
  }
}

abstract class ScHandle implements Disposable {
  #handle: Deno.PointerObject | null;
  constructor(handle: Deno.PointerObject) {
    this.#handle = handle;
  }
  protected get handle(): Deno.PointerObject {
    if (!this.#handle) throw new Error("this service handle is closed");
    return this.#handle;
  }
  /** Closes the handle; closing twice does nothing. */
  close(): void {
    const handle = this.#handle;
    this.#handle = null;
    if (handle) check("CloseServiceHandle", advapi32().CloseServiceHandle(handle));
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A connection to a machine's Service Control Manager. */
export class ServiceControlManager extends ScHandle {
  /** Connects to the local SCM, or to `machine` (`server` or `\\server`, as sc.exe takes it). */
  static connect(options: { machine?: string; access?: Access } = {}): ServiceControlManager {
    const handle = advapi32().OpenSCManagerW(
      wideOrNull(scmMachineName(options.machine)),
      null,
      managerAccess[options.access ?? "all"],
    );
    return new ServiceControlManager(check("OpenSCManagerW", handle));
  }

  /** Creates a service and returns it open with full access. */
  create(definition: ServiceDefinition): Service {
    const handle = advapi32().CreateServiceW(
      this.handle,
      wide(definition.name),
      wideOrNull(definition.displayName),
      W.SERVICE_ALL_ACCESS,
      serviceTypeToWin32(definition.kind ?? "own_process", definition.interactive),
      startTypes.toWin32(definition.startType),
      errorControls.toWin32(definition.errorControl ?? "normal"),
      wide(definition.binaryPath),
      wideOrNull(definition.loadOrderGroup),
      null,
      definition.dependencies?.length ? wideMulti(definition.dependencies) : null,
      wideOrNull(definition.account),
      wideOrNull(definition.password),
    );
    return new Service(check("CreateServiceW", handle), definition.name);
  }

  /** Opens an existing service. */
  open(name: string, access: Access = "all"): Service {
    const handle = advapi32().OpenServiceW(this.handle, wide(name), serviceAccess[access]);
    return new Service(check("OpenServiceW", handle), name);
  }

  /** Lists the Win32 services (not drivers), with their status. */
  list(state: "active" | "inactive" | "all" = "all"): EnumeratedService[] {
    const states = { active: W.SERVICE_ACTIVE, inactive: W.SERVICE_INACTIVE, all: W.SERVICE_STATE_ALL };
    const services: EnumeratedService[] = [];
    const returned = new Uint32Array(1);
    const resume = new Uint32Array(1);
    // The SCM hands the list out in pieces, with a resume handle, when it does not fit the buffer.
    for (let buffer = new Uint8Array(64 * 1024);;) {
      const needed = new Uint32Array(1);
      const ok = advapi32().EnumServicesStatusExW(
        this.handle,
        W.SC_ENUM_PROCESS_INFO,
        W.SERVICE_WIN32,
        states[state],
        buffer,
        buffer.length,
        new Uint8Array(needed.buffer),
        new Uint8Array(returned.buffer),
        new Uint8Array(resume.buffer),
        null,
      );
      // FALSE with ERROR_MORE_DATA: this piece is valid, and more follow.
      const more = unless([W.ERROR_MORE_DATA], () => check("EnumServicesStatusExW", ok)) === undefined;
      services.push(...decodeEnumServiceStatusProcess(buffer, addressOf(buffer), returned[0]));
      if (!more) return services;
      if (returned[0] === 0) buffer = new Uint8Array(Math.max(needed[0], buffer.length * 2));
    }
  }
}

/** An open service. */
export class Service extends ScHandle {
  constructor(handle: Deno.PointerObject, readonly name: string) {
    super(handle);
  }

  /** QueryServiceConfigW. */
  queryConfig(): ServiceConfig {
    const { buffer, base } = queryGrowing(
      "QueryServiceConfigW",
      (buf, size, needed) => advapi32().QueryServiceConfigW(this.handle, buf, size, needed),
    );
    return decodeQueryServiceConfig(buffer, base);
  }

  /** QueryServiceConfig2W for every level servitor uses. */
  queryConfig2(): ServiceConfig2 {
    return {
      description: this.queryDescription(),
      failureActions: unless([W.ERROR_INVALID_LEVEL], () => {
        const { buffer, base } = this.#queryConfig2(W.SERVICE_CONFIG_FAILURE_ACTIONS);
        return decodeFailureActions(buffer, base);
      }),
      failureActionsOnNonCrashFailures: unless(
        [W.ERROR_INVALID_LEVEL],
        () => decodeDword(this.#queryConfig2(W.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG).buffer) !== 0,
      ),
      delayedAutoStart: this.queryDelayedAutoStart(),
      preshutdownTimeout: decodeDword(this.#queryConfig2(W.SERVICE_CONFIG_PRESHUTDOWN_INFO).buffer),
    };
  }

  /** QueryServiceConfig2W's description alone: with the next, all a status shows of the second config. */
  queryDescription(): string {
    const { buffer, base } = this.#queryConfig2(W.SERVICE_CONFIG_DESCRIPTION);
    return decodeServiceDescription(buffer, base);
  }

  /** QueryServiceConfig2W's delayed auto-start flag alone. */
  queryDelayedAutoStart(): boolean {
    return decodeDword(this.#queryConfig2(W.SERVICE_CONFIG_DELAYED_AUTO_START_INFO).buffer) !== 0;
  }

  #queryConfig2(level: number) {
    return queryGrowing(
      "QueryServiceConfig2W",
      (buf, size, needed) => advapi32().QueryServiceConfig2W(this.handle, level, buf, size, needed),
    );
  }

  /** QueryServiceStatusEx. */
  queryStatus(): ServiceStatus {
    const buffer = new Uint8Array(SERVICE_STATUS_PROCESS_SIZE);
    const needed = new Uint8Array(4);
    check(
      "QueryServiceStatusEx",
      advapi32().QueryServiceStatusEx(this.handle, W.SC_STATUS_PROCESS_INFO, buffer, buffer.length, needed),
    );
    return decodeServiceStatus(buffer);
  }

  /** ChangeServiceConfigW: what `change` leaves out stays as it is. */
  changeConfig(change: ServiceConfigChange): void {
    const NO_CHANGE = W.SERVICE_NO_CHANGE;
    const kind = change.kind ?? (change.interactive !== undefined ? this.queryConfig().kind : undefined);
    check(
      "ChangeServiceConfigW",
      advapi32().ChangeServiceConfigW(
        this.handle,
        kind === undefined ? NO_CHANGE : serviceTypeToWin32(kind, change.interactive),
        change.startType === undefined ? NO_CHANGE : startTypes.toWin32(change.startType),
        change.errorControl === undefined ? NO_CHANGE : errorControls.toWin32(change.errorControl),
        wideOrNull(change.binaryPath),
        wideOrNull(change.loadOrderGroup),
        null,
        change.dependencies === undefined ? null : wideMulti(change.dependencies),
        wideOrNull(change.account),
        wideOrNull(change.password),
        wideOrNull(change.displayName),
      ),
    );
  }

  /** ChangeServiceConfig2W for each level `change` names. */
  changeConfig2(change: Partial<ServiceConfig2>): void {
    const set = (level: number, info: Uint8Array<ArrayBuffer>) =>
      check("ChangeServiceConfig2W", advapi32().ChangeServiceConfig2W(this.handle, level, info));
    if (change.description !== undefined) {
      set(W.SERVICE_CONFIG_DESCRIPTION, encodeServiceDescription(change.description, addressOf));
    }
    if (change.failureActions !== undefined) {
      set(W.SERVICE_CONFIG_FAILURE_ACTIONS, encodeFailureActions(change.failureActions, addressOf));
    }
    if (change.failureActionsOnNonCrashFailures !== undefined) {
      set(W.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, encodeDword(change.failureActionsOnNonCrashFailures));
    }
    if (change.delayedAutoStart !== undefined) {
      set(W.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, encodeDword(change.delayedAutoStart));
    }
    if (change.preshutdownTimeout !== undefined) {
      set(W.SERVICE_CONFIG_PRESHUTDOWN_INFO, encodeDword(change.preshutdownTimeout));
    }
  }

  /** StartServiceW; `args` reach the service's ServiceMain after its name. */
  start(args: readonly string[] = []): void {
    const strings = args.map(wide);
    const argv = new BigUint64Array(strings.map(addressOf));
    check(
      "StartServiceW",
      advapi32().StartServiceW(this.handle, args.length, args.length ? new Uint8Array(argv.buffer) : null),
    );
  }

  /** ControlService; returns the status the service reported in answer. */
  control(control: ServiceControl): ServiceStatus {
    const buffer = new Uint8Array(SERVICE_STATUS_PROCESS_SIZE);
    check("ControlService", advapi32().ControlService(this.handle, controlToWin32(control), buffer));
    return decodeServiceStatus(buffer.subarray(0, 28));
  }

  /** DeleteService: the service goes once its last handle is closed and it has stopped. */
  delete(): void {
    check("DeleteService", advapi32().DeleteService(this.handle));
  }
}
