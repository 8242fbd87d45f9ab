/**
 * Restart and stop latency on Linux.
 *
 * - Restart: the program runs `runMs` (longer than every contender's throttle: servitor's AppThrottle is
 *   1.5 s, runit's and s6's pause is 1 s) and exits 0; the figure is the time from its exit to its
 *   replacement's start, both recorded by the program itself.
 * - Stop: from the stop request to the program gone (exited, or a zombie awaiting its parent), for a
 *   program that exits at once on SIGINT or SIGTERM, and for one that ignores both (then the escalation to
 *   SIGKILL, configured at 3 s for every contender, is the figure).
 * @module
 */
import path from "path";
import type { Contender } from "../contenders/contender.ts";
import { readMarks, restartGapsMs, waitForMarks } from "../mark.ts";
import { nowUs, running, sleep } from "../proc.ts";
import type { Row } from "../report.ts";
import { summarize } from "../stats.ts";

export interface LatencyOptions {
  program: string;
  scratch: string;
  reps: number;
  say(line: string): void;
  /** Whether the program still runs: /proc's reading (bench/proc.ts) when not given; Windows asks its own. */
  alive?(pid: number): boolean;
  /** Told the signals (console events under Windows) the program received over a stop measure's repetitions. */
  signals?(received: string[]): void;
}

export async function measureRestart(
  contender: Contender,
  options: LatencyOptions & { runMs: number },
): Promise<Row> {
  const dir = path.join(options.scratch, `restart-${contender.id}`);
  await Deno.mkdir(dir, { recursive: true });
  const mark = path.join(dir, "mark");
  const supervised = await contender.start(dir, options.program, [
    { name: "cycle", args: ["cycle", mark, String(options.runMs)] },
  ]);
  try {
    const records = await waitForMarks(
      mark,
      "start",
      options.reps + 1,
      (options.reps + 1) * (options.runMs + 5_000) + 20_000,
    );
    const gaps = restartGapsMs(records).slice(0, options.reps);
    options.say(`  ${contender.label}: ${gaps.map((gap) => gap.toFixed(1)).join(", ")} ms`);
    return { id: contender.id, contender: contender.label, figures: { restart: summarize(gaps) } };
  } catch (error) {
    return {
      id: contender.id,
      contender: contender.label,
      figures: { restart: undefined },
      note: (error as Error).message,
    };
  } finally {
    await supervised.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Health restart: the time from the failed check that makes the program unhealthy (the check's own clock
 * reading as it fails) to its replacement's start (the program's own), through the stop escalation's
 * first step (SIGINT, which the program exits on at once) and the launch.
 */
export async function measureHealthRestart(
  contender: (check: string) => Contender,
  options: LatencyOptions,
): Promise<Row> {
  const dir = path.join(options.scratch, "health-restart");
  await Deno.mkdir(dir, { recursive: true });
  const mark = path.join(dir, "mark");
  const failures = path.join(dir, "failures");
  const check = `cmd:echo $(($(date +%s%N) / 1000)) >>'${failures}'; exit 1`;
  const subject = contender(check);
  const supervised = await subject.start(dir, options.program, [{ name: "unhealthy", args: ["idle", mark] }]);
  try {
    const starts = (await waitForMarks(mark, "start", options.reps + 1, (options.reps + 1) * 10_000 + 20_000))
      .filter((record) => record.kind === "start");
    const failed = (await Deno.readTextFile(failures)).split("\n").filter(Boolean).map(Number);
    const gaps = starts.slice(1, options.reps + 1).map((start) =>
      (start.us - Math.max(...failed.filter((us) => us <= start.us))) / 1000
    );
    options.say(`  ${subject.label}: ${gaps.map((gap) => gap.toFixed(1)).join(", ")} ms`);
    return { id: subject.id, contender: subject.label, figures: { restart: summarize(gaps) } };
  } catch (error) {
    return {
      id: subject.id,
      contender: subject.label,
      figures: { restart: undefined },
      note: (error as Error).message,
    };
  } finally {
    await supervised.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

export async function measureStop(
  contender: Contender,
  mode: "idle" | "stubborn",
  options: LatencyOptions,
): Promise<Row> {
  const dir = path.join(options.scratch, `stop-${mode}-${contender.id}`);
  await Deno.mkdir(dir, { recursive: true });
  const mark = path.join(dir, "mark");
  const supervised = await contender.start(dir, options.program, [{ name: "stop", args: [mode, mark] }]);
  const latencies: number[] = [];
  let note: string | undefined;
  try {
    for (let rep = 0; rep < options.reps; rep++) {
      const records = await waitForMarks(mark, "start", rep + 1, 30_000);
      const pid = records.filter((r) => r.kind === "start")[rep].pid;
      // Settled: daemontools' supervise pauses 1 s after each start, reading no command meanwhile; a stop
      // comes long after a start in real life.
      await sleep(1500);
      const asked = nowUs();
      await supervised.stop("stop");
      const deadline = Date.now() + 30_000;
      while ((options.alive ?? running)(pid)) {
        if (Date.now() > deadline) throw new Error(`the program (pid ${pid}) still runs 30 s after the stop`);
        await sleep(1);
      }
      latencies.push((nowUs() - asked) / 1000);
      if (rep + 1 < options.reps) {
        await sleep(200);
        await supervised.start("stop");
      }
    }
    options.say(`  ${contender.label}: ${latencies.map((ms) => ms.toFixed(1)).join(", ")} ms`);
    options.signals?.((await readMarks(mark)).filter((r) => r.kind === "signal").map((r) => r.signal!));
  } catch (error) {
    note = (error as Error).message;
  } finally {
    await supervised.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return { id: contender.id, contender: contender.label, figures: { stop: summarize(latencies) }, note };
}
