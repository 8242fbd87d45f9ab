/**
 * What the tests of every tier share (run by the Linux and the Windows deno alike): waiting for something to
 * become so rather than sleeping, a file's lines, a temporary folder that goes away with `await using`, a free
 * port, and the check that a log and its rotated files hold every numbered line, whole.
 * Each tier's own helpers.ts holds what only that tier needs.
 * @module
 */
import path from "path";
import { assertEquals, assertOk } from "./assert.ts";
import { rotatedFiles } from "../host/rotation.ts";

/** Waits `ms`: for a test that must let time pass (a throttle, a wait hint), never to wait for an event. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `read` until `ok` holds for its value and returns that value; after `timeoutMs` throws, naming
 * `what` and the last value read.
 */
export async function eventually<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 20_000,
  what = "the value",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what} is still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/** The lines of a text file (CRLF or LF), empty ones left out; none when it is missing. */
export async function readLines(file: string): Promise<string[]> {
  return (await Deno.readTextFile(file).catch(() => "")).split(/\r?\n/).filter(Boolean);
}

/** Polls a file until its lines satisfy `ok`; returns them. */
export function eventuallyLines(
  file: string,
  ok: (lines: string[]) => boolean,
  timeoutMs = 30_000,
): Promise<string[]> {
  return eventually(() => readLines(file), ok, timeoutMs, file);
}

/** Waits until `file` has the line `line` (or one matching it); returns all its lines. */
export function waitForLine(file: string, line: string | RegExp, timeoutMs = 20_000): Promise<string[]> {
  const matches = (l: string) => typeof line === "string" ? l === line : line.test(l);
  return eventuallyLines(file, (lines) => lines.some(matches), timeoutMs);
}

/** The lines of `file` once `count` of them are kept by `keep` (every line when it is left out). */
export function waitForLines(
  file: string,
  count: number,
  keep: (line: string) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<string[]> {
  return eventually(
    async () => (await readLines(file)).filter(keep),
    (lines) => lines.length >= count,
    timeoutMs,
    file,
  );
}

/** A temporary folder, removed with all it holds at the end of its `await using` block. */
export async function tempDir(prefix = "servitor-"): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix });
  return {
    path: dir,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A port free on loopback just now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Asserts that `log`'s rotated files, then `log` itself, hold `line 1`, `line 2` … one after another, each
 * whole: none lost, none cut (fixtures/output_lines.ts's lines). Returns how many files and lines there were.
 */
export async function assertRotatedLinesWhole(log: string): Promise<{ files: number; lines: number }> {
  const files = [...(await rotatedFiles(log)).map((file) => file.path), log];
  const sizeOf = (file: string) => Deno.stat(file).then((info) => info.size, () => "gone");
  let expected = 1;
  for (const file of files) {
    // The host may die just after a rotation, before the next file is made: no file, or an empty one, holds no
    // line, whole or cut.
    const text = await Deno.readTextFile(file).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return "";
      throw error;
    });
    if (text === "") continue;
    if (!text.endsWith("\n")) {
      const sizes = await Promise.all(files.map(async (f) => [path.basename(f), await sizeOf(f)]));
      assertOk(
        false,
        `${file} ends with a whole line: …${JSON.stringify(text.slice(-80))} (${text.length} chars; ` +
          `files ${JSON.stringify(sizes)})`,
      );
    }
    for (const line of text.slice(0, -1).split("\n")) {
      assertEquals(line, `line ${expected}`, path.basename(file));
      expected++;
    }
  }
  return { files: files.length, lines: expected - 1 };
}

/**
 * Reads `child`'s stdout until it holds `text`, and returns what it read; the rest of its output is read and
 * dropped, so the child never blocks on a full pipe. Throws, with what it printed, when its stdout ends first.
 */
export async function waitForOutput(child: Deno.ChildProcess, text: string): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let read = "";
  while (!read.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the child ended before it printed ${JSON.stringify(text)}: ${read}`);
    read += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* dropped */ }
  })().catch(() => {});
  return read;
}
