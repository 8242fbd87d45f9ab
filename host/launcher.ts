/**
 * Starting the supervised program and ending it: the one interface the host uses, implemented once for
 * Windows (CreateProcessW and a job object, through ffi/) and once for Linux (a process group).
 * @module
 */
import type { Priority } from "../service/spec.ts";
import type { StopMethod } from "../service/vocabulary.ts";

/** The limits of the program's whole tree; undefined: no limit. */
export interface ResourceLimits {
  memoryBytes?: number;
  /** Percent of one core: 50 is half a core, 200 two cores. */
  cpuPercent?: number;
}

/**
 * Where a standard stream goes. "pipe": to the host, which writes it to the output files; `{ file }`: the
 * program writes that file itself, appending (as NSSM hands its program the file when nothing has to pass
 * through it) — the same file for both streams interleaves them as they are written.
 */
export type StreamTarget = "pipe" | "null" | "inherit" | { file: string };

export interface LaunchOptions {
  /** An absolute path. */
  program: string;
  arguments: readonly string[];
  /** The working directory. */
  directory: string;
  /** The program's whole environment. */
  environment: Record<string, string>;
  /** A file to read stdin from, or NUL / /dev/null when undefined. */
  stdinPath?: string;
  stdout: StreamTarget;
  stderr: StreamTarget;
  priority: Priority;
  /** Processor numbers, or undefined for all. */
  affinity?: readonly number[];
  /** Windows: a new hidden console of the program's own (so Ctrl-C can reach it). Ignored on Linux. */
  newConsole: boolean;
}

/** A running program. Disposing it kills whatever is left of its tree and releases its handles. */
export interface Program extends AsyncDisposable {
  readonly pid: number;
  /** The program's output when its target was "pipe"; each ends when the program and its children close it. */
  readonly stdout: ReadableStream<Uint8Array> | null;
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** The exit code; never rejects. Waiting never blocks the event loop. */
  readonly exited: Promise<number>;
  /**
   * Applies one stop method to the program, or to its whole tree when `tree`. Resolves to whether the
   * method could be delivered at all (no console, no window: false), so the caller can skip its wait.
   */
  stop(method: StopMethod, tree: boolean): Promise<boolean>;
  /** Once it has exited: whether it was killed (or its allocation refused) for exceeding its memory limit. */
  exceededMemoryLimit(): boolean;
}

/** The platform's way to start programs. */
export interface Launcher {
  /** The stop methods this platform has, in order. */
  readonly methods: readonly StopMethod[];
  /** Starts the program; throws a LaunchError when it can't be started. */
  launch(options: LaunchOptions): Program;
  /**
   * Holds every program launched from now on to `limits`. Returns the one line to log when they can't be
   * enforced here (the programs then run without them), else undefined.
   */
  limit(limits: ResourceLimits): string | undefined;
}

/** The program could not be started: `message` says why in words a person can act on. */
export class LaunchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LaunchError";
  }
}
