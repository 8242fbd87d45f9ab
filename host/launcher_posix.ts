/**
 * Starting and stopping the program on Linux: the program leads a session and process group of its own
 * (Deno.Command's `detached` calls setsid), so a stop method can reach its whole tree through the group, and
 * a Ctrl-C at the host's terminal reaches the host alone, which then stops the program the configured way.
 * @module
 */
import { POSIX_STOP_METHODS } from "../service/vocabulary.ts";
import os from "node:os";
import {
  type Launcher,
  LaunchError,
  type LaunchOptions,
  type Program,
  type ResourceLimits,
  type StreamTarget,
} from "./launcher.ts";
import { LimitsUnavailable, prepareProgramGroup, type ProgramGroup } from "./cgroups.ts";
import type { StopMethod } from "../service/vocabulary.ts";
import type { Priority } from "../service/spec.ts";
import {
  closeDescriptor,
  isNonBlocking,
  libcAvailable,
  openForAppend,
  setPipeCapacity,
} from "../ffi/libc.ts";
import { pipeDescriptors } from "./output.ts";

const signals: Partial<Record<StopMethod, Deno.Signal>> = {
  interrupt: "SIGINT",
  close: "SIGTERM",
  kill: "SIGKILL",
};

/** Nice values for the priority classes (os.setPriority: -20 highest … 19 lowest). */
const niceness: Record<Priority, number> = {
  realtime: -20,
  high: -10,
  above_normal: -5,
  normal: 0,
  below_normal: 5,
  idle: 19,
};

/** The program's control group with its limits, once `limit` has made it (one host, one program). */
let programGroup: ProgramGroup | undefined;

export const posixLauncher: Launcher = {
  methods: POSIX_STOP_METHODS,
  limit(limits: ResourceLimits): string | undefined {
    try {
      programGroup = prepareProgramGroup(limits);
      return undefined;
    } catch (error) {
      if (!(error instanceof LimitsUnavailable)) throw error;
      return `the memory and CPU limits are not enforced: ${error.reason}`;
    }
  },
  launch(options: LaunchOptions): Program {
    // Each wrapper execs what follows it, so the pid is the program's, and the affinity and the limits hold
    // from its first instruction.
    let command = [options.program, ...options.arguments];
    if (options.affinity) command = ["taskset", "--cpu-list", options.affinity.join(","), ...command];
    const group = programGroup;
    if (group) renew(group, options.program);
    if (group) command = [...joinGroups(group.procsFiles), ...command];
    const deathSignal = setpriv();
    if (deathSignal) command = [deathSignal, "--pdeathsig", "KILL", "--", ...command];
    let streams: ChildStreams;
    try {
      streams = childStreams(options.stdout, options.stderr);
    } catch (error) {
      throw new LaunchError(`cannot start ${options.program}: ${(error as Error).message}`, { cause: error });
    }
    let child: Deno.ChildProcess;
    try {
      // A wrapper would start even when the program can't: the program's own failure is told here.
      if (command[0] !== options.program) checkRunnable(options.program);
      child = new Deno.Command(command[0], {
        args: command.slice(1),
        cwd: options.directory,
        env: options.environment,
        clearEnv: true,
        stdin: options.stdinPath ? "piped" : "null",
        // An open file's descriptor is taken as a stream, as Deno's own node:child_process passes `stdio: [fd]`,
        // though Deno.CommandOptions' type names only the three words.
        stdout: streams.stdout as Deno.CommandOptions["stdout"],
        stderr: streams.stderr as Deno.CommandOptions["stderr"],
        detached: true,
      }).spawn();
    } catch (error) {
      throw new LaunchError(launchFailure(options, error), { cause: error });
    } finally {
      streams.close();
    }
    if (options.stdinPath) feedStdin(child, options.stdinPath);
    const piped = [options.stdout, options.stderr].flatMap((target, i) => target === "pipe" ? [i + 1] : []);
    const pipes = piped.length > 0 ? widenPipes(child.pid, piped) : new Map<number, number>();
    if (options.priority !== "normal") {
      try {
        os.setPriority(child.pid, niceness[options.priority]);
      } catch {
        // Raising priority needs privileges; the program runs at the priority it got rather than not at all.
      }
    }
    const program = new PosixProgram(child, group);
    // The output pump may read these directly (output.ts): only a non-blocking descriptor, which never waits.
    for (const [programFd, hostFd] of pipes) {
      const stream = programFd === 1 ? program.stdout : program.stderr;
      if (stream && isNonBlocking(hostFd)) pipeDescriptors.set(stream, hostFd);
    }
    return program;
  },
};

/** The program's group made again before a start; one that can't be fails the start, never runs unlimited. */
function renew(group: ProgramGroup, program: string): void {
  try {
    group.renew();
  } catch (error) {
    if (!(error instanceof LimitsUnavailable)) throw error;
    throw new LaunchError(`cannot start ${program}: ${error.reason}`, { cause: error });
  }
}

/**
 * A shell that writes itself into each group's cgroup.procs ("0": the writer), then execs what follows: the
 * program is in its group from its first instruction, and so is all it starts. A group it can't join fails
 * the start (exit 125, the line on stderr) rather than run the program without its limits.
 */
export function joinGroups(procsFiles: readonly string[]): string[] {
  const script = `n=$1; shift; while [ "$n" -gt 0 ]; do ` +
    `echo 0 >"$1" || { echo "servitor: cannot join the control group $1" >&2; exit 125; }; ` +
    `shift; n=$((n-1)); done; exec "$@"`;
  return ["/bin/sh", "-c", script, "servitor-limits", String(procsFiles.length), ...procsFiles];
}

/**
 * setpriv (util-linux), to launch the program with PR_SET_PDEATHSIG SIGKILL: should the host itself be
 * killed (kill -9, the OOM killer), the program dies with it rather than run on unsupervised and unstoppable
 * by `ManageService stop` — as KILL_ON_JOB_CLOSE does on Windows, and systemd's cgroup does for the
 * program's own children. The signal is kept across each wrapper's exec; it is tied to the thread that
 * forked, and Deno.Command forks from the main thread, which lives as long as the host. Undefined on a
 * system without setpriv (busybox): there, only the service manager's cgroup ends the program.
 */
function setpriv(): string | undefined {
  if (setprivPath === null) {
    setprivPath = ["/usr/bin/setpriv", "/bin/setpriv"].find((file) => {
      try {
        return Deno.statSync(file).isFile;
      } catch {
        return false;
      }
    });
  }
  return setprivPath;
}
let setprivPath: string | undefined | null = null;

/**
 * What the pipes from the program's stdout and stderr hold (Linux's default is 64 KiB, the pipe-max-size
 * an unprivileged process may ask for 1 MiB): a fast writer then waits for the host less often, and each
 * read of the host's takes up to this much at once rather than 64 KiB — fewer trips through the event loop
 * per byte (online rotation's throughput, measured by bench/).
 */
const PIPE_CAPACITY = 1024 * 1024;

/**
 * Gives the program's output pipes {@link PIPE_CAPACITY}, and returns the host's descriptor of each (keyed by
 * the program's 1 or 2). Deno.Command hands out no file descriptor: the host's end of each is the descriptor
 * of its own that is the same pipe (`pipe:[inode]` in /proc) as the program's fd 1 or 2. Speed only: a pipe
 * that can't be widened or found (no --allow-ffi, a program gone already) works as it is, read through its
 * stream.
 */
function widenPipes(pid: number, programFds: number[]): Map<number, number> {
  const found = new Map<number, number>();
  if (!libcAvailable()) return found;
  try {
    const pipes = new Map<string, number>();
    for (const fd of programFds) {
      const link = Deno.readLinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith("pipe:")) pipes.set(link, fd);
    }
    for (const entry of Deno.readDirSync("/proc/self/fd")) {
      let link: string;
      try {
        link = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
      } catch {
        continue; // the listing's own descriptor, closed already
      }
      const programFd = pipes.get(link);
      if (programFd === undefined) continue;
      pipes.delete(link);
      setPipeCapacity(Number(entry.name), PIPE_CAPACITY);
      found.set(programFd, Number(entry.name));
    }
  } catch {
    // the program ended already: its pipes are of no more use
  }
  return found;
}

/** A stream of the program as Deno.Command takes it: piped, inherited, discarded, or an open file's descriptor. */
export type ChildStream = "piped" | "inherit" | "null" | number;

/** The program's stdout and stderr, and how to close the host's descriptors of its files once it runs. */
export interface ChildStreams {
  stdout: ChildStream;
  stderr: ChildStream;
  close(): void;
}

/**
 * The program's stdout and stderr: a stream going to a file gets the file, opened here for appending (made
 * when missing) and handed to the program as its descriptor — no shell between the host and the program to
 * redirect it, one exec less on every start and restart. Both streams to one file share one descriptor, so
 * their lines interleave as written. (Deno leaves the program a copy of each such descriptor too, above 2:
 * the same file, which it may write to as well.) Throws, naming the file, when one can't be opened.
 */
export function childStreams(
  stdout: StreamTarget,
  stderr: StreamTarget,
  files: { open(file: string): number; close(fd: number): void } = appendFiles,
): ChildStreams {
  const opened = new Map<string, number>();
  const stream = (target: StreamTarget): ChildStream => {
    if (target === "pipe") return "piped";
    if (typeof target !== "object") return target;
    let fd = opened.get(target.file);
    if (fd === undefined) {
      try {
        fd = files.open(target.file);
      } catch (error) {
        for (const open of opened.values()) files.close(open);
        throw new Error(`could not open the output file ${target.file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      opened.set(target.file, fd);
    }
    return fd;
  };
  const out = stream(stdout);
  const err = stream(stderr);
  return {
    stdout: out,
    stderr: err,
    close: () => {
      for (const fd of opened.values()) files.close(fd);
      opened.clear();
    },
  };
}

/** Output files as `>>` opens them: write-only, appended to, made (0666 less the umask) when missing. */
const appendFiles = { open: openForAppend, close: closeDescriptor };

/** Throws Deno's NotFound or PermissionDenied when `program` is missing or not an executable file. */
function checkRunnable(program: string): void {
  const info = Deno.statSync(program);
  if (!info.isFile || ((info.mode ?? 0o755) & 0o111) === 0) {
    throw new Deno.errors.PermissionDenied(`${program} is not an executable file`);
  }
}

function launchFailure(options: LaunchOptions, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) {
    return `cannot start ${options.program}: no such program, or no such working directory ` +
      `${options.directory} — check Application and AppDirectory`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `cannot start ${options.program}: permission denied — is it executable by the service's account?`;
  }
  return `cannot start ${options.program}: ${(error as Error).message}`;
}

/** Copies the stdin file into the program; a program that stops reading just ends the copy. */
async function feedStdin(child: Deno.ChildProcess, stdinPath: string) {
  try {
    using file = await Deno.open(stdinPath);
    await file.readable.pipeTo(child.stdin);
  } catch {
    await child.stdin.close().catch(() => {});
  }
}

class PosixProgram implements Program {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array> | null;
  readonly stderr: ReadableStream<Uint8Array> | null;
  readonly exited: Promise<number>;
  #child: Deno.ChildProcess;
  #group: ProgramGroup | undefined;
  #oomKillsAtStart: number;

  constructor(child: Deno.ChildProcess, group: ProgramGroup | undefined) {
    this.#child = child;
    this.#group = group;
    this.#oomKillsAtStart = group?.oomKills() ?? 0;
    this.pid = child.pid;
    this.stdout = streamOrNull(() => child.stdout);
    this.stderr = streamOrNull(() => child.stderr);
    // A program ended by a signal reads as 128 + the signal's number, as a shell reports it.
    this.exited = child.status.then((status) => status.code);
  }

  stop(method: StopMethod, tree: boolean): Promise<boolean> {
    const signal = signals[method];
    if (!signal) return Promise.resolve(false);
    return Promise.resolve(send(tree ? -this.pid : this.pid, signal));
  }

  exceededMemoryLimit(): boolean {
    return this.#group !== undefined && this.#group.oomKills() > this.#oomKillsAtStart;
  }

  async [Symbol.asyncDispose]() {
    // Whatever the program left in its group goes with it: no child outlives its program.
    send(-this.pid, "SIGKILL");
    await this.exited;
  }
}

function send(target: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(target, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left to receive it
  }
}

function streamOrNull(get: () => ReadableStream<Uint8Array>): ReadableStream<Uint8Array> | null {
  try {
    return get();
  } catch {
    return null; // not piped
  }
}
