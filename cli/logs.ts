/**
 * Reading a service's logs as they are written: the last lines of a file, and following it as `tail -F`
 * does — by name, so a file rotated away (renamed, a new one made in its place) or truncated (copy and
 * truncate) is read to its end and then the new one from its start, each line once. Used by
 * `ManageService <name> logs` and the browser UI's live output. The host shares its files for reading, so
 * this works while the service runs as well as when it is stopped.
 * @module
 */

/** The last `count` lines of `file` (a last line without its newline counts); empty when it doesn't exist. */
export async function lastLines(file: string, count: number): Promise<string[]> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  using _ = handle;
  return await linesBefore(handle, (await handle.stat()).size, count);
}

/** The last `count` lines of the file's first `end` bytes, read back from there in blocks (never all of it). */
async function linesBefore(handle: Deno.FsFile, end: number, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const block = 65_536;
  let start = end;
  let bytes: Uint8Array = new Uint8Array(0);
  while (start > 0) {
    const length = Math.min(block, start);
    start -= length;
    bytes = concat(await readAt(handle, start, length), bytes);
    if (newlines(bytes) > count) break;
  }
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-count);
}

/** Where a followed file stands: its identity (to see a new file under the name) and how far it was read. */
interface Position {
  handle: Deno.FsFile;
  identity: string;
  offset: number;
  /** A line begun but not yet ended. */
  partial: string;
  /** Keeps a character whose bytes were split between two reads. */
  decoder: TextDecoder;
}

/** How a file is told from another under the same name: its inode, or where there is none its birth time. */
function identityOf(info: Deno.FileInfo): string {
  return info.ino !== null ? `${info.dev}:${info.ino}` : `born ${info.birthtime?.getTime()}`;
}

/**
 * Follows `file` by name, calling `onLine` with its last `last` lines and then each whole line written
 * after them, until `signal` is aborted (a file that appears later is read from its start). Checks every
 * `intervalMs` (a timer, not a busy loop); a rotation is seen at the next check, and the old file's last
 * lines are read before the new one's.
 *
 * @example Printing a log as it grows, until Ctrl-C
 * ```ts
 * import { followFile } from "./logs.ts";
 * const stop = new AbortController();
 * Deno.addSignalListener("SIGINT", () => stop.abort());
 * await followFile("/var/log/servitor/Web/Web-stdout.log", (line) => console.log(line), stop.signal, 20);
 * ```
 */
export async function followFile(
  file: string,
  onLine: (line: string) => void,
  signal: AbortSignal,
  last = 0,
  intervalMs = 250,
): Promise<void> {
  let position = await openAt(file, "end");
  if (position) {
    for (const line of await linesBefore(position.handle, position.offset, last)) {
      onLine(line);
    }
  }
  try {
    while (!signal.aborted) {
      if (position) {
        await readNew(position, onLine);
        const now = await Deno.stat(file).catch(() => undefined);
        const replaced = now && identityOf(now) !== position.identity;
        const truncated = now && !replaced && now.size < position.offset;
        if (replaced) {
          // Rotated: what was written to the old file before the new one appeared is read first.
          await readNew(position, onLine);
          if (position.partial) onLine(position.partial);
          position.handle.close();
          position = await openAt(file, "start");
        } else if (truncated) {
          position.offset = 0;
          position.partial = "";
          position.decoder = new TextDecoder();
        }
      } else position = await openAt(file, "start");
      if (position) await readNew(position, onLine);
      await pause(intervalMs, signal);
    }
  } finally {
    position?.handle.close();
  }
}

async function openAt(file: string, where: "start" | "end"): Promise<Position | undefined> {
  try {
    const handle = await Deno.open(file);
    const info = await handle.stat();
    return {
      handle,
      identity: identityOf(info),
      offset: where === "end" ? info.size : 0,
      partial: "",
      decoder: new TextDecoder(),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Reads what was added since the last read, handing on each whole line. */
async function readNew(position: Position, onLine: (line: string) => void) {
  const { size } = await position.handle.stat();
  if (size <= position.offset) return;
  const bytes = await readAt(position.handle, position.offset, size - position.offset);
  position.offset += bytes.length;
  const text = position.partial + position.decoder.decode(bytes, { stream: true });
  const lines = text.split("\n");
  position.partial = lines.pop() ?? "";
  for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
}

/** Up to `length` bytes of `handle` from `offset` (fewer at the end of the file). */
export async function readAt(handle: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  await handle.seek(offset, Deno.SeekMode.Start);
  const bytes = new Uint8Array(length);
  let read = 0;
  while (read < length) {
    const count = await handle.read(bytes.subarray(read));
    if (count === null) break;
    read += count;
  }
  return bytes.subarray(0, read);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function newlines(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) if (byte === 10) count++;
  return count;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
