/**
 * The SCM's vocabulary as servitor's code speaks it: string unions and tagged objects, each mapped to and
 * from its Win32 number here and nowhere else.
 * @module
 */
import * as W from "./constants.ts";
import type { AcceptedControl, ServiceExitCode, ServiceState } from "../service/vocabulary.ts";
import type { RecoveryAction } from "../service/spec.ts";

/** A service's start type (dwStartType). Delayed auto-start is a separate config2 flag. */
export type StartType = "boot" | "system" | "auto" | "demand" | "disabled";
/** The kind of service (dwServiceType without SERVICE_INTERACTIVE_PROCESS). */
export type ServiceKind = "own_process" | "share_process" | "kernel_driver" | "file_system_driver";
/** What the system does when the service fails to start (dwErrorControl). */
export type ErrorControl = "ignore" | "normal" | "severe" | "critical";
/** A control sent with ControlService; user controls carry their code (128–255). */
export type ServiceControl =
  | { kind: "stop" }
  | { kind: "pause" }
  | { kind: "continue" }
  | { kind: "interrogate" }
  | { kind: "param_change" }
  | { kind: "user"; code: number };
/** SERVICE_STATUS_PROCESS, decoded. */
export interface ServiceStatus {
  kind: ServiceKind;
  interactive: boolean;
  state: ServiceState;
  controlsAccepted: AcceptedControl[];
  exitCode: ServiceExitCode;
  checkPoint: number;
  waitHint: number;
  /** 0 when the service has no process. */
  processId: number;
}

/** One SC_ACTION of a service's failure actions; `delay` in milliseconds. */
export interface FailureAction {
  type: RecoveryAction;
  delay: number;
}

/** SERVICE_FAILURE_ACTIONSW; `resetPeriod` in seconds, or "infinite". */
export interface FailureActions {
  resetPeriod: number | "infinite";
  rebootMessage?: string;
  command?: string;
  actions: FailureAction[];
}

function table<K extends string>(entries: Record<K, number>) {
  const byValue = new Map<number, K>(Object.entries(entries).map(([k, v]) => [v as number, k as K]));
  return {
    toWin32: (key: K): number => entries[key],
    fromWin32: (value: number, what: string): K => {
      const key = byValue.get(value);
      if (key === undefined) throw new RangeError(`unknown ${what} ${value}`);
      return key;
    },
  };
}

export const startTypes = table<StartType>({
  boot: W.SERVICE_BOOT_START,
  system: W.SERVICE_SYSTEM_START,
  auto: W.SERVICE_AUTO_START,
  demand: W.SERVICE_DEMAND_START,
  disabled: W.SERVICE_DISABLED,
});

export const serviceKinds = table<ServiceKind>({
  own_process: W.SERVICE_WIN32_OWN_PROCESS,
  share_process: W.SERVICE_WIN32_SHARE_PROCESS,
  kernel_driver: W.SERVICE_KERNEL_DRIVER,
  file_system_driver: W.SERVICE_FILE_SYSTEM_DRIVER,
});

export const errorControls = table<ErrorControl>({
  ignore: W.SERVICE_ERROR_IGNORE,
  normal: W.SERVICE_ERROR_NORMAL,
  severe: W.SERVICE_ERROR_SEVERE,
  critical: W.SERVICE_ERROR_CRITICAL,
});

export const serviceStates = table<ServiceState>({
  stopped: W.SERVICE_STOPPED,
  start_pending: W.SERVICE_START_PENDING,
  stop_pending: W.SERVICE_STOP_PENDING,
  running: W.SERVICE_RUNNING,
  continue_pending: W.SERVICE_CONTINUE_PENDING,
  pause_pending: W.SERVICE_PAUSE_PENDING,
  paused: W.SERVICE_PAUSED,
});

export const failureActionTypes = table<FailureAction["type"]>({
  none: W.SC_ACTION_NONE,
  restart: W.SC_ACTION_RESTART,
  reboot: W.SC_ACTION_REBOOT,
  run_command: W.SC_ACTION_RUN_COMMAND,
});

const acceptedBits: Record<AcceptedControl, number> = {
  stop: W.SERVICE_ACCEPT_STOP,
  pause_continue: W.SERVICE_ACCEPT_PAUSE_CONTINUE,
  shutdown: W.SERVICE_ACCEPT_SHUTDOWN,
  param_change: W.SERVICE_ACCEPT_PARAMCHANGE,
  power_event: W.SERVICE_ACCEPT_POWEREVENT,
  session_change: W.SERVICE_ACCEPT_SESSIONCHANGE,
  preshutdown: W.SERVICE_ACCEPT_PRESHUTDOWN,
};

export const acceptedControls = {
  toWin32: (controls: readonly AcceptedControl[]): number =>
    controls.reduce((bits, control) => bits | acceptedBits[control], 0),
  fromWin32: (bits: number): AcceptedControl[] =>
    (Object.keys(acceptedBits) as AcceptedControl[]).filter((control) => bits & acceptedBits[control]),
};

/** The service-type DWORD from its kind and the interactive flag. */
export function serviceTypeToWin32(kind: ServiceKind, interactive = false): number {
  return serviceKinds.toWin32(kind) | (interactive ? W.SERVICE_INTERACTIVE_PROCESS : 0);
}

/** Splits a service-type DWORD into its kind and the interactive flag. */
export function serviceTypeFromWin32(value: number): { kind: ServiceKind; interactive: boolean } {
  return {
    kind: serviceKinds.fromWin32(value & ~W.SERVICE_INTERACTIVE_PROCESS, "service type"),
    interactive: (value & W.SERVICE_INTERACTIVE_PROCESS) !== 0,
  };
}

/** The control code ControlService takes. */
export function controlToWin32(control: ServiceControl): number {
  switch (control.kind) {
    case "stop":
      return W.SERVICE_CONTROL_STOP;
    case "pause":
      return W.SERVICE_CONTROL_PAUSE;
    case "continue":
      return W.SERVICE_CONTROL_CONTINUE;
    case "interrogate":
      return W.SERVICE_CONTROL_INTERROGATE;
    case "param_change":
      return W.SERVICE_CONTROL_PARAMCHANGE;
    case "user":
      if (
        !Number.isInteger(control.code) || control.code < W.SERVICE_CONTROL_USER_FIRST ||
        control.code > W.SERVICE_CONTROL_USER_LAST
      ) {
        throw new RangeError(`a user control code is 128 to 255, not ${control.code}`);
      }
      return control.code;
  }
}

/** dwWin32ExitCode and dwServiceSpecificExitCode as one value. */
export function exitCodeFromWin32(win32: number, serviceSpecific: number): ServiceExitCode {
  return win32 === W.ERROR_SERVICE_SPECIFIC_ERROR
    ? { kind: "service_specific", code: serviceSpecific }
    : { kind: "win32", code: win32 };
}

/** The [dwWin32ExitCode, dwServiceSpecificExitCode] pair for an exit code. */
export function exitCodeToWin32(exitCode: ServiceExitCode): [number, number] {
  return exitCode.kind === "service_specific"
    ? [W.ERROR_SERVICE_SPECIFIC_ERROR, exitCode.code >>> 0]
    : [exitCode.code >>> 0, 0];
}

export const INFINITE = 0xFFFFFFFF;
