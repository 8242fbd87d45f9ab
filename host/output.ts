/**
 * The host's output layer: the program's stdout and stderr, piped to the host, written into the files the
 * output specs name — with NSSM's timestamps (AppTimestampLog) and online rotation (AppRotateOnline), lines
 * kept whole, and nothing lost or written twice.
 * @module
 */
import path from "path";
import type { OutputSpec, RotationSpec } from "../service/spec.ts";
import { compressRotated, pruneRotated, rotateFile } from "./rotation.ts";
import { readAvailable } from "../ffi/libc.ts";

/** One of the program's output streams. */
export type OutputStream = "stdout" | "stderr";

/** The output files of one launch: resolved paths (see resolveOutputPath); the same path twice is one file. */
export interface OutputFiles {
  /** Where stdout goes; not written anywhere when undefined. */
  stdout?: string;
  /** Where stderr goes; not written anywhere when undefined. */
  stderr?: string;
}

/** How an {@link OutputWriter} behaves beyond the output spec. */
export interface OutputOptions {
  /** Also copy the program's bytes to the host's own stdout and stderr (console mode). */
  echo: boolean;
  /** Rotate/Pre (awaited before the file is renamed) and Rotate/Post. */
  hooks?: { beforeRotate(): Promise<void>; afterRotate(): Promise<void> | void };
  /** Every failure after opening (a full disk, a failed rotation): one line for a person. */
  onError(message: string): void;
  /** What a person should know though nothing failed now: output written again after a stretch of drops. */
  onNotice?(message: string): void;
  /** Bytes of output that could not be written (a full disk) and were dropped, as they are dropped. */
  onDropped?(bytes: number): void;
  /** The clock for timestamps and rotation; the real one by default. */
  now?: () => Date;
}

/**
 * How often at most a file is looked at for having been deleted while open: a stat before every write was
 * 6 % of the host's CPU with a fast writer (44 000 writes per GiB; bench/'s throughput with online rotation,
 * Deno's --cpu-prof). A program that writes less often than this is still looked at before every write.
 */
const DELETION_CHECK_MS = 10;
/** How long writes must succeed after a failure before writing counts as resumed. */
const RESUMED_AFTER_MS = 1_000;
/** A partial line longer than this is written anyway (so a program that never ends a line can't eat memory). */
const maxPartialLine = 64 * 1024;
const newline = 10;
const encoder = new TextEncoder();

/**
 * Opens the output files and writes the program's streams into them.
 *
 * @example
 * ```ts ignore
 * import { OutputWriter } from "./output.ts";
 * import { defaultSpec } from "../service/spec.ts";
 * const child = new Deno.Command("/opt/web/server", { stdout: "piped", stderr: "piped" }).spawn();
 * const log = "/var/log/servitor/web.log";
 * await using output = await OutputWriter.open({ stdout: log, stderr: log }, defaultSpec("web", "/opt/web/server").output, {
 *   echo: false,
 *   onError: (message) => console.error(message),
 * });
 * await Promise.all([output.pump("stdout", child.stdout), output.pump("stderr", child.stderr)]);
 * ```
 */
export class OutputWriter implements AsyncDisposable {
  readonly #streams: Record<OutputStream, StreamState>;
  readonly #files: OutputFile[];
  readonly #options: OutputOptions;
  readonly #now: () => Date;
  readonly #timestamp: boolean;
  readonly #online: boolean;
  readonly #pumps = new Set<Promise<void>>();
  readonly #readers = new Set<LineReader>();
  #echoBroken = false;
  #closed = false;

  private constructor(
    streams: Record<OutputStream, StreamState>,
    files: OutputFile[],
    spec: OutputSpec,
    options: OutputOptions,
    now: () => Date,
  ) {
    this.#streams = streams;
    this.#files = files;
    this.#options = options;
    this.#now = now;
    this.#timestamp = spec.timestamp;
    this.#online = spec.rotation.online;
  }

  /**
   * Opens (creating them and their folders) the files for stdout and stderr: appended to, or emptied first
   * for the `replace` disposition. Rejects with an error naming the path when one can't be opened.
   */
  static async open(files: OutputFiles, spec: OutputSpec, options: OutputOptions): Promise<OutputWriter> {
    const now = options.now ?? (() => new Date());
    const opened: OutputFile[] = [];
    const make = (file: string, disposition: OutputSpec["stdoutDisposition"], copy: boolean) => {
      const output = OutputFile.open(file, disposition, copy, spec.rotation, { ...options, now });
      opened.push(output);
      return output;
    };
    try {
      const stdout = files.stdout === undefined
        ? undefined
        : make(files.stdout, spec.stdoutDisposition, spec.rotation.stdoutCopyAndTruncate);
      const stderr = files.stderr === undefined
        ? undefined
        : stdout && samePath(files.stderr, files.stdout!)
        ? stdout
        : make(files.stderr, spec.stderrDisposition, spec.rotation.stderrCopyAndTruncate);
      return new OutputWriter(
        { stdout: newStreamState("stdout", stdout), stderr: newStreamState("stderr", stderr) },
        opened,
        spec,
        options,
        now,
      );
    } catch (error) {
      for (const output of opened) await output[Symbol.asyncDispose]();
      throw error;
    }
  }

  /**
   * Writes everything `readable` gives into the stream's file, whole lines at a time. Resolves when the
   * stream has ended and all of it is written; never rejects (failures go to onError).
   */
  pump(stream: OutputStream, readable: ReadableStream<Uint8Array>): Promise<void> {
    const pumping = this.#pump(this.#streams[stream], readable);
    this.#pumps.add(pumping);
    return pumping.finally(() => this.#pumps.delete(pumping));
  }

  /**
   * NSSM's `rotate`: each file is rotated at its next line boundary — at once when no line is half
   * written — whatever its size. Only with AppRotateOnline, as in NSSM; otherwise nothing happens.
   */
  rotateNow(): void {
    if (!this.#online || this.#closed) return;
    for (const file of this.#files) file.requestRotation();
  }

  /**
   * Writes one line of the host's own (hook output with AppRedirectHooks) to the stream's file, between the
   * program's lines. Returns at once: a Rotate/Pre hook that waited for its own line would wait for ever.
   */
  writeLine(stream: OutputStream, text: string): void {
    if (this.#closed) return;
    const state = this.#streams[stream];
    const bytes = encoder.encode(text.endsWith("\n") ? text : `${text}\n`);
    if (this.#options.echo) this.#echo(stream, bytes).catch(() => {});
    if (!state.file) return;
    state.file.write(`host-${stream}`, this.#timestamp ? stampLines(bytes, true, this.#now()) : bytes);
  }

  /** Stops reading what is still being pumped, writes what was read, waits for compression, closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const reader of this.#readers) reader.cancel().catch(() => {});
    await Promise.all(this.#pumps);
    for (const file of this.#files) await file[Symbol.asyncDispose]();
  }

  async #pump(state: StreamState, readable: ReadableStream<Uint8Array>): Promise<void> {
    const reader = lineReader(readable);
    this.#readers.add(reader);
    try {
      for (;;) {
        let fresh: Uint8Array | undefined;
        try {
          fresh = await reader.read();
          if (fresh === undefined) break;
        } catch (error) {
          this.#options.onError(`reading the program's ${state.name} failed: ${messageOf(error)}`);
          break;
        }
        // Both are done before the next read, which may reuse the bytes' memory.
        if (this.#options.echo) await this.#echo(state.name, fresh);
        reader.keep(state.file ? await this.#take(state, reader.pending()) : reader.pending().length);
      }
      const rest = reader.pending();
      if (state.file && rest.length > 0) {
        // The stream ended in mid-line: what there is of the line is written, and nothing will continue it.
        await this.#write(state, rest);
      }
      await state.file?.endStream(state.name);
    } finally {
      this.#readers.delete(reader);
      reader.release();
    }
  }

  /**
   * Writes the complete lines of what is pending (the carried start of a line, then what was just read) in
   * one write, and resolves to where the partial line after them begins — kept for the next read, unless it
   * has grown too long to hold on to, when it is written too.
   */
  async #take(state: StreamState, pending: Uint8Array): Promise<number> {
    const last = pending.lastIndexOf(newline);
    if (pending.length - (last + 1) >= maxPartialLine) {
      await this.#write(state, pending);
      return pending.length;
    }
    if (last !== -1) await this.#write(state, pending.subarray(0, last + 1));
    return last + 1;
  }

  #write(state: StreamState, data: Uint8Array): Promise<void> {
    const bytes = this.#timestamp ? stampLines(data, state.atLineStart, this.#now()) : data;
    state.atLineStart = data[data.length - 1] === newline;
    return state.file!.write(state.name, bytes);
  }

  async #echo(stream: OutputStream, bytes: Uint8Array): Promise<void> {
    if (this.#echoBroken) return;
    try {
      await writeAll(stream === "stdout" ? Deno.stdout : Deno.stderr, bytes);
    } catch (error) {
      this.#echoBroken = true;
      this.#options.onError(
        `copying the program's output to the console failed, stopped: ${messageOf(error)}`,
      );
    }
  }
}

/**
 * AppRotateFiles: rotates the existing output files before a (re)start, as AppRotateSeconds and
 * AppRotateBytes allow, pausing AppRotateDelay after rotating. Resolves to the rotated paths and a promise
 * of the background work (compression, then pruning), which never rejects: failures go to onError.
 *
 * @example
 * ```ts ignore
 * import { rotateAtStart } from "./output.ts";
 * import { defaultSpec } from "../service/spec.ts";
 * const rotation = { ...defaultSpec("web", "/opt/web/server").output.rotation, files: true, keep: 10 };
 * const { rotated } = await rotateAtStart({ stdout: "/var/log/servitor/web.log" }, rotation, new Date(), console.error);
 * ```
 */
export async function rotateAtStart(
  files: OutputFiles,
  rotation: RotationSpec,
  now: Date,
  // Never silent: without a logger of the caller's, a failure still reaches a person.
  onError: (message: string) => void = (message) => console.error(message),
): Promise<{ rotated: string[]; background: Promise<void> }> {
  const rotated: string[] = [];
  const work: Promise<void>[] = [];
  if (!rotation.files) return { rotated, background: Promise.resolve() };
  const targets: [string, boolean][] = [];
  if (files.stdout !== undefined) targets.push([files.stdout, rotation.stdoutCopyAndTruncate]);
  if (files.stderr !== undefined) {
    const shared = targets.find(([file]) => samePath(file, files.stderr!));
    if (shared) shared[1] ||= rotation.stderrCopyAndTruncate;
    else targets.push([files.stderr, rotation.stderrCopyAndTruncate]);
  }
  for (const [file, copy] of targets) {
    try {
      const done = await rotateFile(file, rotation, copy, now);
      if (done === undefined) continue;
      rotated.push(done);
      work.push(afterRotation(file, done, rotation, onError));
    } catch (error) {
      onError(`could not rotate ${file}: ${messageOf(error)}`);
    }
  }
  if (rotated.length > 0 && rotation.delayMs > 0) await sleep(rotation.delayMs);
  return { rotated, background: Promise.all(work).then(() => {}) };
}

/** Compression then pruning, one after the other so pruning never races a compression. */
async function afterRotation(
  file: string,
  rotated: string,
  rotation: RotationSpec,
  onError: (message: string) => void,
): Promise<void> {
  if (rotation.compress) await compressRotated(rotated).catch((error) => onError(messageOf(error)));
  await pruneRotated(file, rotation.keep).catch((error) =>
    onError(`could not remove old rotated files of ${file}: ${messageOf(error)}`)
  );
}

interface StreamState {
  name: OutputStream;
  file?: OutputFile;
  /** Whether the next byte written starts a line (false after a forced partial line). */
  atLineStart: boolean;
}

function newStreamState(name: OutputStream, file: OutputFile | undefined): StreamState {
  return { name, file, atLineStart: true };
}

/**
 * One open output file, shared by the streams written to it. Writes are serialized, each one a run of
 * whole lines (or an over-long partial line), so streams never split each other's lines; rotation happens
 * only when no writer is in the middle of a line.
 */
class OutputFile implements AsyncDisposable {
  #file: Deno.FsFile | undefined;
  /** Bytes counted towards AppRotateBytes: the file's size, or what was written since a failed rotation. */
  #size: number;
  #rotationRequested = false;
  #failing = false;
  /** Bytes dropped since writing began to fail. */
  #dropped = 0;
  /** When a write last failed, ms epoch. */
  #lastFailure = 0;
  /** When the file was last looked at for having been deleted, ms epoch. */
  #deletionCheckedAt = -Infinity;
  /** Writers whose last write ended in mid-line. */
  readonly #midLine = new Set<string>();
  #tail: Promise<void> = Promise.resolve();
  #background: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    file: Deno.FsFile,
    size: number,
    /** A regular file: NUL, /dev/null or a serial port are written to but never rotated. */
    readonly regular: boolean,
    readonly copyAndTruncate: boolean,
    readonly rotation: RotationSpec,
    readonly options: OutputOptions & { now: () => Date },
  ) {
    this.#file = file;
    this.#size = size;
  }

  /**
   * Synchronous: it runs between the program's exit and its restart, where each asynchronous call is a trip
   * through Deno's thread pool and back (a few per file, each up to a millisecond on a busy machine).
   */
  static open(
    file: string,
    disposition: OutputSpec["stdoutDisposition"],
    copyAndTruncate: boolean,
    rotation: RotationSpec,
    options: OutputOptions & { now: () => Date },
  ): OutputFile {
    try {
      Deno.mkdirSync(path.dirname(file), { recursive: true });
      // Emptied by path, then opened for appending: an append handle can't truncate on Windows, and only
      // an append handle keeps writing at the end after a copy-and-truncate rotation.
      if (disposition === "replace" && statOrUndefined(() => Deno.statSync(file))?.isFile) {
        Deno.truncateSync(file, 0);
      }
      const handle = openForAppendSync(file);
      const info = statOrUndefined(() => handle.statSync());
      return new OutputFile(
        file,
        handle,
        info?.size ?? 0,
        info?.isFile ?? false,
        copyAndTruncate,
        rotation,
        options,
      );
    } catch (error) {
      throw new Error(`could not open the output file ${file}: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Queues `data` from `writer`: whole lines, or (when a stream ended or a line grew too long) a partial
   * one. Never rejects: failures go to onError.
   */
  write(writer: string, data: Uint8Array): Promise<void> {
    return this.#run(async () => {
      const { bytes, online } = this.rotation;
      let rest = data;
      while (rest.length > 0) {
        // Cut after the first line that reaches the threshold (or the first line at all when due).
        let cut = rest.length;
        if (online && this.#canRotateAfter(writer)) {
          const needed = this.#rotationRequested ? 0 : bytes > 0 ? bytes - this.#size : Infinity;
          if (needed < rest.length) {
            const end = rest.indexOf(newline, Math.max(0, needed - 1));
            if (end !== -1) cut = end + 1;
          }
        }
        const piece = rest.subarray(0, cut);
        await this.#writeNow(piece);
        if (piece[piece.length - 1] === newline) this.#midLine.delete(writer);
        else this.#midLine.add(writer);
        await this.#rotateIfDue();
        rest = rest.subarray(cut);
      }
    });
  }

  /** The stream ended: a partial line it left is over, not to be continued. */
  endStream(writer: string): Promise<void> {
    return this.#run(async () => {
      this.#midLine.delete(writer);
      await this.#rotateIfDue();
    });
  }

  requestRotation(): void {
    this.#rotationRequested = true;
    this.#run(() => this.#rotateIfDue());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tail;
    this.#file?.close();
    this.#file = undefined;
    await this.#background;
  }

  /** Runs `task` after every task queued before it; what it throws (a bug) is reported. */
  #run(task: () => Promise<void>): Promise<void> {
    this.#tail = this.#tail.then(task).catch((error) => this.options.onError(messageOf(error)));
    return this.#tail;
  }

  #canRotateAfter(writer: string): boolean {
    for (const other of this.#midLine) if (other !== writer) return false;
    return true;
  }

  async #writeNow(bytes: Uint8Array): Promise<void> {
    try {
      if (this.#deleted()) await this.#reopen();
      if (!this.#file) {
        await Deno.mkdir(path.dirname(this.path), { recursive: true });
        this.#file = await openForAppend(this.path);
      }
      // A regular file is written synchronously: into the page cache that takes microseconds, while an
      // async write hops to Deno's blocking thread pool and back for every chunk, which cut the throughput
      // to a third (measured). A pipe or a device may block, so it is written asynchronously.
      if (this.regular) writeWholeSync(this.#file, bytes);
      else await writeAll(this.#file, bytes);
      // A nearly full disk takes a short line now and then between failures: writing has resumed only
      // once it has gone on working for a while, so a person reads one "dropped" and one "again".
      if (this.#failing && this.options.now().getTime() - this.#lastFailure >= RESUMED_AFTER_MS) {
        this.options.onNotice?.(
          `writing to ${this.path} again; ${this.#dropped} bytes of output were dropped meanwhile`,
        );
        this.#failing = false;
        this.#dropped = 0;
      }
    } catch (error) {
      // Said once until writing has resumed; the bytes are dropped and counted, so the program never
      // blocks on a full disk and the host goes on supervising it.
      this.#lastFailure = this.options.now().getTime();
      if (!this.#failing) {
        this.options.onError(
          `could not write to ${this.path}: ${messageOf(error)} — the program's output is being dropped ` +
            `(counted in status) until it can be written again`,
        );
      }
      this.#failing = true;
      this.#dropped += bytes.length;
      this.options.onDropped?.(bytes.length);
    }
    this.#size += bytes.length;
  }

  /**
   * The file (or its whole folder) deleted while open: the handle would go on writing into a file nobody
   * can see, so it is made again at its path ({@link #reopen}), and a person is told once. Looked at before
   * a write, at most every {@link DELETION_CHECK_MS}: what a fast writer writes in the moment after the
   * deletion goes with the deleted file. A file renamed away keeps its link and is written on until the
   * next rotation (nothing lost). Windows reports no link count.
   */
  #deleted(): boolean {
    if (!this.#file || !this.regular) return false;
    // Date.now, not performance.now: the latter is a call into Deno's runtime (op_now), itself 1 % here.
    const now = Date.now();
    if (now - this.#deletionCheckedAt < DELETION_CHECK_MS) return false;
    this.#deletionCheckedAt = now;
    return this.#file.statSync().nlink === 0;
  }

  async #reopen(): Promise<void> {
    this.#file?.close();
    this.#file = undefined;
    await Deno.mkdir(path.dirname(this.path), { recursive: true });
    this.#file = await openForAppend(this.path);
    this.#size = 0;
    this.options.onNotice?.(`${this.path} was deleted while the program ran: created it again`);
  }

  async #rotateIfDue(): Promise<void> {
    const { online, bytes } = this.rotation;
    if (!online || !this.regular || this.#midLine.size > 0) return;
    if (!this.#rotationRequested && !(bytes > 0 && this.#size >= bytes)) return;
    this.#rotationRequested = false;
    if (this.#size === 0) return;
    await this.#rotate();
  }

  async #rotate(): Promise<void> {
    const { options, rotation } = this;
    try {
      await options.hooks?.beforeRotate();
    } catch (error) {
      options.onError(`the Rotate/Pre hook failed: ${messageOf(error)}`);
    }
    // Any size and age: the threshold or the request decided already.
    const forced = { seconds: 0, bytes: 0 };
    let rotated: string | undefined;
    try {
      if (!this.copyAndTruncate) {
        this.#file?.close();
        this.#file = undefined;
      }
      rotated = await rotateFile(this.path, forced, this.copyAndTruncate, options.now());
    } catch (error) {
      options.onError(`could not rotate ${this.path}: ${messageOf(error)}`);
    }
    try {
      // Also when the file was renamed or deleted by someone else: the output comes back at its path. Both
      // synchronous, as rotateFile's renaming: the program's pipe fills while this waits (rotation.ts).
      this.#file ??= openForAppendSync(this.path);
      this.#size = rotated === undefined ? 0 : this.#file.statSync().size;
    } catch (error) {
      options.onError(`could not reopen ${this.path} after rotating: ${messageOf(error)}`);
      this.#size = 0;
    }
    try {
      await options.hooks?.afterRotate();
    } catch (error) {
      options.onError(`the Rotate/Post hook failed: ${messageOf(error)}`);
    }
    if (rotated !== undefined) {
      const done = rotated;
      this.#background = this.#background.then(() =>
        afterRotation(this.path, done, rotation, options.onError)
      );
    }
    if (rotation.delayMs > 0) await sleep(rotation.delayMs);
  }
}

/**
 * Deno opens files through Rust's std::fs::OpenOptions and never sets a share mode (ext/fs/std_fs.rs,
 * `open_options`, Deno 2.9.5), so on Windows Rust's default applies: FILE_SHARE_READ | FILE_SHARE_WRITE |
 * FILE_SHARE_DELETE (library/std/src/sys/fs/windows.rs) — an administrator can read, rename or delete the
 * log while the service runs.
 */
function openForAppend(file: string): Promise<Deno.FsFile> {
  return Deno.open(file, { append: true, create: true });
}

/** {@link openForAppend}, synchronous. */
function openForAppendSync(file: string): Deno.FsFile {
  return Deno.openSync(file, { append: true, create: true });
}

/** What `stat` gives, or undefined when it fails (no such file yet). */
function statOrUndefined(stat: () => Deno.FileInfo): Deno.FileInfo | undefined {
  try {
    return stat();
  } catch {
    return undefined;
  }
}

/** Prefixes each line of `data` with NSSM's `YYYY-MM-DD HH:MM:SS.mmm ` (local time) in one buffer. */
function stampLines(data: Uint8Array, atLineStart: boolean, now: Date): Uint8Array {
  const stamp = encoder.encode(`${localTimestamp(now)} `);
  const starts: number[] = atLineStart && data.length > 0 ? [0] : [];
  for (
    let at = data.indexOf(newline);
    at !== -1 && at + 1 < data.length;
    at = data.indexOf(newline, at + 1)
  ) {
    starts.push(at + 1);
  }
  const out = new Uint8Array(data.length + starts.length * stamp.length);
  let from = 0;
  let to = 0;
  for (const start of starts) {
    out.set(data.subarray(from, start), to);
    to += start - from;
    out.set(stamp, to);
    to += stamp.length;
    from = start;
  }
  out.set(data.subarray(from), to);
  return out;
}

/** `2016-09-06 10:17:09.451`, as in NSSM's documentation. */
export function localTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(date.getFullYear()).padStart(4, "0")}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${
    two(date.getHours())
  }:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

function samePath(a: string, b: string): boolean {
  return a === b || (Deno.build.os === "windows" && a.toLowerCase() === b.toLowerCase());
}

/**
 * A stream read a chunk at a time, the partial line at the end of what was read carried over: what is
 * pending after a read is that line's start followed by the new bytes, in one piece, so the whole lines in it
 * go to the file in one write.
 */
interface LineReader {
  /** Reads the next bytes (undefined at the stream's end); they are also the end of {@link pending}. */
  read(): Promise<Uint8Array | undefined>;
  /** What was carried over, then what the last read gave. Valid until the next read. */
  pending(): Uint8Array;
  /** The pending bytes from `from` on are carried over to the next read; the ones before it are done. */
  keep(from: number): void;
  cancel(): Promise<void>;
  release(): void;
}

/**
 * What one read of a byte stream may take: as much as the program's pipe holds (launcher_posix.ts widens it
 * to 1 MiB), fewer trips through the loop per byte — 10–20 % less of the host's CPU per GiB than 256 KiB
 * (bench/'s throughput measure). Its pages are touched only as far as reads fill it: a program that writes
 * little costs little of it.
 */
const readBufferBytes = 1024 * 1024;

/**
 * The host's own descriptor of the pipe a stream reads, set by the launcher (launcher_posix.ts) when it is
 * non-blocking and this process may call libc. While the program keeps writing, {@link lineReader} reads it
 * with read(2) directly — with a fast writer each read through the BYOB stream and the event loop took ~10 µs
 * of the host's main thread, read(2) itself ~4 µs (--cpu-prof, 1 GiB rotated online) — and goes back to the
 * stream only when the pipe is empty, to wait for more.
 */
export const pipeDescriptors: WeakMap<ReadableStream<Uint8Array>, number> = new WeakMap();

/** The longest run of direct reads without a turn of the event loop, in milliseconds: how late a stop may be heard. */
const MAX_DIRECT_READS_MS = 10;

/**
 * Reads a byte stream (a Linux child's pipe) into one buffer, each read landing right after the carried
 * partial line — no buffer allocated per read, no copy but the partial line's few bytes to the front — and
 * any other stream (the Windows pipe reader's) chunk by chunk as it comes, joined to the carried line.
 */
function lineReader(readable: ReadableStream<Uint8Array>): LineReader {
  let descriptor = pipeDescriptors.get(readable);
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = readable.getReader({ mode: "byob" });
  } catch {
    // not a byte stream
  }
  if (byob) {
    const reader = byob;
    // The carried line is shorter than maxPartialLine, so a read always has room for more than it.
    let buffer = new Uint8Array(readBufferBytes);
    let carried = 0;
    let end = 0;
    // Reused, grown to the longest line carried: a fresh copy per read was an allocation the garbage
    // collector swept up 44 000 times per GiB.
    let aside = new Uint8Array(0);
    let cancelled = false;
    const turn = descriptor === undefined ? undefined : eventLoopTurn();
    /** What the pipe holds now, read directly; undefined when it is empty (or can't be read so). */
    const readNow = (): number | undefined => {
      if (descriptor === undefined || cancelled) return undefined;
      try {
        return readAvailable(descriptor, buffer.subarray(carried));
      } catch {
        // Not expected (the stream owns the descriptor until it ends or is cancelled): the stream reads on.
        descriptor = undefined;
        return undefined;
      }
    };
    return {
      async read() {
        // Reads that find data never leave the microtask queue: a writer that never lets the pipe run dry
        // would starve the rest of the host (a stop's signal, timers, status.json's writes, which an async
        // file write needs the event loop for) — the host did not even report RUNNING under `yes`. The loop
        // turns at least every MAX_DIRECT_READS_MS: a turn each millisecond cost a fifth of the throughput.
        if (turn && turn.msSinceLast() >= MAX_DIRECT_READS_MS) {
          await turn.next();
          if (cancelled) return undefined;
        }
        // A writer that has just written more is read at once, else after one turn of the event loop (a
        // few microseconds, in which a fast writer writes again); only then is the stream waited on.
        let count = readNow();
        if (count === undefined && turn) {
          await turn.next();
          if (cancelled) return undefined;
          count = readNow();
        }
        if (count === 0) {
          // The end, read directly: the stream is cancelled, which closes the host's end of the pipe.
          descriptor = undefined;
          await reader.cancel().catch(() => {});
          return undefined;
        }
        if (count !== undefined) {
          end = carried + count;
          return buffer.subarray(carried, end);
        }
        // A cancelled read gives nothing back, not even the buffer handed over: the carried line is kept
        // aside too (a few bytes), to be written at the end.
        if (carried > aside.length) aside = new Uint8Array(Math.max(carried, 2 * aside.length, 256));
        if (carried > 0) aside.set(buffer.subarray(0, carried));
        const { done, value } = await reader.read(buffer.subarray(carried));
        // The buffer was handed over for the read; its memory, the carried bytes in it, comes back as the
        // value's.
        if (value !== undefined) buffer = new Uint8Array(value.buffer as ArrayBuffer);
        else buffer = aside.slice(0, carried);
        if (done || value === undefined) {
          descriptor = undefined;
          return undefined;
        }
        end = carried + value.length;
        return value;
      },
      pending: () => buffer.subarray(0, end),
      keep(from) {
        buffer.copyWithin(0, from, end);
        carried = end - from;
        end = carried;
      },
      cancel() {
        // From here on the descriptor may be closed, and its number given to another file.
        cancelled = true;
        descriptor = undefined;
        return reader.cancel();
      },
      release() {
        turn?.close();
        reader.releaseLock();
      },
    };
  }
  const reader = readable.getReader();
  let carried: Uint8Array = new Uint8Array(0);
  let pending: Uint8Array = carried;
  return {
    async read() {
      const { done, value } = await reader.read();
      if (done) return undefined;
      pending = carried.length === 0 ? value : concat(carried, value);
      return value;
    },
    pending: () => pending,
    keep(from) {
      // Copied: the chunk's memory is the reader's.
      carried = pending.slice(from);
      pending = carried;
    },
    cancel: () => reader.cancel(),
    release: () => reader.releaseLock(),
  };
}

/**
 * One turn of the event loop on demand: a message to itself through a MessageChannel, a few microseconds —
 * a timer waits at least a millisecond, in which a fast writer fills the pipe. It tells how long ago its last
 * turn (or its making) was.
 */
function eventLoopTurn(): { next(): Promise<void>; msSinceLast(): number; close(): void } {
  const channel = new MessageChannel();
  let arrived = () => {};
  let turnedAt = performance.now();
  channel.port2.onmessage = () => {
    turnedAt = performance.now();
    arrived();
  };
  return {
    next: () =>
      new Promise<void>((resolve) => {
        arrived = resolve;
        channel.port1.postMessage(undefined);
      }),
    msSinceLast: () => performance.now() - turnedAt,
    close() {
      channel.port1.close();
      channel.port2.close();
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Writes all of `bytes` or none: a write cut short (a disk that filled up in the middle) is taken back, so
 * the file never holds part of a line that the next write would run on from.
 */
function writeWholeSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let at = 0;
  try {
    while (at < bytes.length) at += file.writeSync(bytes.subarray(at));
  } catch (error) {
    if (at > 0) {
      try {
        file.truncateSync(file.statSync().size - at);
      } catch {
        // Not even that: the part stays, and the error below says the file is failing.
      }
    }
    throw error;
  }
}

async function writeAll(writer: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await writer.write(bytes.subarray(at));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
