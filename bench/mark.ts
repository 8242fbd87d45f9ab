/**
 * The bench program's own record of what it did (bench/program.c): `start PID USEC`, `exit PID USEC`,
 * `done PID USEC BYTES LINES`, `signal PID USEC NAME`, one line each, USEC the wall clock in microseconds.
 * @module
 */

export interface MarkRecord {
  kind: "start" | "exit" | "done" | "signal";
  pid: number;
  /** Wall-clock microseconds. */
  us: number;
  bytes?: number;
  lines?: number;
  signal?: string;
}

/**
 * Parses a mark file's text; a last line still being written is left out.
 *
 * @example
 * ```ts
 * import { parseMarks } from "./mark.ts";
 * parseMarks("start 42 1700000000000000\ndone 42 1700000001000000 1024 20\n");
 * // [{ kind: "start", pid: 42, us: 1700000000000000 }, { kind: "done", …, bytes: 1024, lines: 20 }]
 * ```
 */
export function parseMarks(text: string): MarkRecord[] {
  const records: MarkRecord[] = [];
  const lines = text.split("\n");
  lines.pop(); // after the last newline: empty, or a partial line
  for (const line of lines) {
    const [kind, pid, us, a, b] = line.trim().split(/\s+/);
    if (!["start", "exit", "done", "signal"].includes(kind)) continue;
    const record: MarkRecord = { kind: kind as MarkRecord["kind"], pid: Number(pid), us: Number(us) };
    if (kind === "done") Object.assign(record, { bytes: Number(a), lines: Number(b) });
    if (kind === "signal") record.signal = a;
    records.push(record);
  }
  return records;
}

/** The records of a mark file so far (none when it does not exist yet). */
export async function readMarks(file: string): Promise<MarkRecord[]> {
  try {
    return parseMarks(await Deno.readTextFile(file));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Waits until the mark file has `count` records of `kind`; returns them all. */
export async function waitForMarks(
  file: string,
  kind: MarkRecord["kind"],
  count: number,
  timeoutMs: number,
): Promise<MarkRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await readMarks(file);
    if (records.filter((r) => r.kind === kind).length >= count) return records;
    if (Date.now() > deadline) {
      throw new Error(
        `${file}: ${count} '${kind}' records expected within ${timeoutMs} ms, got: ` +
          JSON.stringify(records.slice(-6)),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Restart gaps: for each `exit` record, the time until the next `start` after it, in milliseconds.
 *
 * @example
 * ```ts
 * import { parseMarks, restartGapsMs } from "./mark.ts";
 * restartGapsMs(parseMarks("start 1 0\nexit 1 2000000\nstart 2 2001500\n")); // [1.5]
 * ```
 */
export function restartGapsMs(records: readonly MarkRecord[]): number[] {
  const gaps: number[] = [];
  records.forEach((record, i) => {
    if (record.kind !== "exit") return;
    const next = records.slice(i + 1).find((r) => r.kind === "start");
    if (next) gaps.push((next.us - record.us) / 1000);
  });
  return gaps;
}
