/**
 * Processes as a service host starts and ends them: CreateProcessW (suspended, in a console of its own or
 * none, with exactly the standard handles given and no other handle inherited), waiting for an exit without
 * blocking the event loop, and processes found by id. Their standard handles are ./std_handles.ts and
 * ./pipe.ts, the job that holds them ./job.ts, their trees ./toolhelp.ts.
 * @module
 */
import * as W from "./constants.ts";
import { check, unless, Win32Error } from "./error.ts";
import { waitFor } from "./wait.ts";
import { kernel32 } from "./kernel32.ts";
import { addressOf } from "./memory.ts";
import { wide } from "./strings.ts";
import {
  decodeProcessInformation,
  encodeEnvironmentBlock,
  encodeStartupInfoEx,
  PROCESS_INFORMATION_SIZE,
} from "./structs.ts";
import { Handle, pointerOf, rawOf, valueOf } from "./handle.ts";
import { priorityClassName, priorityClassValue } from "./priority.ts";
import type { Priority } from "../service/spec.ts";

/** The process handle inside a ChildProcess, for ./job.ts (set by ChildProcess's static block). */
export let processHandleOf: (child: ChildProcess) => Handle;

/** What CreateProcessW is given. */
export interface ProcessCreation {
  /** The whole command line, the program quoted first (service/command_line.ts's windowsCommandLine). */
  commandLine: string;
  /** The working directory. */
  directory: string;
  /** The process's whole environment. */
  environment: Record<string, string>;
  /** The standard handles; each must be inheritable, and no other handle is inherited. */
  stdio: { input: Handle; output: Handle; error: Handle };
  /** A new console of its own, hidden (CREATE_NEW_CONSOLE, SW_HIDE); otherwise this process's console. */
  newConsole: boolean;
  /** Created with its first thread suspended (CREATE_SUSPENDED), to be resumed with resume(). */
  suspended: boolean;
}

/**
 * Creates a process. Only `stdio`'s handles are inherited: they are listed in a
 * PROC_THREAD_ATTRIBUTE_HANDLE_LIST, so no other inheritable handle this process has (another child's pipe,
 * say) leaks into it. Throws the Win32Error of CreateProcessW when it can't be started.
 */
export function createProcess(creation: ProcessCreation): ChildProcess {
  const inherited = [
    ...new Set([creation.stdio.input, creation.stdio.output, creation.stdio.error].map(valueOf)),
  ];
  const handleList = new BigUint64Array(inherited);
  const listSize = new BigUint64Array(1);
  const listSizeBytes = new Uint8Array(listSize.buffer);
  // The first call only says how big the list is: it fails with ERROR_INSUFFICIENT_BUFFER by design.
  unless([W.ERROR_INSUFFICIENT_BUFFER], () =>
    check(
      "InitializeProcThreadAttributeList",
      kernel32().InitializeProcThreadAttributeList(null, 1, 0, listSizeBytes),
    ));
  const attributes = new Uint8Array(Number(listSize[0]));
  check(
    "InitializeProcThreadAttributeList",
    kernel32().InitializeProcThreadAttributeList(attributes, 1, 0, listSizeBytes),
  );
  try {
    check(
      "UpdateProcThreadAttribute",
      kernel32().UpdateProcThreadAttribute(
        attributes,
        0,
        BigInt(W.PROC_THREAD_ATTRIBUTE_HANDLE_LIST),
        new Uint8Array(handleList.buffer),
        BigInt(handleList.byteLength),
        null,
        null,
      ),
    );
    const startupInfo = encodeStartupInfoEx(
      {
        ...(creation.newConsole ? { showWindow: W.SW_HIDE } : {}),
        stdHandles: {
          input: valueOf(creation.stdio.input),
          output: valueOf(creation.stdio.output),
          error: valueOf(creation.stdio.error),
        },
      },
      addressOf(attributes),
    );
    const flags = W.CREATE_UNICODE_ENVIRONMENT | W.EXTENDED_STARTUPINFO_PRESENT |
      (creation.suspended ? W.CREATE_SUSPENDED : 0) |
      (creation.newConsole ? W.CREATE_NEW_CONSOLE : 0);
    const information = new Uint8Array(PROCESS_INFORMATION_SIZE);
    check(
      "CreateProcessW",
      kernel32().CreateProcessW(
        // No application name: the quoted program leads the command line, and CreateProcessW then runs a
        // .bat or .cmd through cmd.exe as it documents, as NSSM does.
        null,
        wide(creation.commandLine),
        null,
        null,
        1,
        flags,
        encodeEnvironmentBlock(creation.environment),
        wide(creation.directory),
        startupInfo,
        information,
      ),
    );
    const info = decodeProcessInformation(information);
    return new ChildProcess(
      new Handle(pointerOf(info.process)),
      new Handle(pointerOf(info.thread)),
      info.processId,
    );
  } finally {
    kernel32().DeleteProcThreadAttributeList(attributes);
  }
}

/** A process this process created: its process and first-thread handles, closed by close(). */
export class ChildProcess implements AsyncDisposable {
  readonly pid: number;
  #process: Handle;
  #thread: Handle;
  #exited: Promise<number> | undefined;

  constructor(process: Handle, thread: Handle, pid: number) {
    this.#process = process;
    this.#thread = thread;
    this.pid = pid;
  }

  /** ResumeThread on the first thread of a process created suspended. */
  resume(): void {
    check("ResumeThread", kernel32().ResumeThread(rawOf(this.#thread)) !== 0xFFFFFFFF);
  }

  /**
   * SetPriorityClass. Set while the process is suspended, it holds from its first instruction, as the
   * creation flag would — which Wine 10 ignores (tested), while it honours SetPriorityClass.
   */
  setPriority(priority: Priority): void {
    check(
      "SetPriorityClass",
      kernel32().SetPriorityClass(rawOf(this.#process), priorityClassValue(priority)),
    );
  }

  /** SetProcessAffinityMask. */
  setAffinity(mask: bigint): void {
    check("SetProcessAffinityMask", kernel32().SetProcessAffinityMask(rawOf(this.#process), mask));
  }

  /** GetProcessAffinityMask: the process's mask and the system's (the processors there are). */
  affinity(): { process: bigint; system: bigint } {
    const masks = new BigUint64Array(2);
    check(
      "GetProcessAffinityMask",
      kernel32().GetProcessAffinityMask(
        rawOf(this.#process),
        new Uint8Array(masks.buffer, 0, 8),
        new Uint8Array(masks.buffer, 8, 8),
      ),
    );
    return { process: masks[0], system: masks[1] };
  }

  /** TerminateProcess; false when it had already ended. */
  terminate(exitCode: number): boolean {
    if (this.exitCode() !== undefined) return false;
    return unless(
      [W.ERROR_ACCESS_DENIED],
      () => check("TerminateProcess", kernel32().TerminateProcess(rawOf(this.#process), exitCode)),
    ) !== undefined;
  }

  /** The exit code, or `undefined` while it runs; never waits. */
  exitCode(): number | undefined {
    const result = kernel32().WaitForSingleObjectNow(rawOf(this.#process), 0);
    if (result === W.WAIT_TIMEOUT) return undefined;
    check("WaitForSingleObject", result !== W.WAIT_FAILED);
    const code = new Uint32Array(1);
    check(
      "GetExitCodeProcess",
      kernel32().GetExitCodeProcess(rawOf(this.#process), new Uint8Array(code.buffer)),
    );
    return code[0];
  }

  /**
   * Resolves to the exit code when the process ends. The wait is one of ffi/wait.ts's, on another thread,
   * so it never blocks the event loop; the handle stays open until it returns (closing a handle that is
   * being waited on is undefined behaviour, WaitForMultipleObjects's documentation says).
   */
  wait(): Promise<number> {
    this.#exited ??= waitFor(this.#process).then(() => this.exitCode() ?? 0);
    return this.#exited;
  }

  /** Closes the handles, once a wait in flight has returned. */
  async close(): Promise<void> {
    this.#thread.close();
    if (this.#exited) await this.#exited.catch(() => {});
    this.#process.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  static {
    processHandleOf = (child) => child.#process;
  }
}

/** OpenProcess; `null` when no process has that id (any more): OpenProcess then fails with 87. */
function openProcess(pid: number, access: number): Handle | null {
  try {
    return new Handle(check("OpenProcess", kernel32().OpenProcess(access, 0, pid)));
  } catch (error) {
    if (error instanceof Win32Error && error.code === W.ERROR_INVALID_PARAMETER) return null;
    throw error;
  }
}

/** Whether the process `pid` exists and has not ended. */
export function isProcessRunning(pid: number): boolean {
  using handle = openProcess(pid, W.SYNCHRONIZE | W.PROCESS_QUERY_LIMITED_INFORMATION);
  return handle !== null && kernel32().WaitForSingleObjectNow(rawOf(handle), 0) === W.WAIT_TIMEOUT;
}

/** The priority class and processor affinity of the process `pid`; `undefined` when it has ended. */
export function processSettings(
  pid: number,
): { priority: Priority | undefined; affinity: bigint } | undefined {
  using handle = openProcess(pid, W.PROCESS_QUERY_INFORMATION);
  if (!handle) return undefined;
  const value = kernel32().GetPriorityClass(rawOf(handle));
  check("GetPriorityClass", value);
  const masks = new BigUint64Array(2);
  check(
    "GetProcessAffinityMask",
    kernel32().GetProcessAffinityMask(
      rawOf(handle),
      new Uint8Array(masks.buffer, 0, 8),
      new Uint8Array(masks.buffer, 8, 8),
    ),
  );
  return { priority: priorityClassName(value), affinity: masks[0] };
}

/** What a process has used: CPU time (kernel and user) and its working set, now. */
export interface ProcessUsage {
  cpuSeconds: number;
  workingSetBytes: number;
}

// PROCESS_MEMORY_COUNTERS: cb 0, PageFaultCount 4, PeakWorkingSetSize 8, WorkingSetSize 16 …; 72 bytes.
const PROCESS_MEMORY_COUNTERS_SIZE = 72;

/** GetProcessTimes and GetProcessMemoryInfo of `pid`; `undefined` when it has ended or may not be read. */
export function processUsage(pid: number): ProcessUsage | undefined {
  let handle: Handle | null;
  try {
    handle = openProcess(pid, W.PROCESS_QUERY_LIMITED_INFORMATION);
  } catch (error) {
    // Another account's process (a service running as SYSTEM, seen by a person): not ours to measure.
    if (error instanceof Win32Error && error.code === W.ERROR_ACCESS_DENIED) return undefined;
    throw error;
  }
  if (!handle) return undefined;
  using _handle = handle;
  // FILETIMEs, in 100 ns units: creation, exit, kernel, user.
  const times = new BigUint64Array(4);
  const bytes = new Uint8Array(times.buffer);
  if (
    !kernel32().GetProcessTimes(
      rawOf(handle),
      bytes.subarray(0, 8),
      bytes.subarray(8, 16),
      bytes.subarray(16, 24),
      bytes.subarray(24, 32),
    )
  ) return undefined;
  const counters = new Uint8Array(PROCESS_MEMORY_COUNTERS_SIZE);
  new DataView(counters.buffer).setUint32(0, PROCESS_MEMORY_COUNTERS_SIZE, true);
  const memory = kernel32().K32GetProcessMemoryInfo(rawOf(handle), counters, PROCESS_MEMORY_COUNTERS_SIZE);
  return {
    cpuSeconds: Number(times[2] + times[3]) / 1e7,
    workingSetBytes: memory ? Number(new DataView(counters.buffer).getBigUint64(16, true)) : 0,
  };
}

/** TerminateProcess by id; false when there is no such process (any more). */
export function terminateProcessById(pid: number, exitCode: number): boolean {
  using handle = openProcess(pid, W.PROCESS_TERMINATE | W.SYNCHRONIZE);
  if (!handle) return false;
  if (kernel32().WaitForSingleObjectNow(rawOf(handle), 0) !== W.WAIT_TIMEOUT) return false;
  return unless(
    [W.ERROR_ACCESS_DENIED],
    () => check("TerminateProcess", kernel32().TerminateProcess(rawOf(handle), exitCode)),
  ) !== undefined;
}
