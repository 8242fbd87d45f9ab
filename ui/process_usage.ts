/**
 * CPU and memory of a program's whole process tree, from Linux's /proc: the tree by each process's parent
 * (stat), its CPU as the change of utime+stime between two samples, its memory as the sum of VmRSS. Where
 * there is no /proc (Windows) there is nothing to say, yet.
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
}

/** Parses /proc/PID/stat: the name in parentheses may hold spaces and parentheses itself. */
export function parseStat(text: string): ProcessStat | undefined {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [parent, utime, stime] = [fields[1], fields[11], fields[12]].map(Number);
  if ([parent, utime, stime].some((value) => !Number.isFinite(value))) return undefined;
  return { parent, ticks: utime + stime };
}

async function readStats(): Promise<Map<number, ProcessStat>> {
  const stats = new Map<number, ProcessStat>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    // A process may end between the listing and the read.
    const stat = parseStat(await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => ""));
    if (stat) stats.set(Number(entry.name), stat);
  }
  return stats;
}

async function residentBytes(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
}

/** Samples the trees of programs, remembering each one's last CPU time for the next sample's percent. */
export class UsageSampler {
  readonly #last = new Map<number, { ticks: number; at: number }>();

  /** The usage of each tree rooted at `roots`; an empty map where there is no /proc. */
  async sample(roots: number[]): Promise<Map<number, TreeUsage>> {
    const usage = new Map<number, TreeUsage>();
    if (Deno.build.os !== "linux" || roots.length === 0) return usage;
    const stats = await readStats();
    const children = new Map<number, number[]>();
    for (const [pid, { parent }] of stats) children.set(parent, [...children.get(parent) ?? [], pid]);
    const now = performance.now();
    for (const root of roots) {
      if (!stats.has(root)) continue;
      const tree = [root];
      for (let i = 0; i < tree.length; i++) tree.push(...children.get(tree[i]) ?? []);
      const ticks = tree.reduce((sum, pid) => sum + (stats.get(pid)?.ticks ?? 0), 0);
      const memoryBytes = (await Promise.all(tree.map(residentBytes))).reduce((a, b) => a + b, 0);
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
