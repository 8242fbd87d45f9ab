/**
 * CPU and memory of a program's whole process tree, from Linux's /proc: the tree by each process's parent
 * (stat), its CPU as the change of utime+stime between two samples, its memory as the sum of the resident
 * pages. Where there is no /proc (Windows) there is nothing to say, yet.
 * @module
 */

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

/**
 * Every process's stat. Read synchronously: a few hundred small reads from /proc cost several times more
 * CPU as async operations, and this runs every second while a page is open.
 */
function readStats(): Map<number, ProcessStat> {
  const stats = new Map<number, ProcessStat>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let text = "";
    try {
      text = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch { /* ended between the listing and the read */ }
    const stat = parseStat(text);
    if (stat) stats.set(Number(entry.name), stat);
  }
  return stats;
}

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

/** Samples the trees of programs, remembering each one's last CPU time for the next sample's percent. */
export class UsageSampler {
  readonly #last = new Map<number, { ticks: number; at: number }>();
  #pageBytes: number | undefined;
  #pids: Set<number> | undefined;

  /** The usage of each tree rooted at `roots`; an empty map where there is no /proc. */
  /**
   * Whether `pid` was alive at the last sample; undefined where there is no /proc to say (nor a sample).
   */
  alive(pid: number): boolean | undefined {
    return this.#pids?.has(pid);
  }

  sample(roots: number[]): Map<number, TreeUsage> {
    const usage = new Map<number, TreeUsage>();
    if (Deno.build.os !== "linux") return usage;
    const stats = readStats();
    this.#pids = new Set(stats.keys());
    this.#pageBytes ??= pageBytes();
    const children = new Map<number, number[]>();
    for (const [pid, { parent }] of stats) children.set(parent, [...children.get(parent) ?? [], pid]);
    const now = performance.now();
    for (const root of roots) {
      if (!stats.has(root)) continue;
      const tree = [root];
      for (let i = 0; i < tree.length; i++) tree.push(...children.get(tree[i]) ?? []);
      const ticks = tree.reduce((sum, pid) => sum + (stats.get(pid)?.ticks ?? 0), 0);
      const memoryBytes = tree.reduce((sum, pid) => sum + (stats.get(pid)?.pages ?? 0), 0) * this.#pageBytes;
      const last = this.#last.get(root);
      const cpuPercent = last && now > last.at
        ? Math.max(0, ((ticks - last.ticks) / TICKS_PER_SECOND) / ((now - last.at) / 1000) * 100)
        : undefined;
      this.#last.set(root, { ticks, at: now });
      usage.set(root, { cpuPercent, memoryBytes });
    }
    // Programs gone since: forgotten.
    for (const pid of this.#last.keys()) if (!roots.includes(pid)) this.#last.delete(pid);
    return usage;
  }
}
