/**
 * Output throughput: the bench program writes BYTES of numbered lines through stdio as fast as it can;
 * the figure is BYTES over the time from the program's start until every byte is in the contender's files
 * (rotated ones included). Then every file is read back and checked: byte count, line count and a
 * checksum against what the program wrote — a contender that loses, splits or repeats a line is caught.
 * @module
 */
import path from "path";
import type { Contender } from "../contenders/contender.ts";
import { waitForMarks } from "../mark.ts";
import { cpuTimeNs, sleep, wallClockUs } from "../proc.ts";
import type { Row } from "../report.ts";
import { type Figure, summarize } from "../stats.ts";

export interface ThroughputOptions {
  program: string;
  scratch: string;
  bytes: number;
  reps: number;
  /** The rotation size for contenders that rotate. */
  rotateBytes: number;
  /** A line of progress for the person watching. */
  say(line: string): void;
}

/** `BYTES LINES HASH`, as `program expect` and `program verify` print it. */
export interface Digest {
  bytes: number;
  lines: number;
  hash: string;
}

async function digest(program: string, args: string[]): Promise<Digest> {
  const { code, stdout, stderr } = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (code !== 0) throw new Error(`${program} ${args[0]}: ${new TextDecoder().decode(stderr)}`);
  const [bytes, lines, hash] = new TextDecoder().decode(stdout).trim().split(" ");
  return { bytes: Number(bytes), lines: Number(lines), hash };
}

/** What `program write … BYTES` writes, computed once. */
export function expected(program: string, bytes: number): Promise<Digest> {
  return digest(program, ["expect", String(bytes)]);
}

async function totalSize(files: string[]): Promise<number> {
  let total = 0;
  for (const file of files) {
    try {
      total += (await Deno.stat(file)).size;
    } catch {
      // not there (yet), or renamed between the listing and the stat: the next poll sees it
    }
  }
  return total;
}

export interface ThroughputRow extends Row {
  figures: { rate: Figure | undefined; cpu: Figure | undefined; files: Figure | undefined };
}

/**
 * Every contender's repetitions, interleaved: each round runs one repetition of each, in an order turned by
 * one each round, so that whatever drifts over the minutes of a measure (the page cache, the disk's
 * write-back, the machine's other load) falls on every contender alike, not on whichever ran its five in a
 * row at the bad moment — run contender after contender, the same build of servitor read 863 MiB/s in one
 * full run and 1108 in the next, against a peer's 961 and 1065. The file system is synced before each
 * repetition, so no write-back of the last one runs during it.
 */
export async function measureThroughput(
  contenders: readonly Contender[],
  options: ThroughputOptions,
): Promise<ThroughputRow[]> {
  const want = await expected(options.program, options.bytes);
  const results = contenders.map(() => ({
    rates: [] as number[],
    cpu: [] as number[],
    fileCounts: [] as number[],
    failures: [] as string[],
  }));
  for (let rep = 0; rep < options.reps; rep++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const index = (turn + rep) % contenders.length;
      await syncFileSystems();
      await measureOnce(contenders[index], rep, want, options, results[index]);
    }
  }
  return contenders.map((contender, index) => {
    const { rates, cpu, fileCounts, failures } = results[index];
    return {
      id: contender.id,
      contender: contender.label,
      figures: { rate: summarize(rates), cpu: summarize(cpu), files: summarize(fileCounts) },
      note: failures.length ? `output NOT verified — ${failures.join("; ")}` : undefined,
    };
  });
}

async function syncFileSystems(): Promise<void> {
  await new Deno.Command("sync", { stdout: "null", stderr: "null" }).output().catch(() => {});
}

/** One repetition of one contender, its figures added to `into`. */
async function measureOnce(
  contender: Contender,
  rep: number,
  want: Digest,
  options: ThroughputOptions,
  into: { rates: number[]; cpu: number[]; fileCounts: number[]; failures: string[] },
): Promise<void> {
  const { rates, cpu, fileCounts, failures } = into;
  const dir = path.join(options.scratch, `throughput-${contender.id}-${rep}`);
  await Deno.mkdir(dir, { recursive: true });
  const mark = path.join(dir, "mark");
  const running = await contender.start(dir, options.program, [
    { name: "writer", args: ["write", mark, String(options.bytes)], rotateBytes: options.rotateBytes },
  ]);
  try {
    const timeoutMs = 30_000 + options.bytes / 2 ** 20 * 200;
    // The supervisors' CPU from the program's start: the host's own start-up is not output work.
    await waitForMarks(mark, "start", 1, timeoutMs);
    const cpuAtStart = running.supervisors().reduce((sum, pid) => sum + (cpuTimeNs(pid) ?? 0), 0);
    const records = await waitForMarks(mark, "done", 1, timeoutMs);
    const start = records.find((r) => r.kind === "start")!;
    const done = records.find((r) => r.kind === "done")!;
    const onDisk = done.bytes! + done.lines! * running.prefixBytes("writer");
    const deadline = Date.now() + timeoutMs;
    let endUs = 0;
    for (;;) {
      if (await totalSize(await running.outputFiles("writer")) >= onDisk) {
        endUs = wallClockUs();
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(2);
    }
    const supervisorCpu = running.supervisors().reduce((sum, pid) => sum + (cpuTimeNs(pid) ?? 0), 0) -
      cpuAtStart;
    const files = await running.outputFiles("writer");
    await running.close();
    if (!endUs) {
      failures.push(`rep ${rep + 1}: only ${await totalSize(files)} of ${onDisk} bytes arrived`);
      return;
    }
    const got = await digest(options.program, ["verify", String(running.prefixBytes("writer")), ...files]);
    if (got.bytes !== want.bytes || got.lines !== want.lines || got.hash !== want.hash) {
      failures.push(
        `rep ${rep + 1}: read back ${got.bytes} bytes, ${got.lines} lines, hash ${got.hash}; ` +
          `expected ${want.bytes}, ${want.lines}, ${want.hash}`,
      );
      return;
    }
    const seconds = (endUs - start.us) / 1e6;
    rates.push(done.bytes! / 2 ** 20 / seconds);
    fileCounts.push(files.length);
    if (contender.id !== "floor") cpu.push(supervisorCpu / 1e9 / (done.bytes! / 2 ** 30));
    options.say(
      `  ${contender.label}: ${
        (done.bytes! / 2 ** 20 / seconds).toFixed(0)
      } MiB/s, ${files.length} file(s), verified`,
    );
  } catch (error) {
    failures.push(`rep ${rep + 1}: ${(error as Error).message}`);
    options.say(`  ${contender.label}: FAILED: ${(error as Error).message}`);
  } finally {
    await running.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
