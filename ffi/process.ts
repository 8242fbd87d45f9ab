/**
 * Processes as a service host starts and ends them: CreateProcessW (suspended, in a console of its own or
 * none, with exactly the standard handles given and no other handle inherited), a job object that ends
 * every process it holds when it is closed, anonymous pipes read without blocking the event loop, waiting
 * for an exit without blocking it either, and the Toolhelp snapshots that find a process's tree and threads.
 *
 * Handles are {@link Handle} objects, closed on every path; their pointers never leave this module.
 * @module
 */
import * as W from "./constants.ts";
import { check, unless, Win32Error } from "./error.ts";
import { INFINITE } from "./types.ts";
import { kernel32 } from "./kernel32.ts";
import { addressOf } from "./memory.ts";
import { wide } from "./strings.ts";
import {
  decodeJobProcessIdList,
  decodeProcessEntry,
  decodeProcessInformation,
  decodeThreadEntry,
  encodeEnvironmentBlock,
  encodeJobLimits,
  encodeSecurityAttributes,
  encodeStartupInfoEx,
  type JobLimits,
  JOBOBJECT_BASIC_PROCESS_ID_LIST_HEADER_SIZE,
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE,
  newProcessEntry,
  newThreadEntry,
  PROCESS_INFORMATION_SIZE,
  type ProcessEntry,
  type ThreadEntry,
} from "./structs.ts";

export type { ProcessEntry, ThreadEntry };

/** A process priority class, named as SetPriorityClass's constants without _PRIORITY_CLASS. */
export type PriorityClass = "realtime" | "high" | "above_normal" | "normal" | "below_normal" | "idle";

const priorityClasses: Record<PriorityClass, number> = {
  realtime: W.REALTIME_PRIORITY_CLASS,
  high: W.HIGH_PRIORITY_CLASS,
  above_normal: W.ABOVE_NORMAL_PRIORITY_CLASS,
  normal: W.NORMAL_PRIORITY_CLASS,
  below_normal: W.BELOW_NORMAL_PRIORITY_CLASS,
  idle: W.IDLE_PRIORITY_CLASS,
};

/**
 * The *_PRIORITY_CLASS value of a priority, as CreateProcessW's dwCreationFlags and SetPriorityClass take it.
 *
 * @example
 * ```ts
 * import { priorityClassValue } from "./process.ts";
 * priorityClassValue("below_normal"); // 0x4000
 * ```
 */
export function priorityClassValue(priority: PriorityClass): number {
  return priorityClasses[priority];
}

/** The priority class GetPriorityClass reports, by name; `undefined` for a value servitor doesn't set. */
export function priorityClassName(value: number): PriorityClass | undefined {
  return (Object.keys(priorityClasses) as PriorityClass[]).find((name) => priorityClasses[name] === value);
}

/**
 * The affinity mask (a DWORD_PTR: one bit a processor) for a list of processor numbers, as
 * SetProcessAffinityMask takes it. x64 Windows gives a process at most 64 processors this way.
 *
 * @example
 * ```ts
 * import { affinityMask } from "./process.ts";
 * affinityMask([0, 1, 2, 4]); // 0b10111n — NSSM's AppAffinity "0-2,4"
 * ```
 */
export function affinityMask(processors: readonly number[]): bigint {
  let mask = 0n;
  for (const processor of processors) {
    if (!Number.isInteger(processor) || processor < 0 || processor > 63) {
      throw new RangeError(`a processor number is 0 to 63, not ${processor}`);
    }
    mask |= 1n << BigInt(processor);
  }
  return mask;
}

const INVALID_HANDLE_VALUE = 0xFFFF_FFFF_FFFF_FFFFn;

/** The pointer inside a Handle; for this module only (set by Handle's static block). */
let rawOf: (handle: Handle) => Deno.PointerObject;
/** The process handle inside a ChildProcess; for this module only. */
let processHandleOf: (child: ChildProcess) => Handle;
/** The process handle inside a ChildProcess; for this module only. */
/** A kernel handle servitor owns. Closing it twice does nothing. */
export class Handle implements Disposable {
  #raw: Deno.PointerObject | null;

  constructor(raw: Deno.PointerObject) {
    this.#raw = raw;
  }

  static {
    rawOf = (handle) => {
      if (!handle.#raw) throw new Error("this handle is closed");
      return handle.#raw;
    };
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return this.#raw === null;
  }

  /** CloseHandle. */
  close(): void {
    const raw = this.#raw;
    this.#raw = null;
    if (raw) check("CloseHandle", kernel32().CloseHandle(raw));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A HANDLE's numeric value, as STARTUPINFOW and PROC_THREAD_ATTRIBUTE_HANDLE_LIST hold it. */
function valueOf(handle: Handle): bigint {
  return BigInt(Deno.UnsafePointer.value(rawOf(handle)));
}

/** Wraps a HANDLE that is INVALID_HANDLE_VALUE on failure (CreateFileW, CreateToolhelp32Snapshot). */
function checkHandle(fn: string, raw: Deno.PointerValue): Handle {
  const value = raw ? BigInt(Deno.UnsafePointer.value(raw)) : 0n;
  check(fn, value !== 0n && value !== INVALID_HANDLE_VALUE);
  return new Handle(raw!);
}

function pointerOf(value: bigint): Deno.PointerObject {
  return Deno.UnsafePointer.create(value)!;
}

// ---------------------------------------------------------------------------------------------------------
// Standard handles for a child

/** Opens NUL for the child to read from (an immediate end of input) or write to; inheritable. */
export function openNul(access: "read" | "write"): Handle {
  return openFile("NUL", access);
}

/** Opens an existing file for the child to read as its stdin; inheritable. */
export function openForReading(path: string): Handle {
  return openFile(path, "read");
}

/**
 * Opens (creating it when missing) a file for the child to write its output into, every write at the end
 * of the file — also when the host or another stream appends to it too; inheritable. Shared for reading,
 * writing and deletion, so a person can read, copy, rename or delete the log while the program runs.
 */
export function openForAppending(path: string): Handle {
  return openFile(path, "append");
}

const fileAccess = {
  read: { access: W.GENERIC_READ, disposition: W.OPEN_EXISTING },
  write: { access: W.GENERIC_WRITE, disposition: W.OPEN_EXISTING },
  append: { access: W.FILE_APPEND_DATA | W.SYNCHRONIZE, disposition: W.OPEN_ALWAYS },
};

function openFile(path: string, mode: keyof typeof fileAccess): Handle {
  const { access, disposition } = fileAccess[mode];
  return checkHandle(
    "CreateFileW",
    kernel32().CreateFileW(
      wide(path),
      access,
      W.FILE_SHARE_READ | W.FILE_SHARE_WRITE | W.FILE_SHARE_DELETE,
      encodeSecurityAttributes(true),
      disposition,
      W.FILE_ATTRIBUTE_NORMAL,
      null,
    ),
  );
}

const standardHandles = {
  input: W.STD_INPUT_HANDLE,
  output: W.STD_OUTPUT_HANDLE,
  error: W.STD_ERROR_HANDLE,
};

/**
 * An inheritable duplicate of this process's own standard handle, for a child that shares it; `null` when
 * this process has none (a service has no console, and no standard handles unless given some).
 */
export function duplicateStandardHandle(which: keyof typeof standardHandles): Handle | null {
  const own = kernel32().GetStdHandle(standardHandles[which]);
  const value = own ? BigInt(Deno.UnsafePointer.value(own)) : 0n;
  if (value === 0n || value === INVALID_HANDLE_VALUE) return null;
  const duplicate = new BigUint64Array(1);
  const self = kernel32().GetCurrentProcess();
  const ok = kernel32().DuplicateHandle(
    self,
    own,
    self,
    new Uint8Array(duplicate.buffer),
    0,
    1,
    W.DUPLICATE_SAME_ACCESS,
  );
  // Some standard handles can't be duplicated (pre-Windows 8 console pseudo-handles): then the child gets none.
  return unless([W.ERROR_INVALID_HANDLE], () => check("DuplicateHandle", ok)) === undefined
    ? null
    : new Handle(pointerOf(duplicate[0]));
}

/**
 * An anonymous pipe for a child's output: the write end inheritable (for the child), the read end not (so
 * no child holds it, and the read ends when the child and everything it started have closed theirs).
 */
/**
 * The pipe's buffer, and what one read takes from it: with the default (a page or so) a fast writer waits
 * for the reader after every few KiB, and each read is a hop to another thread and back.
 */
const PIPE_BUFFER_BYTES = 1024 * 1024;

export function createPipe(): { read: Handle; write: Handle } {
  const ends = new BigUint64Array(2);
  check(
    "CreatePipe",
    kernel32().CreatePipe(
      new Uint8Array(ends.buffer, 0, 8),
      new Uint8Array(ends.buffer, 8, 8),
      encodeSecurityAttributes(false),
      PIPE_BUFFER_BYTES,
    ),
  );
  const read = new Handle(pointerOf(ends[0]));
  const write = new Handle(pointerOf(ends[1]));
  try {
    check(
      "SetHandleInformation",
      kernel32().SetHandleInformation(rawOf(write), W.HANDLE_FLAG_INHERIT, W.HANDLE_FLAG_INHERIT),
    );
  } catch (error) {
    read.close();
    write.close();
    throw error;
  }
  return { read, write };
}

/** Whether a handle is inheritable (GetHandleInformation). */
export function isInheritable(handle: Handle): boolean {
  const flags = new Uint32Array(1);
  check("GetHandleInformation", kernel32().GetHandleInformation(rawOf(handle), new Uint8Array(flags.buffer)));
  return (flags[0] & W.HANDLE_FLAG_INHERIT) !== 0;
}

/**
 * Whether `value` (a HANDLE's number, as another process printed it) is an open handle of this process:
 * how a child checks which handles it inherited.
 */
export function isOpenHandleValue(value: bigint): boolean {
  const flags = new Uint32Array(1);
  return kernel32().GetHandleInformation(pointerOf(value), new Uint8Array(flags.buffer)) !== 0;
}

/** The numeric value of a handle, for passing to another process in a test. */
export function handleValue(handle: Handle): bigint {
  return valueOf(handle);
}

/**
 * The read end of a pipe as a stream. Each ReadFile runs on another thread (`nonblocking`), so a program
 * that writes nothing never blocks the event loop. The stream ends when every writer has closed its end
 * (ReadFile fails, normally with ERROR_BROKEN_PIPE; the error of a call on another thread can't be read
 * here, and any failure ends the stream the same way). The read end is closed when the stream ends, is
 * cancelled, or {@link PipeReader.abandon} is called — never while a ReadFile on it is in flight.
 */
export class PipeReader {
  /** The bytes, in the chunks the writer wrote them. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Resolves once the read end is closed. */
  readonly closed: Promise<void>;
  #handle: Handle;
  #buffer = new Uint8Array(PIPE_BUFFER_BYTES);
  #count = new Uint32Array(1);
  #reading = false;
  #abandoned = false;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #resolveClosed!: () => void;

  /** Takes ownership of `read`. */
  constructor(read: Handle) {
    this.#handle = read;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: async (controller) => {
        const bytes = await this.#read();
        // Abandoned meanwhile: abandon() has closed the stream already.
        if (this.#abandoned) return;
        if (bytes) {
          controller.enqueue(bytes);
        } else {
          controller.close();
          this.#finish();
        }
      },
      cancel: () => this.abandon(),
    });
  }

  async #read(): Promise<Uint8Array | null> {
    if (this.#abandoned) return null;
    this.#reading = true;
    try {
      const ok = await kernel32().ReadFile(
        rawOf(this.#handle),
        this.#buffer,
        this.#buffer.length,
        new Uint8Array(this.#count.buffer),
        null,
      );
      // A zero-byte read that succeeds is a writer's zero-byte write, not the end.
      return ok ? this.#buffer.slice(0, this.#count[0]) : null;
    } finally {
      this.#reading = false;
      if (this.#abandoned) this.#finish();
    }
  }

  /**
   * Stops reading: the stream ends after the chunks it holds, and the read end is closed now, or as soon
   * as the read in flight returns.
   */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    try {
      this.#controller.close();
    } catch {
      // closed or cancelled already
    }
    if (!this.#reading) this.#finish();
  }

  #finish() {
    if (!this.#handle.closed) this.#handle.close();
    this.#resolveClosed();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Creating a process

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
  setPriority(priority: PriorityClass): void {
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
   * Resolves to the exit code when the process ends. The wait runs on another thread, so it never blocks
   * the event loop; the handle stays open until it returns (closing a handle that is being waited on is
   * undefined behaviour, WaitForSingleObject's documentation says).
   */
  wait(): Promise<number> {
    this.#exited ??= (async () => {
      for (;;) {
        const result = await kernel32().WaitForSingleObject(rawOf(this.#process), INFINITE);
        if (result !== W.WAIT_TIMEOUT) break;
      }
      return this.exitCode() ?? 0;
    })();
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

// ---------------------------------------------------------------------------------------------------------
// Job objects

/**
 * A job object. servitor's has JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE and allows no breakaway: every process
 * in it, and every process they start, ends when its last handle closes — also when this process is
 * killed, since Windows then closes its handles. Jobs nest (Windows 8 and later), so a program inside
 * Deno's own job can be put in this one too.
 */
export class Job implements Disposable {
  #handle: Handle;

  private constructor(handle: Handle) {
    this.#handle = handle;
  }

  /** CreateJobObjectW (unnamed, its handle not inheritable) and SetInformationJobObject with `limits`. */
  static create(limits: JobLimits): Job {
    const job = new Job(new Handle(check("CreateJobObjectW", kernel32().CreateJobObjectW(null, null))));
    try {
      const information = encodeJobLimits(limits);
      check(
        "SetInformationJobObject",
        kernel32().SetInformationJobObject(
          rawOf(job.#handle),
          W.JobObjectExtendedLimitInformation,
          information,
          JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE,
        ),
      );
    } catch (error) {
      job.close();
      throw error;
    }
    return job;
  }

  /** AssignProcessToJobObject: before the process runs (created suspended), so all it starts is in the job. */
  assign(child: ChildProcess): void {
    check(
      "AssignProcessToJobObject",
      kernel32().AssignProcessToJobObject(rawOf(this.#handle), rawOf(processHandleOf(child))),
    );
  }

  /** Whether a process is in this job (IsProcessInJob). */
  contains(child: ChildProcess): boolean {
    const result = new Int32Array(1);
    check(
      "IsProcessInJob",
      kernel32().IsProcessInJob(
        rawOf(processHandleOf(child)),
        rawOf(this.#handle),
        new Uint8Array(result.buffer),
      ),
    );
    return result[0] !== 0;
  }

  /** The ids of the processes in the job now (JobObjectBasicProcessIdList). */
  processIds(): number[] {
    for (let capacity = 64;; capacity *= 4) {
      const bytes = new Uint8Array(JOBOBJECT_BASIC_PROCESS_ID_LIST_HEADER_SIZE + capacity * 8);
      const ok = kernel32().QueryInformationJobObject(
        rawOf(this.#handle),
        W.JobObjectBasicProcessIdList,
        bytes,
        bytes.length,
        null,
      );
      // ERROR_MORE_DATA: the list was cut short; ask again with room for all.
      const complete = unless([W.ERROR_MORE_DATA], () =>
        check("QueryInformationJobObject", ok)) !== undefined;
      const list = decodeJobProcessIdList(bytes);
      if (complete || list.assigned <= list.processIds.length) return list.processIds;
    }
  }

  /** TerminateJobObject: ends every process in the job with `exitCode`. */
  terminate(exitCode: number): void {
    check("TerminateJobObject", kernel32().TerminateJobObject(rawOf(this.#handle), exitCode));
  }

  /** Closes the job's handle: with KILL_ON_JOB_CLOSE, whatever is still in it ends. */
  close(): void {
    this.#handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Processes by id, and snapshots

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
): { priority: PriorityClass | undefined; affinity: bigint } | undefined {
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

/** Every process on the system now (a Toolhelp snapshot). */
export function listProcesses(): ProcessEntry[] {
  return walkSnapshot(
    W.TH32CS_SNAPPROCESS,
    newProcessEntry,
    ["Process32FirstW", (h, e) => kernel32().Process32FirstW(h, e)],
    ["Process32NextW", (h, e) => kernel32().Process32NextW(h, e)],
    decodeProcessEntry,
  );
}

/** Every thread on the system now, with the process it belongs to (a Toolhelp snapshot). */
export function listThreads(): ThreadEntry[] {
  return walkSnapshot(
    W.TH32CS_SNAPTHREAD,
    newThreadEntry,
    ["Thread32First", (h, e) => kernel32().Thread32First(h, e)],
    ["Thread32Next", (h, e) => kernel32().Thread32Next(h, e)],
    decodeThreadEntry,
  );
}

type SnapshotStep = [string, (snapshot: Deno.PointerObject, entry: Uint8Array<ArrayBuffer>) => number];

function walkSnapshot<T>(
  kind: number,
  newEntry: () => Uint8Array<ArrayBuffer>,
  [firstName, first]: SnapshotStep,
  [nextName, next]: SnapshotStep,
  decode: (bytes: Uint8Array) => T,
): T[] {
  using snapshot = checkHandle("CreateToolhelp32Snapshot", kernel32().CreateToolhelp32Snapshot(kind, 0));
  const entries: T[] = [];
  const entry = newEntry();
  // ERROR_NO_MORE_FILES ends the walk.
  let more = unless([W.ERROR_NO_MORE_FILES], () => check(firstName, first(rawOf(snapshot), entry)));
  while (more !== undefined) {
    entries.push(decode(entry));
    more = unless([W.ERROR_NO_MORE_FILES], () => check(nextName, next(rawOf(snapshot), entry)));
  }
  return entries;
}

/**
 * The processes below `root` in `processes` (children, their children …), deepest first. Parent ids are
 * only as good as the snapshot: a process whose parent ended is found only while its parent's id is not
 * reused, so callers that own a job ask the job instead ({@link Job.processIds}) and use this for order.
 */
export function descendants(root: number, processes: readonly ProcessEntry[]): number[] {
  const children = new Map<number, number[]>();
  for (const { processId, parentProcessId } of processes) {
    // The System Idle Process is its own parent.
    if (processId === parentProcessId) continue;
    children.set(parentProcessId, [...(children.get(parentProcessId) ?? []), processId]);
  }
  const found: { pid: number; depth: number }[] = [];
  const seen = new Set([root]);
  const visit = (pid: number, depth: number) => {
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push({ pid: child, depth });
      visit(child, depth + 1);
    }
  };
  visit(root, 1);
  return found.sort((a, b) => b.depth - a.depth).map(({ pid }) => pid);
}
