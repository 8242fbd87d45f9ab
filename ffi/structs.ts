/**
 * One codec per Win32 struct servitor passes, with the x64 offsets written once. Pure code: the address
 * of a buffer is passed in (`addressOf` when encoding, `base` when decoding), so every codec is tested on
 * Linux with made-up addresses.
 *
 * Structs that hold strings (QUERY_SERVICE_CONFIGW, SERVICE_FAILURE_ACTIONSW …) point into the same buffer
 * when Windows fills them, and into one buffer servitor lays out when servitor fills them: the struct
 * first, its strings and arrays after it.
 * @module
 */
import type { AcceptedControl, ServiceExitCode, ServiceState } from "../service/vocabulary.ts";
import {
  acceptedControls,
  type ErrorControl,
  errorControls,
  exitCodeFromWin32,
  exitCodeToWin32,
  type FailureAction,
  type FailureActions,
  failureActionTypes,
  INFINITE,
  type ServiceKind,
  serviceStates,
  type ServiceStatus,
  serviceTypeFromWin32,
  serviceTypeToWin32,
  type StartType,
  startTypes,
} from "./types.ts";
import { readWide, readWideMulti, wide } from "./strings.ts";

/** Gives the address of a buffer's first byte; the caller keeps the buffer alive while it is used. */
export type AddressOf = (bytes: Uint8Array<ArrayBuffer>) => bigint;

const POINTER = 8;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads the string a pointer at `offset` points to, within the buffer at `base`; NULL is `undefined`. */
function pointedString(bytes: Uint8Array, base: bigint, offset: number, multi: true): string[] | undefined;
function pointedString(bytes: Uint8Array, base: bigint, offset: number, multi?: false): string | undefined;
function pointedString(bytes: Uint8Array, base: bigint, offset: number, multi = false) {
  const pointer = view(bytes).getBigUint64(offset, true);
  if (pointer === 0n) return undefined;
  const at = Number(pointer - base);
  if (at < 0 || at >= bytes.length) {
    throw new RangeError(`a string pointer at offset ${offset} points outside its buffer`);
  }
  return multi ? readWideMulti(bytes, at) : readWide(bytes, at);
}

/**
 * Lays out a struct of `size` bytes followed by `extras` (each 8-byte aligned) in one buffer, and returns
 * the buffer and each extra's address, for the struct's pointer fields.
 */
function layOut(size: number, extras: (Uint8Array | null)[], addressOf: AddressOf) {
  const offsets: number[] = [];
  let end = size;
  for (const extra of extras) {
    end = Math.ceil(end / POINTER) * POINTER;
    offsets.push(end);
    end += extra?.length ?? 0;
  }
  const bytes = new Uint8Array(end);
  extras.forEach((extra, i) => extra && bytes.set(extra, offsets[i]));
  const base = addressOf(bytes);
  const addresses = extras.map((extra, i) => (extra ? base + BigInt(offsets[i]) : 0n));
  return { bytes, addresses, view: view(bytes) };
}

// SERVICE_STATUS: 7 DWORDs. SERVICE_STATUS_PROCESS adds dwProcessId and dwServiceFlags.
export const SERVICE_STATUS_SIZE = 28;
export const SERVICE_STATUS_PROCESS_SIZE = 36;

/** Decodes a SERVICE_STATUS (processId 0) or SERVICE_STATUS_PROCESS, at `offset` of `bytes`. */
export function decodeServiceStatus(bytes: Uint8Array, offset = 0): ServiceStatus {
  const v = view(bytes);
  const dword = (at: number) => v.getUint32(offset + at, true);
  return {
    ...serviceTypeFromWin32(dword(0)),
    state: serviceStates.fromWin32(dword(4), "service state"),
    controlsAccepted: acceptedControls.fromWin32(dword(8)),
    exitCode: exitCodeFromWin32(dword(12), dword(16)),
    checkPoint: dword(20),
    waitHint: dword(24),
    processId: bytes.length - offset >= SERVICE_STATUS_PROCESS_SIZE ? dword(28) : 0,
  };
}

/** What a service reports about itself through SetServiceStatus. */
export interface ReportedStatus {
  state: ServiceState;
  controlsAccepted: readonly AcceptedControl[];
  exitCode: ServiceExitCode;
  checkPoint: number;
  waitHint: number;
}

/** Encodes a SERVICE_STATUS for SetServiceStatus, for an own-process service. */
export function encodeServiceStatus(status: ReportedStatus): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(SERVICE_STATUS_SIZE);
  const v = view(bytes);
  const [win32, specific] = exitCodeToWin32(status.exitCode);
  v.setUint32(0, serviceTypeToWin32("own_process"), true);
  v.setUint32(4, serviceStates.toWin32(status.state), true);
  v.setUint32(8, acceptedControls.toWin32(status.controlsAccepted), true);
  v.setUint32(12, win32, true);
  v.setUint32(16, specific, true);
  v.setUint32(20, status.checkPoint, true);
  v.setUint32(24, status.waitHint, true);
  return bytes;
}

/** QUERY_SERVICE_CONFIGW, decoded. Dependencies on groups keep their "+" prefix (SC_GROUP_IDENTIFIER). */
export interface ServiceConfig {
  kind: ServiceKind;
  interactive: boolean;
  startType: StartType;
  errorControl: ErrorControl;
  binaryPath: string;
  loadOrderGroup: string;
  tagId: number;
  dependencies: string[];
  account: string;
  displayName: string;
}

// QUERY_SERVICE_CONFIGW on x64: three DWORDs, then pointers from 16 (dwTagId at 32 between them).
export const QUERY_SERVICE_CONFIG_SIZE = 64;

/** Decodes the QUERY_SERVICE_CONFIGW that QueryServiceConfigW wrote into `bytes`, at address `base`. */
export function decodeQueryServiceConfig(bytes: Uint8Array, base: bigint): ServiceConfig {
  const v = view(bytes);
  return {
    ...serviceTypeFromWin32(v.getUint32(0, true)),
    startType: startTypes.fromWin32(v.getUint32(4, true), "start type"),
    errorControl: errorControls.fromWin32(v.getUint32(8, true), "error control"),
    binaryPath: pointedString(bytes, base, 16) ?? "",
    loadOrderGroup: pointedString(bytes, base, 24) ?? "",
    tagId: v.getUint32(32, true),
    dependencies: pointedString(bytes, base, 40, true) ?? [],
    account: pointedString(bytes, base, 48) ?? "",
    displayName: pointedString(bytes, base, 56) ?? "",
  };
}

/** Encodes a SERVICE_DESCRIPTIONW; an empty description removes it. */
export function encodeServiceDescription(description: string, addressOf: AddressOf): Uint8Array<ArrayBuffer> {
  const { bytes, addresses, view } = layOut(POINTER, [wide(description)], addressOf);
  view.setBigUint64(0, addresses[0], true);
  return bytes;
}

/** Decodes a SERVICE_DESCRIPTIONW; no description reads as "". */
export function decodeServiceDescription(bytes: Uint8Array, base: bigint): string {
  return pointedString(bytes, base, 0) ?? "";
}

// SERVICE_FAILURE_ACTIONSW on x64: dwResetPeriod 0, lpRebootMsg 8, lpCommand 16, cActions 24, lpsaActions 32.
// SC_ACTION: Type 0, Delay 4.
export const SERVICE_FAILURE_ACTIONS_SIZE = 40;
const SC_ACTION_SIZE = 8;

/**
 * Encodes a SERVICE_FAILURE_ACTIONSW. An absent reboot message or command is NULL, which
 * ChangeServiceConfig2W reads as "leave unchanged"; "" removes it.
 */
export function encodeFailureActions(actions: FailureActions, addressOf: AddressOf): Uint8Array<ArrayBuffer> {
  const array = new Uint8Array(actions.actions.length * SC_ACTION_SIZE);
  const arrayView = view(array);
  actions.actions.forEach((action, i) => {
    arrayView.setUint32(i * SC_ACTION_SIZE, failureActionTypes.toWin32(action.type), true);
    arrayView.setUint32(i * SC_ACTION_SIZE + 4, action.delay, true);
  });
  const { bytes, addresses, view: v } = layOut(SERVICE_FAILURE_ACTIONS_SIZE, [
    actions.rebootMessage === undefined ? null : wide(actions.rebootMessage),
    actions.command === undefined ? null : wide(actions.command),
    actions.actions.length ? array : null,
  ], addressOf);
  v.setUint32(0, actions.resetPeriod === "infinite" ? INFINITE : actions.resetPeriod, true);
  v.setBigUint64(8, addresses[0], true);
  v.setBigUint64(16, addresses[1], true);
  v.setUint32(24, actions.actions.length, true);
  v.setBigUint64(32, addresses[2], true);
  return bytes;
}

/** Decodes the SERVICE_FAILURE_ACTIONSW that QueryServiceConfig2W wrote into `bytes`, at address `base`. */
export function decodeFailureActions(bytes: Uint8Array, base: bigint): FailureActions {
  const v = view(bytes);
  const resetPeriod = v.getUint32(0, true);
  const count = v.getUint32(24, true);
  const arrayAt = Number(v.getBigUint64(32, true) - base);
  const actions: FailureAction[] = [];
  for (let i = 0; i < count; i++) {
    actions.push({
      type: failureActionTypes.fromWin32(v.getUint32(arrayAt + i * SC_ACTION_SIZE, true), "failure action"),
      delay: v.getUint32(arrayAt + i * SC_ACTION_SIZE + 4, true),
    });
  }
  const rebootMessage = pointedString(bytes, base, 8);
  const command = pointedString(bytes, base, 16);
  return {
    resetPeriod: resetPeriod === INFINITE ? "infinite" : resetPeriod,
    ...(rebootMessage ? { rebootMessage } : {}),
    ...(command ? { command } : {}),
    actions,
  };
}

/**
 * A struct of one DWORD (SERVICE_DELAYED_AUTO_START_INFO's and SERVICE_FAILURE_ACTIONS_FLAG's BOOL,
 * SERVICE_PRESHUTDOWN_INFO's timeout).
 */
export function encodeDword(value: number | boolean): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(4);
  view(bytes).setUint32(0, typeof value === "boolean" ? Number(value) : value, true);
  return bytes;
}

/** Reads a struct of one DWORD. */
export function decodeDword(bytes: Uint8Array): number {
  return view(bytes).getUint32(0, true);
}

// SERVICE_TABLE_ENTRYW: lpServiceName, lpServiceProc. The table ends with an entry of two NULLs.
export const SERVICE_TABLE_ENTRY_SIZE = 16;

/** Encodes a one-service SERVICE_TABLE_ENTRYW array, with its terminating NULL entry. */
export function encodeServiceTable(
  nameAddress: bigint,
  serviceMainAddress: bigint,
): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array([nameAddress, serviceMainAddress, 0n, 0n]);
}

// ENUM_SERVICE_STATUS_PROCESSW on x64: lpServiceName 0, lpDisplayName 8, SERVICE_STATUS_PROCESS 16; 56 bytes.
export const ENUM_SERVICE_STATUS_PROCESS_SIZE = 56;

/** One service as EnumServicesStatusExW lists it. */
export interface EnumeratedService {
  name: string;
  displayName: string;
  status: ServiceStatus;
}

/** Decodes `count` ENUM_SERVICE_STATUS_PROCESSW entries from the buffer at address `base`. */
export function decodeEnumServiceStatusProcess(
  bytes: Uint8Array,
  base: bigint,
  count: number,
): EnumeratedService[] {
  const services: EnumeratedService[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * ENUM_SERVICE_STATUS_PROCESS_SIZE;
    services.push({
      name: pointedString(bytes, base, at) ?? "",
      displayName: pointedString(bytes, base, at + 8) ?? "",
      status: decodeServiceStatus(bytes.subarray(0, at + 16 + SERVICE_STATUS_PROCESS_SIZE), at + 16),
    });
  }
  return services;
}

// STARTUPINFOW on x64: cb 0, lpDesktop 16, lpTitle 24, dwFlags 60, wShowWindow 64, hStdInput 80,
// hStdOutput 88, hStdError 96; 104 bytes.
export const STARTUPINFO_SIZE = 104;
const STARTF_USESHOWWINDOW = 0x1;
const STARTF_USESTDHANDLES = 0x100;

/** What servitor sets in a STARTUPINFOW. Handles are raw HANDLE values. */
export interface StartupInfo {
  /** SW_* value, e.g. SW_HIDE (0) for a console the user never sees. */
  showWindow?: number;
  stdHandles?: { input: bigint; output: bigint; error: bigint };
}

/** Encodes a STARTUPINFOW. */
export function encodeStartupInfo(info: StartupInfo): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(STARTUPINFO_SIZE);
  const v = view(bytes);
  let flags = 0;
  v.setUint32(0, STARTUPINFO_SIZE, true);
  if (info.showWindow !== undefined) {
    flags |= STARTF_USESHOWWINDOW;
    v.setUint16(64, info.showWindow, true);
  }
  if (info.stdHandles) {
    flags |= STARTF_USESTDHANDLES;
    v.setBigUint64(80, info.stdHandles.input, true);
    v.setBigUint64(88, info.stdHandles.output, true);
    v.setBigUint64(96, info.stdHandles.error, true);
  }
  v.setUint32(60, flags, true);
  return bytes;
}

// PROCESS_INFORMATION on x64: hProcess 0, hThread 8, dwProcessId 16, dwThreadId 20; 24 bytes.
export const PROCESS_INFORMATION_SIZE = 24;

/** PROCESS_INFORMATION, decoded; handles as raw values. */
export interface ProcessInformation {
  process: bigint;
  thread: bigint;
  processId: number;
  threadId: number;
}

/** Decodes a PROCESS_INFORMATION. */
export function decodeProcessInformation(bytes: Uint8Array): ProcessInformation {
  const v = view(bytes);
  return {
    process: v.getBigUint64(0, true),
    thread: v.getBigUint64(8, true),
    processId: v.getUint32(16, true),
    threadId: v.getUint32(20, true),
  };
}

// JOBOBJECT_EXTENDED_LIMIT_INFORMATION on x64: BasicLimitInformation (LimitFlags at 16, Affinity at 48,
// PriorityClass at 56) 0–64, IoInfo 64–112, four SIZE_T limits to 144.
export const JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE = 144;
export const JOB_OBJECT_LIMIT_PRIORITY_CLASS = 0x20;
export const JOB_OBJECT_LIMIT_AFFINITY = 0x10;
export const JOB_OBJECT_LIMIT_BREAKAWAY_OK = 0x800;
export const JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK = 0x1000;
export const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;
/** The job's processes together may commit at most JobMemoryLimit (offset 120). */
export const JOB_OBJECT_LIMIT_JOB_MEMORY = 0x200;
const JOB_MEMORY_LIMIT_OFFSET = 120;

/** The job limits servitor sets. */
export interface JobLimits {
  /** Every process of the job ends when its last handle closes (the host ending, however it ends). */
  killOnClose: boolean;
  /** Children may leave the job; servitor's own job allows none. */
  breakaway: "none" | "on_request" | "silent";
  /** The committed memory all the job's processes together may have (JOB_OBJECT_LIMIT_JOB_MEMORY). */
  memoryBytes?: number;
}

/** Encodes a JOBOBJECT_EXTENDED_LIMIT_INFORMATION. */
export function encodeJobLimits(limits: JobLimits): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE);
  let flags = limits.killOnClose ? JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE : 0;
  if (limits.breakaway === "on_request") flags |= JOB_OBJECT_LIMIT_BREAKAWAY_OK;
  if (limits.breakaway === "silent") flags |= JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
  if (limits.memoryBytes !== undefined) {
    flags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
    view(bytes).setBigUint64(JOB_MEMORY_LIMIT_OFFSET, BigInt(limits.memoryBytes), true);
  }
  view(bytes).setUint32(16, flags, true);
  return bytes;
}

/** Reads the JobMemoryLimit of a JOBOBJECT_EXTENDED_LIMIT_INFORMATION; undefined when its flag is not set. */
export function decodeJobMemoryLimit(bytes: Uint8Array): number | undefined {
  if ((decodeJobLimitFlags(bytes) & JOB_OBJECT_LIMIT_JOB_MEMORY) === 0) return undefined;
  return Number(view(bytes).getBigUint64(JOB_MEMORY_LIMIT_OFFSET, true));
}

// JOBOBJECT_ASSOCIATE_COMPLETION_PORT on x64: CompletionKey 0, CompletionPort 8; 16 bytes.
export const JOBOBJECT_ASSOCIATE_COMPLETION_PORT_SIZE = 16;

/** Encodes a JOBOBJECT_ASSOCIATE_COMPLETION_PORT: the key the job's messages carry, and the port's handle. */
export function encodeJobCompletionPort(key: bigint, port: bigint): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(JOBOBJECT_ASSOCIATE_COMPLETION_PORT_SIZE);
  view(bytes).setBigUint64(0, key, true);
  view(bytes).setBigUint64(8, port, true);
  return bytes;
}

/** A job's message (JOB_OBJECT_MSG_*), as a completion port hands it on. */
export type JobMessageKind =
  | "new_process"
  | "exit_process"
  | "abnormal_exit_process"
  | "active_process_zero"
  | "process_memory_limit"
  | "job_memory_limit"
  | "other";

/** JOB_OBJECT_MSG_* by number (the completion's "bytes transferred"). */
const jobMessages: Record<number, JobMessageKind> = {
  4: "active_process_zero",
  6: "new_process",
  7: "exit_process",
  8: "abnormal_exit_process",
  9: "process_memory_limit",
  10: "job_memory_limit",
};

/**
 * The kind of a job's message by its JOB_OBJECT_MSG_* number.
 *
 * @example
 * ```ts
 * import { jobMessageKind } from "./structs.ts";
 * jobMessageKind(10); // "job_memory_limit"
 * ```
 */
export function jobMessageKind(message: number): JobMessageKind {
  return jobMessages[message] ?? "other";
}

// JOBOBJECT_CPU_RATE_CONTROL_INFORMATION: ControlFlags 0, CpuRate 4 (a union with Weight and Min/MaxRate).
export const JOBOBJECT_CPU_RATE_CONTROL_INFORMATION_SIZE = 8;
export const JOB_OBJECT_CPU_RATE_CONTROL_ENABLE = 0x1;
export const JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP = 0x4;

/**
 * Encodes a hard cap of the job's CPU: `rate` is in hundredths of a percent of ALL the machine's
 * processors (1 … 10000), as JOBOBJECT_CPU_RATE_CONTROL_INFORMATION's CpuRate is.
 */
export function encodeCpuRateHardCap(rate: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(JOBOBJECT_CPU_RATE_CONTROL_INFORMATION_SIZE);
  const v = view(bytes);
  v.setUint32(0, JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, true);
  v.setUint32(4, rate, true);
  return bytes;
}

/**
 * CpuRate for a cap of `percent` of ONE core on a machine of `processors`: hundredths of a percent of all
 * of them, at least 1 and at most 10000 (the whole machine).
 *
 * @example
 * ```ts
 * import { cpuRateFor } from "./structs.ts";
 * cpuRateFor(50, 4); // 1250: half a core of four is 12.5 % of the machine
 * ```
 */
export function cpuRateFor(percent: number, processors: number): number {
  return Math.min(10_000, Math.max(1, Math.round((percent * 100) / processors)));
}

/** Decodes a JOBOBJECT_CPU_RATE_CONTROL_INFORMATION's hard cap; undefined when the job has none. */
export function decodeCpuRateHardCap(bytes: Uint8Array): number | undefined {
  const v = view(bytes);
  const flags = v.getUint32(0, true);
  const capped = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP;
  return (flags & capped) === capped ? v.getUint32(4, true) : undefined;
}

/** Reads the LimitFlags of a JOBOBJECT_EXTENDED_LIMIT_INFORMATION. */
export function decodeJobLimitFlags(bytes: Uint8Array): number {
  return view(bytes).getUint32(16, true);
}

// SECURITY_ATTRIBUTES on x64: nLength 0, lpSecurityDescriptor 8, bInheritHandle 16; 24 bytes.
export const SECURITY_ATTRIBUTES_SIZE = 24;

/** Encodes a SECURITY_ATTRIBUTES with the default descriptor, saying whether the handle is inheritable. */
export function encodeSecurityAttributes(inherit: boolean): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(SECURITY_ATTRIBUTES_SIZE);
  const v = view(bytes);
  v.setUint32(0, SECURITY_ATTRIBUTES_SIZE, true);
  v.setInt32(16, inherit ? 1 : 0, true);
  return bytes;
}

// OVERLAPPED on x64: Internal 0, InternalHigh 8, Offset 16, OffsetHigh 20, hEvent 24; 32 bytes.
const OVERLAPPED_SIZE = 32;

/**
 * Encodes an OVERLAPPED for a read that signals `event` (a HANDLE's value) when it completes, at offset 0
 * (a pipe has none). On an ArrayBuffer of its own: the system writes to it after the call that took it has
 * returned, and V8 never moves an ArrayBuffer's memory (a small typed array's own storage may move).
 */
export function encodeOverlapped(event: bigint): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(new ArrayBuffer(OVERLAPPED_SIZE));
  view(bytes).setBigUint64(24, event, true);
  return bytes;
}

// STARTUPINFOEXW on x64: STARTUPINFOW (cb = 112) 0–104, lpAttributeList 104; 112 bytes.
export const STARTUPINFOEX_SIZE = 112;

/** Encodes a STARTUPINFOEXW: a STARTUPINFOW followed by the address of a PROC_THREAD_ATTRIBUTE_LIST. */
export function encodeStartupInfoEx(info: StartupInfo, attributeList: bigint): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(STARTUPINFOEX_SIZE);
  bytes.set(encodeStartupInfo(info));
  const v = view(bytes);
  v.setUint32(0, STARTUPINFOEX_SIZE, true);
  v.setBigUint64(STARTUPINFO_SIZE, attributeList, true);
  return bytes;
}

// PROCESSENTRY32W on x64: dwSize 0, th32ProcessID 8, cntThreads 28, th32ParentProcessID 32,
// szExeFile (260 WCHARs) 44; 568 bytes.
export const PROCESSENTRY32_SIZE = 568;

/** One process as a Toolhelp snapshot lists it. */
export interface ProcessEntry {
  processId: number;
  /** The process that created it; it may have ended since, and its id may be reused. */
  parentProcessId: number;
  threads: number;
  /** The executable's file name, without its folder. */
  exeFile: string;
}

/** An empty PROCESSENTRY32W with its dwSize set, for Process32FirstW/NextW to fill. */
export function newProcessEntry(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(PROCESSENTRY32_SIZE);
  view(bytes).setUint32(0, PROCESSENTRY32_SIZE, true);
  return bytes;
}

/** Decodes a PROCESSENTRY32W. */
export function decodeProcessEntry(bytes: Uint8Array): ProcessEntry {
  const v = view(bytes);
  return {
    processId: v.getUint32(8, true),
    parentProcessId: v.getUint32(32, true),
    threads: v.getUint32(28, true),
    exeFile: readWide(bytes.subarray(44, PROCESSENTRY32_SIZE)),
  };
}

// THREADENTRY32: dwSize 0, th32ThreadID 8, th32OwnerProcessID 12; 28 bytes.
export const THREADENTRY32_SIZE = 28;

/** One thread as a Toolhelp snapshot lists it. */
export interface ThreadEntry {
  threadId: number;
  processId: number;
}

/** An empty THREADENTRY32 with its dwSize set, for Thread32First/Next to fill. */
export function newThreadEntry(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(THREADENTRY32_SIZE);
  view(bytes).setUint32(0, THREADENTRY32_SIZE, true);
  return bytes;
}

/** Decodes a THREADENTRY32. */
export function decodeThreadEntry(bytes: Uint8Array): ThreadEntry {
  const v = view(bytes);
  return { threadId: v.getUint32(8, true), processId: v.getUint32(12, true) };
}

// JOBOBJECT_BASIC_PROCESS_ID_LIST on x64: NumberOfAssignedProcesses 0, NumberOfProcessIdsInList 4,
// ProcessIdList (ULONG_PTR each) from 8.
export const JOBOBJECT_BASIC_PROCESS_ID_LIST_HEADER_SIZE = 8;

/** Decodes a JOBOBJECT_BASIC_PROCESS_ID_LIST: the job's process ids, and how many it has in all. */
export function decodeJobProcessIdList(bytes: Uint8Array): { assigned: number; processIds: number[] } {
  const v = view(bytes);
  const listed = v.getUint32(4, true);
  const processIds: number[] = [];
  for (let i = 0; i < listed; i++) {
    processIds.push(Number(v.getBigUint64(JOBOBJECT_BASIC_PROCESS_ID_LIST_HEADER_SIZE + i * POINTER, true)));
  }
  return { assigned: v.getUint32(0, true), processIds };
}

/**
 * Encodes an environment block for CreateProcessW with CREATE_UNICODE_ENVIRONMENT: `NAME=value` strings,
 * each NUL-terminated, sorted by name without regard to case as CreateProcessW's documentation asks, the
 * whole ending in one more NUL (an empty environment is two NULs).
 */
export function encodeEnvironmentBlock(environment: Record<string, string>): Uint8Array<ArrayBuffer> {
  const entries = Object.entries(environment);
  for (const [name, value] of entries) {
    // A leading "=" is Windows' own per-drive current directory ("=C:=C:\work"); elsewhere it ends the name.
    if (name === "" || name.includes("\0") || name.indexOf("=", 1) !== -1) {
      throw new RangeError(
        `an environment variable's name cannot be empty or contain = or NUL: ${JSON.stringify(name)}`,
      );
    }
    if (value.includes("\0")) throw new RangeError(`the environment variable ${name} contains NUL`);
  }
  const upper = (name: string) => name.toUpperCase();
  entries.sort(([a], [b]) => (upper(a) < upper(b) ? -1 : upper(a) > upper(b) ? 1 : 0));
  const text = entries.map(([name, value]) => `${name}=${value}\0`).join("");
  return wide(text === "" ? "\0" : text);
}
