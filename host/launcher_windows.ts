/**
 * Starting and stopping the program on Windows, through ffi/ (Deno.Command can do none of it): the program
 * is created suspended by CreateProcessW, put into a job object of the host's own that kills everything in
 * it when closed and lets nothing break away — so nothing the program starts outlives the host, even when
 * the host is killed — given its priority class and processor affinity, a hidden console of its own (so
 * Ctrl-C can reach it), stdin from NUL or a file (a batch file never waits on "Terminate batch job (Y/N)?"),
 * exactly its standard handles and no other, and only then resumed.
 *
 * Stopping is NSSM's escalation, one method a call: Ctrl-C to its console, WM_CLOSE to its windows, WM_QUIT
 * to its threads, TerminateProcess — to the program alone, or to every process of its tree.
 * @module
 */
import { windowsCommandLine } from "../service/command_line.ts";
import { prepareCtrlC, sendCtrlC, stopIgnoringCtrlC } from "../ffi/console.ts";
import * as W from "../ffi/constants.ts";
import { Win32Error } from "../ffi/error.ts";
import { type ChildProcess, createProcess } from "../ffi/process.ts";
import type { Handle } from "../ffi/handle.ts";
import { duplicateStandardHandle, openForAppending, openForReading, openNul } from "../ffi/std_handles.ts";
import { createPipe, PipeReader } from "../ffi/pipe.ts";
import { Job, prepareJobQuery } from "../ffi/job.ts";
import { cpuRateFor } from "../ffi/structs.ts";
import { descendants, listProcesses } from "../ffi/toolhelp.ts";
import { affinityMask } from "../ffi/priority.ts";
import { postCloseToWindows, postQuitToThreads } from "../ffi/user32.ts";
import {
  type Launcher,
  LaunchError,
  type LaunchOptions,
  type Program,
  type ResourceLimits,
  type StreamTarget,
} from "./launcher.ts";
import type { StopMethod } from "../service/vocabulary.ts";
import { unreachable } from "../service/exhaustive.ts";

/** How long disposal waits for the output streams to be read to their end before it closes them. */
const readerGraceMs = 1000;

/** The exit code a program stopped by TerminateProcess (or by disposal) reports. */
export const KILLED_EXIT_CODE = 1;

/** The limits every program's job gets, once `limit` has found that this system takes them. */
let jobLimits: ResourceLimits = {};

export const windowsLauncher: Launcher = {
  methods: ["interrupt", "close", "quit", "kill"],
  launch(options: LaunchOptions): Program {
    return launch(options);
  },
  limit(limits: ResourceLimits): string | undefined {
    // Each tried once on a job of no process and read back: a limit the system refuses (CPU rate control
    // before Windows 8 and under Wine 10) or takes without keeping (Wine 10's job memory limit) is said so,
    // rather than fail every start; the other still holds.
    const refused: string[] = [];
    jobLimits = {};
    for (const [name, limit] of limitsApart(limits)) {
      try {
        using job = limitedJob(limit);
        const kept = job.limits();
        const wanted = limit.cpuPercent !== undefined
          ? kept.cpuRate === cpuRateFor(limit.cpuPercent, navigator.hardwareConcurrency)
          : kept.memoryBytes === limit.memoryBytes;
        if (!wanted) refused.push(`the ${name} is not enforced: the job object did not keep it`);
        Object.assign(jobLimits, limit);
      } catch (error) {
        if (!(error instanceof Win32Error)) throw error;
        refused.push(`the ${name} is not enforced: ${error.message}`);
      }
    }
    return refused.length ? refused.join("; ") : undefined;
  },
};

/** The limits one at a time, each with its name for a person. */
function limitsApart(limits: ResourceLimits): [string, ResourceLimits][] {
  return [
    ...(limits.memoryBytes !== undefined
      ? [["memory limit", { memoryBytes: limits.memoryBytes }] as [string, ResourceLimits]]
      : []),
    ...(limits.cpuPercent !== undefined
      ? [["CPU cap", { cpuPercent: limits.cpuPercent }] as [string, ResourceLimits]]
      : []),
  ];
}

/** servitor's job for one run of the program: killed on close, no breakaway, and the limits. */
function limitedJob(limits: ResourceLimits): Job {
  const job = Job.create({ killOnClose: true, breakaway: "none", memoryBytes: limits.memoryBytes });
  try {
    if (limits.cpuPercent !== undefined) job.capCpu(limits.cpuPercent, navigator.hardwareConcurrency);
    // The job's messages tell a program refused memory by its limit from one that failed otherwise.
    if (limits.memoryBytes !== undefined) job.listen();
  } catch (error) {
    job.close();
    throw error;
  }
  return job;
}

function launch(options: LaunchOptions): Program {
  // A program started while the host still ignores Ctrl-C from an earlier stop would inherit that.
  stopIgnoringCtrlC();
  const opened: Handle[] = [];
  const readers: PipeReader[] = [];
  const open = (make: () => Handle) => {
    const handle = make();
    opened.push(handle);
    return handle;
  };
  let job: Job | undefined;
  let child: ChildProcess | undefined;
  try {
    const input = options.stdinPath === undefined ? open(() => openNul("read")) : open(() => {
      try {
        return openForReading(options.stdinPath!);
      } catch (error) {
        throw new LaunchError(
          `cannot open ${options.stdinPath} for the program's input: ${describe(error)} — check AppStdin`,
          { cause: error },
        );
      }
    });
    // The program's end of each output stream, and the host's end when it is a pipe.
    const files = new Map<string, Handle>();
    const stream = (target: StreamTarget, which: "output" | "error"): [Handle, PipeReader | undefined] => {
      if (typeof target === "object") {
        // One handle for a file both streams go to: CreateProcessW takes the same handle twice.
        const key = target.file.toLowerCase();
        let handle = files.get(key);
        if (!handle) {
          handle = open(() => {
            try {
              return openForAppending(target.file);
            } catch (error) {
              throw new LaunchError(
                `cannot open ${target.file} for the program's output: ${
                  describe(error)
                } — check AppStdout and AppStderr`,
                { cause: error },
              );
            }
          });
          files.set(key, handle);
        }
        return [handle, undefined];
      }
      if (target === "pipe") {
        const { read, write } = createPipe();
        const reader = new PipeReader(read);
        readers.push(reader);
        return [open(() => write), reader];
      }
      const inherited = target === "inherit" ? duplicateStandardHandle(which) : null;
      return [open(() => inherited ?? openNul("write")), undefined];
    };
    const [output, stdout] = stream(options.stdout, "output");
    const [error, stderr] = stream(options.stderr, "error");

    job = limitedJob(jobLimits);
    try {
      child = createProcess({
        commandLine: windowsCommandLine(options.program, options.arguments),
        directory: options.directory,
        environment: options.environment,
        stdio: { input, output, error },
        newConsole: options.newConsole,
        suspended: true,
      });
    } catch (error) {
      throw new LaunchError(createFailure(options, error), { cause: error });
    }
    // The program's ends of the pipes and files are its own now; the read ends see EOF once it and its
    // children close theirs.
    for (const handle of opened.splice(0)) handle.close();
    try {
      job.assign(child);
      if (options.priority !== "normal") child.setPriority(options.priority);
      if (options.affinity) {
        // Only processors that exist: NSSM also drops the others (and runs on all when none is left).
        const mask = affinityMask(options.affinity) & child.affinity().system;
        if (mask !== 0n) child.setAffinity(mask);
      }
      child.resume();
    } catch (error) {
      child.terminate(KILLED_EXIT_CODE);
      throw new LaunchError(`cannot start ${options.program}: ${describe(error)}`, { cause: error });
    }
    prepareStop();
    return new WindowsProgram(child, job, stdout, stderr);
  } catch (error) {
    for (const handle of opened) handle.close();
    for (const reader of readers) reader.abandon();
    if (child) void child.close();
    job?.close();
    throw error;
  }
}

let stopPrepared = false;

/**
 * Binds the calls of a stop's first method (Ctrl-C to the program's console, the job's process list) a
 * timer's turn after the launch — after RUNNING, off the start's path — so that a stop doesn't wait for them
 * (4–7 ms of every stop under Wine). Once per host: a symbol stays bound.
 */
function prepareStop(): void {
  if (stopPrepared) return;
  stopPrepared = true;
  const timer = setTimeout(() => {
    try {
      prepareCtrlC();
      prepareJobQuery();
    } catch {
      // Not bound now: the stop binds them when it calls them, as before.
    }
  }, 0);
  Deno.unrefTimer(timer);
}

/** What to check, by CreateProcessW's error code. */
const launchHints: Record<number, (options: LaunchOptions) => string> = {
  [W.ERROR_FILE_NOT_FOUND]: () => "check Application",
  [W.ERROR_PATH_NOT_FOUND]: () => "check Application",
  [W.ERROR_DIRECTORY]: (options) => `check AppDirectory (${options.directory})`,
  [W.ERROR_ACCESS_DENIED]: () => "check that the service's account may run Application and read AppDirectory",
  [W.ERROR_BAD_EXE_FORMAT]: () => "Application is not a program Windows can run",
  [W.ERROR_ELEVATION_REQUIRED]: () => "Application asks to run elevated, which a service can't be asked for",
};

/** `cannot start C:\x\app.exe: The system cannot find the file specified. (CreateProcessW, error 2) — check Application` */
function createFailure(options: LaunchOptions, error: unknown): string {
  if (!(error instanceof Win32Error)) return `cannot start ${options.program}: ${describe(error)}`;
  const hint = launchHints[error.code]?.(options);
  // The messages are formatted without inserts: ERROR_BAD_EXE_FORMAT's "%1" is the program.
  const reason = (error.systemMessage || "(no system message)").replaceAll("%1", options.program);
  return `cannot start ${options.program}: ${reason} (${error.fn}, error ${error.code})${
    hint ? ` — ${hint}` : ""
  }`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class WindowsProgram implements Program {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array> | null;
  readonly stderr: ReadableStream<Uint8Array> | null;
  readonly exited: Promise<number>;
  #child: ChildProcess;
  #job: Job;
  #readers: PipeReader[];
  #disposed = false;
  #messages: { kind: string; processId: number }[] = [];

  constructor(child: ChildProcess, job: Job, stdout?: PipeReader, stderr?: PipeReader) {
    this.#child = child;
    this.#job = job;
    this.pid = child.pid;
    this.stdout = stdout?.stream ?? null;
    this.stderr = stderr?.stream ?? null;
    this.#readers = [stdout, stderr].filter((reader) => reader !== undefined);
    this.exited = child.wait().catch(() => KILLED_EXIT_CODE);
  }

  stop(method: StopMethod, tree: boolean): Promise<boolean> {
    if (this.#disposed) return Promise.resolve(false);
    try {
      const pids = !tree ? this.#self() : method === "interrupt" ? this.#consoleMembers() : this.#tree();
      return Promise.resolve(this.#deliver(method, pids));
    } catch (error) {
      // A graceful method that fails (a snapshot, a console that refuses) was not delivered, and the
      // caller goes on to the next; a kill that fails is the caller's to know.
      if (method !== "kill" && error instanceof Win32Error) return Promise.resolve(false);
      return Promise.reject(error);
    }
  }

  /** The program, while it runs. */
  #self(): number[] {
    return this.#child.exitCode() === undefined ? [this.pid] : [];
  }

  /**
   * For Ctrl-C: the program first, then the rest of its job, in no particular order — one event reaches every
   * process on a console, so the order only decides which console is reached first, and the program's own
   * should be. No process snapshot (4 ms under Wine) before the first stop method.
   */
  #consoleMembers(): number[] {
    const members = this.#job.processIds();
    return members.includes(this.pid) ? [this.pid, ...members.filter((pid) => pid !== this.pid)] : members;
  }

  /**
   * The program and every process it started, deepest first: the job's own list (exact, and with the
   * orphans whose parent has ended), ordered by the parent links of a snapshot. The console host
   * (conhost.exe) of the program's console is left out: it is a child of the program (Windows 8 and later,
   * and Wine), not one of its processes, and its console window is not the program's to close — under Wine
   * a WM_CLOSE to it counted as delivered and the stop waited AppStopMethodWindow for nothing (measured).
   * The job's kill still ends it.
   */
  #tree(): number[] {
    const processes = listProcesses();
    const consoleHosts = new Set(
      processes.filter((p) => p.exeFile.toLowerCase() === "conhost.exe").map((p) => p.processId),
    );
    const members = new Set(this.#job.processIds().filter((pid) => !consoleHosts.has(pid)));
    const ordered = descendants(this.pid, processes).filter((pid) => members.has(pid));
    const orphans = [...members].filter((pid) => pid !== this.pid && !ordered.includes(pid));
    return [...orphans, ...ordered, ...(members.has(this.pid) ? [this.pid] : [])];
  }

  #deliver(method: StopMethod, pids: number[]): boolean {
    if (pids.length === 0) return false;
    switch (method) {
      case "interrupt":
        return sendCtrlC(pids).length > 0;
      case "close":
        return postCloseToWindows(pids) > 0;
      case "quit":
        return postQuitToThreads(pids) > 0;
      case "kill":
        if (pids.length > 1 || pids[0] !== this.pid) {
          // The whole tree: the job ends every process in it at once, also those started meanwhile.
          this.#job.terminate(KILLED_EXIT_CODE);
          return true;
        }
        return this.#child.terminate(KILLED_EXIT_CODE);
      default:
        return unreachable(method);
    }
  }

  /**
   * Windows refuses the allocations of a job past its memory limit rather than kill it; the job then posts
   * JOB_OBJECT_MSG_JOB_MEMORY_LIMIT to its completion port, read here once the program has exited.
   */
  exceededMemoryLimit(): boolean {
    return this.jobMessages().some((message) =>
      message.kind === "job_memory_limit" || message.kind === "process_memory_limit"
    );
  }

  /** Every message the job has posted so far (with a memory limit; none without). */
  jobMessages(): { kind: string; processId: number }[] {
    if (!this.#disposed) this.#messages.push(...this.#job.messages());
    return [...this.#messages];
  }

  /** The job's limits as the system holds them (JobObjectExtendedLimitInformation, CpuRateControl). */
  jobLimits(): { memoryBytes?: number; cpuRate?: number } {
    return this.#job.limits();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    // Whatever is left of the tree ends with the job; TerminateJobObject first, so that the wait below
    // returns even if some other handle to the job kept it open.
    try {
      this.#job.terminate(KILLED_EXIT_CODE);
    } catch (error) {
      // Closing the job below ends them all the same (KILL_ON_JOB_CLOSE).
      if (!(error instanceof Win32Error)) throw error;
    } finally {
      this.#job.close();
    }
    await this.exited;
    await this.#child.close();
    // With every writer gone, a reader being read reaches the end of its stream at once; one that nobody
    // reads any more is closed after a grace period, in which a reader between two chunks reads on.
    await Promise.all(this.#readers.map(async (reader) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        reader.closed,
        new Promise((resolve) => (timer = setTimeout(resolve, readerGraceMs))),
      ]);
      clearTimeout(timer);
      reader.abandon();
      await reader.closed;
    }));
  }
}
