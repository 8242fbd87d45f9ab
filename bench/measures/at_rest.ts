/**
 * Cost at rest: every contender supervises N idle programs (their output captured the contender's way);
 * once all have started and settled, the supervising processes' memory (RSS, and PSS: shared pages split
 * among the processes sharing them) and CPU time are read over consecutive windows. The contenders run
 * side by side: idle, they do not compete, and each is read through its own processes only.
 * A bare `deno run` of an idling program is read alongside: the floor under servitor's host.
 * @module
 */
import path from "path";
import type { Contender, Running } from "../contenders/contender.ts";
import { waitForMarks } from "../mark.ts";
import { killTree, liveThreadsCpuNs, memoryOf, nowUs, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { summarize } from "../stats.ts";

export interface AtRestOptions {
  program: string;
  scratch: string;
  count: number;
  windows: number;
  windowMs: number;
  settleMs: number;
  say(line: string): void;
  /** Called while everything still runs, after the windows (the CLI measure uses the running services). */
  whileRunning?(running: Map<Contender, { dir: string; supervised: Running }>): Promise<void>;
}

interface Subject {
  id: string;
  label: string;
  pids(): number[];
}

const idle = path.join(import.meta.dirname!, "..", "idle.ts");

export async function measureAtRest(contenders: Contender[], options: AtRestOptions): Promise<Row[]> {
  const started = new Map<Contender, { dir: string; supervised: Running }>();
  const bare = new Deno.Command(Deno.execPath(), { args: ["run", idle], stdin: "null", stdout: "null" })
    .spawn();
  const subjects: Subject[] = [{
    id: "deno",
    label: "floor: bare `deno run` of an idle program",
    pids: () => [bare.pid],
  }];
  try {
    for (const contender of contenders) {
      const dir = path.join(options.scratch, `rest-${options.count}-${contender.id}`);
      await Deno.mkdir(dir, { recursive: true });
      const services = Array.from({ length: options.count }, (_, i) => ({
        name: `idle${i}`,
        args: ["idle", path.join(dir, `mark${i}`)],
      }));
      const supervised = await contender.start(dir, options.program, services);
      started.set(contender, { dir, supervised });
      subjects.push({ id: contender.id, label: contender.label, pids: () => supervised.supervisors() });
    }
    for (const [contender, { dir }] of started) {
      for (let i = 0; i < options.count; i++) {
        await waitForMarks(path.join(dir, `mark${i}`), "start", 1, 120_000);
      }
      options.say(`  ${contender.label}: ${options.count} program(s) up`);
    }
    await sleep(options.settleMs);
    const samples = subjects.map(() => ({ rss: [] as number[], pss: [] as number[], cpu: [] as number[] }));
    for (let window = 0; window < options.windows; window++) {
      const before = subjects.map((subject) => {
        const pids = subject.pids();
        return { pids, cpu: pids.map((pid) => liveThreadsCpuNs(pid)), at: nowUs() };
      });
      await sleep(options.windowMs);
      subjects.forEach((_, i) => {
        const { pids, cpu, at } = before[i];
        let used = 0;
        let rss = 0;
        let pss = 0;
        pids.forEach((pid, j) => {
          const now = liveThreadsCpuNs(pid);
          // A thread that ended in the window takes its time along: never less than nothing.
          if (now !== undefined && cpu[j] !== undefined) used += Math.max(0, now - cpu[j]!);
          const memory = memoryOf(pid);
          rss += memory?.rss ?? 0;
          pss += memory?.pss ?? 0;
        });
        const wallNs = (nowUs() - at) * 1000;
        samples[i].cpu.push(used / wallNs * 100);
        samples[i].rss.push(rss / 2 ** 20);
        samples[i].pss.push(pss / 2 ** 20);
      });
    }
    await options.whileRunning?.(started);
    return subjects.map((subject, i) => ({
      id: subject.id,
      contender: subject.label,
      figures: {
        rss: summarize(samples[i].rss),
        pss: summarize(samples[i].pss),
        cpu: summarize(samples[i].cpu),
      },
    }));
  } finally {
    for (const { dir, supervised } of started.values()) {
      await supervised.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    await killTree(bare.pid);
    await bare.status;
  }
}
