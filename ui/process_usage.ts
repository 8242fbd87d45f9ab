/**
 * CPU and memory of a program's whole process tree: the tree by each process's parent, its CPU as the change
 * of its processes' CPU time between two samples, its memory as the sum of their resident sets — from /proc
 * on Linux (stat's utime+stime, status's VmRSS), from Win32 on Windows (Toolhelp, GetProcessTimes, the
 * working set).
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

/** Where a sampler learns the process tree and each process's use: /proc on Linux, Win32 on Windows. */
interface ProcessSource {
  /** Every process's parent, now. */
  parents(): Promise<Map<number, number>>;
  /** CPU seconds so far and resident memory of `pid`; undefined once it has ended. */
  usage(pid: number): Promise<{ cpuSeconds: number; memoryBytes: number } | undefined>;
}

const procSource: ProcessSource = {
  async parents() {
    const parents = new Map<number, number>();
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      // A process may end between the listing and the read.
      const stat = parseStat(await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => ""));
      if (stat) parents.set(Number(entry.name), stat.parent);
    }
    return parents;
  },
  async usage(pid) {
    const stat = parseStat(await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => ""));
    if (!stat) return undefined;
    const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
    const memoryBytes = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
    return { cpuSeconds: stat.ticks / TICKS_PER_SECOND, memoryBytes };
  },
};

/** Toolhelp for the tree; GetProcessTimes and the working set for each process of it. */
async function win32Source(): Promise<ProcessSource> {
  const [{ listProcesses }, { processUsage }] = await Promise.all([
    import("../ffi/toolhelp.ts"),
    import("../ffi/process.ts"),
  ]);
  return {
    parents() {
      const parents = new Map<number, number>();
      for (const { processId, parentProcessId } of listProcesses()) {
        // The System Idle Process is its own parent.
        if (processId !== parentProcessId) parents.set(processId, parentProcessId);
      }
      return Promise.resolve(parents);
    },
    usage(pid) {
      const used = processUsage(pid);
      return Promise.resolve(used && { cpuSeconds: used.cpuSeconds, memoryBytes: used.workingSetBytes });
    },
  };
}

/** Samples the trees of programs, remembering each one's last CPU time for the next sample's percent. */
export class UsageSampler {
  readonly #last = new Map<number, { cpuSeconds: number; at: number }>();
  #source?: Promise<ProcessSource>;

  /** The usage of each tree rooted at `roots`. */
  async sample(roots: number[]): Promise<Map<number, TreeUsage>> {
    const usage = new Map<number, TreeUsage>();
    if (roots.length === 0) return usage;
    this.#source ??= Deno.build.os === "windows" ? win32Source() : Promise.resolve(procSource);
    const source = await this.#source;
    const parents = await source.parents();
    const children = new Map<number, number[]>();
    for (const [pid, parent] of parents) children.set(parent, [...children.get(parent) ?? [], pid]);
    const now = performance.now();
    for (const root of roots) {
      if (!parents.has(root)) continue;
      const tree = [root];
      for (let i = 0; i < tree.length; i++) tree.push(...children.get(tree[i]) ?? []);
      const used = (await Promise.all(tree.map((pid) => source.usage(pid)))).filter((each) =>
        each !== undefined
      );
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
