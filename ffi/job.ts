/**
 * Job objects: every process in one, and every process they start, ends together.
 * @module
 */
import * as W from "./constants.ts";
import { check, unless } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { bindNow } from "./library.ts";
import {
  cpuRateFor,
  decodeCpuRateHardCap,
  decodeJobMemoryLimit,
  decodeJobProcessIdList,
  encodeCpuRateHardCap,
  encodeJobCompletionPort,
  encodeJobLimits,
  type JobLimits,
  type JobMessageKind,
  jobMessageKind,
  JOBOBJECT_ASSOCIATE_COMPLETION_PORT_SIZE,
  JOBOBJECT_BASIC_PROCESS_ID_LIST_HEADER_SIZE,
  JOBOBJECT_CPU_RATE_CONTROL_INFORMATION_SIZE,
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE,
} from "./structs.ts";
import { Handle, rawOf } from "./handle.ts";
import { type ChildProcess, processHandleOf } from "./process.ts";

/** Binds what {@link Job.processIds} calls ahead of the stop that will need it (see prepareCtrlC). */
export function prepareJobQuery(): void {
  bindNow(kernel32, ["QueryInformationJobObject"]);
}

/**
 * A job object. servitor's has JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE and allows no breakaway: every process
 * in it, and every process they start, ends when its last handle closes — also when this process is
 * killed, since Windows then closes its handles. Jobs nest (Windows 8 and later), so a program inside
 * Deno's own job can be put in this one too.
 */
export class Job implements Disposable {
  #handle: Handle;
  /** The completion port the job's messages go to, once `listen` has made it. */
  #port: Handle | undefined;

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

  /**
   * A hard cap on the job's CPU (JobObjectCpuRateControlInformation, Windows 8 and later): `percent` of ONE
   * core, turned into the share of all `processors` that CpuRate counts in.
   */
  capCpu(percent: number, processors: number): void {
    const information = encodeCpuRateHardCap(cpuRateFor(percent, processors));
    check(
      "SetInformationJobObject",
      kernel32().SetInformationJobObject(
        rawOf(this.#handle),
        W.JobObjectCpuRateControlInformation,
        information,
        JOBOBJECT_CPU_RATE_CONTROL_INFORMATION_SIZE,
      ),
    );
  }

  /**
   * The job's memory limit in bytes and its CPU hard cap as CpuRate (hundredths of a percent of all
   * processors), as the system holds them; undefined where none is set.
   */
  limits(): { memoryBytes?: number; cpuRate?: number } {
    const extended = new Uint8Array(JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE);
    check(
      "QueryInformationJobObject",
      kernel32().QueryInformationJobObject(
        rawOf(this.#handle),
        W.JobObjectExtendedLimitInformation,
        extended,
        extended.length,
        null,
      ),
    );
    const rate = new Uint8Array(JOBOBJECT_CPU_RATE_CONTROL_INFORMATION_SIZE);
    // ERROR_INVALID_PARAMETER: a system without CPU rate control (before Windows 8, Wine 10) has no cap.
    const capped = unless([W.ERROR_INVALID_PARAMETER], () =>
      check(
        "QueryInformationJobObject",
        kernel32().QueryInformationJobObject(
          rawOf(this.#handle),
          W.JobObjectCpuRateControlInformation,
          rate,
          rate.length,
          null,
        ),
      )) !== undefined;
    return {
      memoryBytes: decodeJobMemoryLimit(extended),
      cpuRate: capped ? decodeCpuRateHardCap(rate) : undefined,
    };
  }

  /**
   * Makes a completion port (CreateIoCompletionPort) and has the job post its messages to it
   * (JobObjectAssociateCompletionPortInformation), for `messages` to read: the only way Windows tells that
   * the job's memory limit refused an allocation.
   */
  listen(): void {
    const invalid = Deno.UnsafePointer.create(0xFFFF_FFFF_FFFF_FFFFn); // INVALID_HANDLE_VALUE: no file
    const port = new Handle(
      check("CreateIoCompletionPort", kernel32().CreateIoCompletionPort(invalid, null, 0n, 1)),
    );
    try {
      const information = encodeJobCompletionPort(0n, Deno.UnsafePointer.value(rawOf(port)));
      check(
        "SetInformationJobObject",
        kernel32().SetInformationJobObject(
          rawOf(this.#handle),
          W.JobObjectAssociateCompletionPortInformation,
          information,
          JOBOBJECT_ASSOCIATE_COMPLETION_PORT_SIZE,
        ),
      );
    } catch (error) {
      port.close();
      throw error;
    }
    this.#port = port;
  }

  /** The job's messages posted since the last call, without waiting (GetQueuedCompletionStatus, 0 ms). */
  messages(): { kind: JobMessageKind; processId: number }[] {
    if (!this.#port) return [];
    const messages: { kind: JobMessageKind; processId: number }[] = [];
    const message = new Uint32Array(1);
    const key = new BigUint64Array(1);
    // For a job's message, the OVERLAPPED pointer is the process id it is about.
    const processId = new BigUint64Array(1);
    for (;;) {
      const ok = kernel32().GetQueuedCompletionStatus(
        rawOf(this.#port),
        new Uint8Array(message.buffer),
        new Uint8Array(key.buffer),
        new Uint8Array(processId.buffer),
        0,
      );
      // FALSE with WAIT_TIMEOUT: nothing (more) queued.
      if (!ok) return messages;
      messages.push({ kind: jobMessageKind(message[0]), processId: Number(processId[0]) });
    }
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
    this.#port?.close();
    this.#port = undefined;
    this.#handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
