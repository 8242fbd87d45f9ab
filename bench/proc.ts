/**
 * What Linux says about a process, read from /proc: its memory, its CPU time, whether it is still
 * running, its descendants. The Linux measures read every contender through these, alike.
 * @module
 */

/** Whether the process exists and is not a zombie (a zombie has exited: only its parent's wait is left). */
export function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The parent's pid, or undefined when the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** The command name (comm) of a process, or undefined when it is gone. */
export function commandName(pid: number): string | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return undefined;
  }
}

/** Every live process's pid. */
export function allPids(): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (/^\d+$/.test(entry.name)) pids.push(Number(entry.name));
  }
  return pids;
}

/** The descendants of `root` (not root itself), found through their parent links. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    children.set(parent, [...children.get(parent) ?? [], pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Memory of a process in bytes: resident (RSS) and proportional (PSS: shared pages split among sharers). */
export interface Memory {
  rss: number;
  pss: number;
}

export function memoryOf(pid: number): Memory | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
    return { rss: field("Rss"), pss: field("Pss") };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) of a whole process in nanoseconds, every thread it ever had included, from
 * /proc/PID/stat: in clock ticks (10 ms), so for long runs (output throughput).
 */
export function cpuTimeNs(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000_000;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process and of the children it waited for (utime, stime, cutime, cstime of /proc/PID/stat),
 * in clock ticks (10 ms): for a process whose work is partly done by short-lived children.
 */
export function cpuTicksWithChildren(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [11, 12, 13, 14].reduce((sum, field) => sum + Number(fields[field]), 0);
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process's live threads in nanoseconds, exact: the sum of /proc/PID/task/*\/schedstat
 * (/proc/PID/schedstat alone is the main thread's; Deno runs several). A thread that ended is not in it,
 * so this is for windows in which a process sits idle (cost at rest).
 */
export function liveThreadsCpuNs(pid: number): number | undefined {
  try {
    let total = 0;
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it holds; returns the wall time it held at, or throws after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 1,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return nowUs() / 1000;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * The wall clock in microseconds at the process's start, carried on by the monotonic clock: for intervals
 * measured here, and for marks the bench program records (CLOCK_REALTIME) within minutes of the start.
 */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/**
 * The system's wall clock now, in microseconds (to the millisecond), the same clock as the bench program's
 * marks (CLOCK_REALTIME, GetSystemTimePreciseAsFileTime) however long this process has run: under Wine,
 * deno.exe's monotonic clock drifted from it — a whole Wine side's run in, {@link nowUs} read 16 s behind
 * and every output throughput came out negative.
 */
export function wallClockUs(): number {
  return Date.now() * 1000;
}

/**
 * Ends `root` and everything below it, leaving nothing: stops the whole tree first (so no supervisor can
 * start a replacement meanwhile), then kills it. Supervisors that start their children in sessions of their
 * own are why this walks parent links rather than killing a process group.
 */
export async function killTree(root: number): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const tree = [root, ...descendants(root)].filter(running);
    if (tree.length === 0) return;
    for (const pid of tree) signal(pid, "SIGSTOP");
    for (const pid of [root, ...descendants(root)]) signal(pid, "SIGKILL");
    await sleep(20);
  }
}

function signal(pid: number, name: Deno.Signal) {
  try {
    Deno.kill(pid, name);
  } catch {
    // gone already
  }
}
