/**
 * What every Linux contender offers the measures: start some services that run the bench program, stop and
 * start one the contender's own way, name its supervising processes and its output files, end it all.
 * One file per contender (servitor and each peer), all set up with the same settings where the tool has them.
 * @module
 */
import path from "path";

/** Every contender sends SIGKILL this long after asking the program to stop (servitor: 1.5 s + 1.5 s). */
export const STOP_TIMEOUT_MS = 3000;

/** One service: the bench program with `args`; its stdout is captured the contender's way. */
export interface ServiceSetup {
  name: string;
  args: string[];
  /**
   * Online rotation at this many bytes (or the logger's own maximum, when lower), for contenders that
   * rotate. None when undefined.
   */
  rotateBytes?: number;
}

export interface Running {
  /** The supervising processes (scanner, supervisors, loggers; not the programs), alive now. */
  supervisors(): number[];
  /** Asks the contender to stop service `name`, its own way; resolves once asked. */
  stop(name: string): Promise<void>;
  /** Asks it to start service `name` again after a stop. */
  start(name: string): Promise<void>;
  /** The files holding the service's output, oldest first. */
  outputFiles(name: string): Promise<string[]>;
  /** Bytes put before each line (a timestamp), left out when the output is verified. */
  prefixBytes(name: string): number;
  /** Ends everything it started. */
  close(): Promise<void>;
  /** The name a service manager knows service `name` by (systemd's unit, servitor's service). */
  managedName?(name: string): string;
}

export interface Contender {
  /** Short and stable: the JSON's key. */
  id: string;
  /** As the tables show it. */
  label: string;
  /** How it is set up, one line for the notes. */
  settings: string;
  /** The Debian packages it needs. */
  packages: string[];
  start(dir: string, program: string, services: ServiceSetup[]): Promise<Running>;
}

/** Writes an executable script. */
export async function script(file: string, text: string): Promise<void> {
  await Deno.mkdir(path.dirname(file), { recursive: true });
  await Deno.writeTextFile(file, text, { mode: 0o755 });
  await Deno.chmod(file, 0o755);
}

/** A word quoted for sh. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs a command to its end; throws with its stderr when it fails. */
export async function command(
  program: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`${program} ${args.join(" ")} exited with ${code}: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

/** Starts a long-running process of the contender's, its output to `log`, in a session of its own. */
export async function daemon(program: string, args: string[], log: string, cwd?: string) {
  const file = await Deno.open(log, { write: true, create: true, append: true });
  file.close();
  return new Deno.Command("sh", {
    args: ["-c", `exec "$@" >>${shellQuote(log)} 2>&1`, "sh", program, ...args],
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
}

/** The files of a daemontools-style log directory (svlogd, s6-log, multilog): `@…` oldest first, then current. */
export async function logDirectoryFiles(directory: string): Promise<string[]> {
  const rotated: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isFile && entry.name.startsWith("@")) rotated.push(entry.name);
    }
  } catch {
    return [];
  }
  rotated.sort();
  return [...rotated, "current"].map((name) => path.join(directory, name));
}
