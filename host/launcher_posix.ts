/**
 * Starting and stopping the program on Linux: the program leads a session and process group of its own
 * (Deno.Command's `detached` calls setsid), so a stop method can reach its whole tree through the group, and
 * a Ctrl-C at the host's terminal reaches the host alone, which then stops the program the configured way.
 * @module
 */
import os from "node:os";
import { type Launcher, LaunchError, type LaunchOptions, type Program, type StopMethod } from "./launcher.ts";
import type { Priority } from "../service/spec.ts";

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

export const posixLauncher: Launcher = {
  methods: ["interrupt", "close", "kill"],
  launch(options: LaunchOptions): Program {
    // taskset execs the program, so the pid is the program's and the affinity holds from its first instruction.
    const [program, args] = options.affinity
      ? ["taskset", ["--cpu-list", options.affinity.join(","), options.program, ...options.arguments]]
      : [options.program, [...options.arguments]];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        cwd: options.directory,
        env: options.environment,
        clearEnv: true,
        stdin: options.stdinPath ? "piped" : "null",
        stdout: options.stdout === "pipe" ? "piped" : options.stdout,
        stderr: options.stderr === "pipe" ? "piped" : options.stderr,
        detached: true,
      }).spawn();
    } catch (error) {
      throw new LaunchError(launchFailure(options, error), { cause: error });
    }
    if (options.stdinPath) feedStdin(child, options.stdinPath);
    if (options.priority !== "normal") {
      try {
        os.setPriority(child.pid, niceness[options.priority]);
      } catch {
        // Raising priority needs privileges; the program runs at the priority it got rather than not at all.
      }
    }
    return new PosixProgram(child);
  },
};

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

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
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
