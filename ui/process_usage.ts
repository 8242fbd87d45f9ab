/**
 * CPU and memory of a program's whole process tree: the tree by each process's parent, its CPU as the change
 * of its processes' CPU time between two samples, its memory as the sum of their resident sets — from /proc
 * on Linux (stat's parent, utime+stime and resident pages), from Win32 on Windows (Toolhelp,
 * GetProcessTimes, the working set).
 * @module
 */
import { listProcesses } from "../ffi/toolhelp.ts";
import { processUsage } from "../ffi/process.ts";

/** USER_HZ, the unit of /proc's times: 100 on every Linux architecture servitor runs on. */
const TICKS_PER_SECOND = 100;

export interface TreeUsage {
  /** Percent of one core since the last sample; absent on the first. */
  cpuPercent?: number;
  memoryBytes: number;
}

interface ProcessStat {
  parent: number;
  ticks: number;
  /** Resident pages (rss, field 24). */
  pages: number;
}

/** Parses /proc/PID/stat: the name in parentheses may hold spaces and parentheses itself. */
export function parseStat(text: string): ProcessStat | undefined {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [parent, utime, stime, pages] = [fields[1], fields[11], fields[12], fields[21]].map(Number);
  if ([parent, utime, stime, pages].some((value) => !Number.isFinite(value))) return undefined;
  return { parent, ticks: utime + stime, pages };
}

/** A process's stat; undefined when it ended (between a listing and the read, say). */
function readStat(pid: number): ProcessStat | undefined {
  try {
    return parseStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** The processes alive: /proc's numbered entries. */
function listPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (Number.isInteger(pid)) pids.add(pid);
  }
  return pids;
}

/**
 * How many samples read only the trees' processes and the new ones (/proc's stat of every process is read
 * at the others): a parent that changed under a process outside the trees, as a pid reused, is seen then.
 */
const FULL_SCAN_EVERY = 10;

/**
 * The size of a page, for stat's resident pages: this process's VmRSS over its resident pages (statm),
 * asked once — 4 KiB on x86-64, 4, 16 or 64 KiB on arm64 kernels.
 */
function pageBytes(): number {
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const pages = Number(Deno.readTextFileSync("/proc/self/statm").split(" ")[1]);
      const kib = Number(Deno.readTextFileSync("/proc/self/status").match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
      // The two reads may straddle a change of the resident set: a power of two is believed.
      const size = Math.round((kib * 1024) / pages / 1024) * 1024;
      if ([4096, 16384, 65536].includes(size)) return size;
    }
  } catch { /* no /proc: nothing is sampled anyway */ }
  return 4096;
}

/** One look at every process: each one's parent, and what a process of it has used so far. */
interface ProcessTable {
  parents: Map<number, number>;
  usage(pid: number): { cpuSeconds: number; memoryBytes: number } | undefined;
}

let linuxPageBytes: number | undefined;

/** Win32: a Toolhelp snapshot for the tree; GetProcessTimes and the working set of each process of it. */
function win32Table(): ProcessTable {
  const parents = new Map<number, number>();
  for (const { processId, parentProcessId } of listProcesses()) {
    // The System Idle Process is its own parent.
    if (processId !== parentProcessId) parents.set(processId, parentProcessId);
  }
  return {
    parents,
    usage(pid) {
      const used = processUsage(pid);
      return used && { cpuSeconds: used.cpuSeconds, memoryBytes: used.workingSetBytes };
    },
  };
}

/** Each process's children, from each one's parent. */
function childrenOf(parents: Map<number, number>): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parents) {
    const siblings = children.get(parent);
    if (siblings) siblings.push(pid);
    else children.set(parent, [pid]);
  }
  return children;
}

/**
 * `root` and every process below it, each once: the parents the sampler keeps between samples may be stale
 * (a pid reused before the next full scan), and a stale pair can make a cycle that must not loop forever.
 */
function treeOf(root: number, children: Map<number, number[]>): number[] {
  const tree = new Set([root]);
  for (const pid of tree) for (const child of children.get(pid) ?? []) tree.add(child);
  return [...tree];
}

/** Samples the trees of programs, remembering each one's last CPU time for the next sample's percent. */
export class UsageSampler {
  readonly #last = new Map<number, { cpuSeconds: number; at: number }>();
  #pids: Set<number> | undefined;
  /** Linux: each process's parent as last read, so that a sample reads the trees and new processes only. */
  readonly #parents = new Map<number, number>();
  #samples = 0;

  /** Whether `pid` was alive at the last sample or look (`look`); undefined before the first. */
  alive(pid: number): boolean | undefined {
    return this.#pids?.has(pid);
  }

  /**
   * Which processes are alive now, for `alive`, without their usage: /proc's listing (a twentieth of a
   * sample's cost, which reads every process's stat) or one Toolhelp snapshot.
   */
  look(): void {
    this.#pids = Deno.build.os === "windows"
      ? new Set(listProcesses().map((each) => each.processId))
      : listPids();
  }

  /**
   * /proc: stat's parent, utime+stime and resident pages — read of the trees of `roots` (by the parents
   * known) and of the processes not seen before, and of every process at every FULL_SCAN_EVERY-th sample.
   * Read synchronously: a few hundred small reads from /proc cost several times more CPU as async operations.
   */
  #procTable(roots: number[]): ProcessTable {
    const alive = listPids();
    const full = this.#samples++ % FULL_SCAN_EVERY === 0;
    const stats = new Map<number, ProcessStat>();
    const read = (pid: number) => {
      const stat = readStat(pid);
      if (stat) {
        stats.set(pid, stat);
        this.#parents.set(pid, stat.parent);
      } else this.#parents.delete(pid);
    };
    for (const pid of this.#parents.keys()) if (!alive.has(pid)) this.#parents.delete(pid);
    for (const pid of alive) if (full || !this.#parents.has(pid)) read(pid);
    const children = childrenOf(this.#parents);
    for (const root of roots) {
      for (const pid of treeOf(root, children)) if (!stats.has(pid)) read(pid);
    }
    linuxPageBytes ??= pageBytes();
    const page = linuxPageBytes;
    return {
      parents: this.#parents,
      usage(pid) {
        const stat = stats.get(pid);
        return stat && { cpuSeconds: stat.ticks / TICKS_PER_SECOND, memoryBytes: stat.pages * page };
      },
    };
  }

  /** The usage of each tree rooted at `roots`. */
  sample(roots: number[]): Map<number, TreeUsage> {
    const usage = new Map<number, TreeUsage>();
    const table = Deno.build.os === "windows" ? win32Table() : this.#procTable(roots);
    this.#pids = new Set(table.parents.keys());
    const children = childrenOf(table.parents);
    const now = performance.now();
    for (const root of roots) {
      if (!table.parents.has(root)) continue;
      const used = treeOf(root, children).map((pid) => table.usage(pid)).filter((each) => each !== undefined);
      if (used.length === 0) continue;
      const cpuSeconds = used.reduce((sum, each) => sum + each.cpuSeconds, 0);
      const memoryBytes = used.reduce((sum, each) => sum + each.memoryBytes, 0);
      const last = this.#last.get(root);
      const cpuPercent = last && now > last.at
        ? Math.max(0, (cpuSeconds - last.cpuSeconds) / ((now - last.at) / 1000) * 100)
        : undefined;
      this.#last.set(root, { cpuSeconds, at: now });
      usage.set(root, { cpuPercent, memoryBytes });
    }
    // Programs gone since: forgotten.
    for (const pid of this.#last.keys()) if (!roots.includes(pid)) this.#last.delete(pid);
    return usage;
  }
}
