/**
 * Pipes for a child's output, and their read end as a stream read without blocking the event loop.
 * @module
 */
import * as W from "./constants.ts";
import { check, errorCodeOf } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { encodeOverlapped, encodeSecurityAttributes } from "./structs.ts";
import { checkHandle, Handle, rawOf, valueOf } from "./handle.ts";
import { wide } from "./strings.ts";
import { waitFor } from "./wait.ts";

/**
 * The pipe's buffer, and what one read takes from it at most: with the default (a page or so) a fast writer
 * waits for the reader after every few KiB.
 */
const PIPE_BUFFER_BYTES = 1024 * 1024;

/**
 * What the first reads take at most. The read buffer doubles, up to the pipe's size, each time a read fills
 * it: a writer that keeps the pipe full gets 1 MiB reads after a few, and a quiet one never commits more
 * than this — Windows commits a buffer's memory when it is allocated, so 1 MiB from the start cost each
 * captured stream a MiB of the host's commit charge whether the program wrote or not.
 */
const FIRST_READ_BYTES = 64 * 1024;

let pipesMade = 0;

/**
 * A pipe for a child's output: the write end inheritable (for the child), the read end not (so no child
 * holds it, and the read ends when the child and everything it started have closed theirs). A named pipe
 * of one instance, as CreatePipe's anonymous ones are underneath, but with an overlapped read end, which
 * anonymous pipes can't have: its reads are waited for with the host's other waits, on one thread. The
 * name is unguessable, the first instance (or CreateNamedPipeW fails), for local clients only, and its
 * default descriptor lets only the host's account and administrators write to it; the host's own
 * CreateFileW is its one client.
 */
export function createPipe(): { read: Handle; write: Handle } {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  const name = wide(
    `\\\\.\\pipe\\servitor-${Deno.pid}-${++pipesMade}-${high.toString(16)}${low.toString(16)}`,
  );
  const read = checkHandle(
    "CreateNamedPipeW",
    kernel32().CreateNamedPipeW(
      name,
      W.PIPE_ACCESS_INBOUND | W.FILE_FLAG_OVERLAPPED | W.FILE_FLAG_FIRST_PIPE_INSTANCE,
      W.PIPE_REJECT_REMOTE_CLIENTS,
      1,
      0,
      PIPE_BUFFER_BYTES,
      0,
      encodeSecurityAttributes(false),
    ),
  );
  try {
    const write = checkHandle(
      "CreateFileW",
      kernel32().CreateFileW(
        name,
        // Attributes too: a program may ask what its output is (GetFileInformationByHandle).
        W.GENERIC_WRITE | W.FILE_READ_ATTRIBUTES,
        0,
        encodeSecurityAttributes(true),
        W.OPEN_EXISTING,
        0,
        null,
      ),
    );
    return { read, write };
  } catch (error) {
    read.close();
    throw error;
  }
}

/**
 * The read end of a pipe as a stream. Each read is overlapped: ReadFile returns at once, and a read that
 * waits for the writer is waited for by ffi/wait.ts, on the thread of the host's other waits, so a program
 * that writes nothing never blocks the event loop nor holds a thread of its own. The stream ends when
 * every writer has closed its end (the read fails, normally with ERROR_BROKEN_PIPE; any failure ends the
 * stream the same way). The read end is closed when the stream ends, is cancelled, or
 * {@link PipeReader.abandon} is called — never while a read on it is in flight: abandoning cancels it
 * (CancelIoEx), and the handle is closed once it has completed.
 */
export class PipeReader {
  /** The bytes, in the chunks the writer wrote them. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Resolves once the read end is closed. */
  readonly closed: Promise<void>;
  #handle: Handle;
  /** Manual-reset, signalled when a read completes: ReadFile resets it as each read begins. */
  #event: Handle;
  /** The system writes here when a read completes, after ReadFile has returned. */
  #overlapped: Uint8Array<ArrayBuffer>;
  #buffer = new Uint8Array(FIRST_READ_BYTES);
  #count = new Uint32Array(1);
  #reading = false;
  #abandoned = false;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #resolveClosed!: () => void;

  /** Takes ownership of `read`, a read end from {@link createPipe}. */
  constructor(read: Handle) {
    this.#handle = read;
    try {
      this.#event = new Handle(check("CreateEventW", kernel32().CreateEventW(null, 1, 0, null)));
    } catch (error) {
      read.close();
      throw error;
    }
    this.#overlapped = encodeOverlapped(valueOf(this.#event));
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: async (controller) => {
        const bytes = await this.#read();
        // Abandoned meanwhile: abandon() has closed the stream already.
        if (this.#abandoned) return;
        if (bytes) {
          controller.enqueue(bytes);
        } else {
          controller.close();
          this.#finish();
        }
      },
      cancel: () => this.abandon(),
    });
  }

  async #read(): Promise<Uint8Array | null> {
    if (this.#abandoned) return null;
    this.#reading = true;
    try {
      const handle = rawOf(this.#handle);
      const started = errorCodeOf(
        kernel32().ReadFile(handle, this.#buffer, this.#buffer.length, null, this.#overlapped),
      );
      // ERROR_BROKEN_PIPE: every writer has closed its end.
      if (started !== 0 && started !== W.ERROR_IO_PENDING) return null;
      if (started === W.ERROR_IO_PENDING) await waitFor(this.#event);
      const count = new Uint8Array(this.#count.buffer);
      // A read cancelled by abandon() fails here with ERROR_OPERATION_ABORTED.
      if (!kernel32().GetOverlappedResult(handle, this.#overlapped, count, 0)) return null;
      // A zero-byte read that succeeds is a writer's zero-byte write, not the end.
      const bytes = this.#buffer.slice(0, this.#count[0]);
      if (bytes.length === this.#buffer.length && this.#buffer.length < PIPE_BUFFER_BYTES) {
        this.#buffer = new Uint8Array(this.#buffer.length * 2);
      }
      return bytes;
    } finally {
      this.#reading = false;
      if (this.#abandoned) this.#finish();
    }
  }

  /**
   * Stops reading: the stream ends after the chunks it holds, and the read end is closed now, or as soon
   * as the read in flight, cancelled, has completed.
   */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    try {
      this.#controller.close();
    } catch {
      // closed or cancelled already
    }
    if (!this.#reading) {
      this.#finish();
    } else if (!this.#handle.closed) {
      // Fails with ERROR_NOT_FOUND when the read has just completed: then it ends by itself.
      kernel32().CancelIoEx(rawOf(this.#handle), this.#overlapped);
    }
  }

  #finish() {
    if (!this.#handle.closed) this.#handle.close();
    if (!this.#event.closed) this.#event.close();
    this.#resolveClosed();
  }
}
