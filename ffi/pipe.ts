/**
 * Anonymous pipes for a child's output, and their read end as a stream read without blocking the event loop.
 * @module
 */
import * as W from "./constants.ts";
import { check } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { encodeSecurityAttributes } from "./structs.ts";
import { Handle, pointerOf, rawOf } from "./handle.ts";

/**
 * The pipe's buffer, and what one read takes from it: with the default (a page or so) a fast writer waits
 * for the reader after every few KiB, and each read is a hop to another thread and back.
 */
const PIPE_BUFFER_BYTES = 1024 * 1024;

/**
 * What the first reads take at most. The read buffer doubles, up to the pipe's size, each time a read fills
 * it: a writer that keeps the pipe full gets 1 MiB reads after a few, and a quiet one never commits more
 * than this — Windows commits a buffer's memory when it is allocated, so 1 MiB from the start cost each
 * captured stream a MiB of the host's commit charge whether the program wrote or not.
 */
const FIRST_READ_BYTES = 64 * 1024;

/**
 * An anonymous pipe for a child's output: the write end inheritable (for the child), the read end not (so
 * no child holds it, and the read ends when the child and everything it started have closed theirs).
 */
export function createPipe(): { read: Handle; write: Handle } {
  const ends = new BigUint64Array(2);
  check(
    "CreatePipe",
    kernel32().CreatePipe(
      new Uint8Array(ends.buffer, 0, 8),
      new Uint8Array(ends.buffer, 8, 8),
      encodeSecurityAttributes(false),
      PIPE_BUFFER_BYTES,
    ),
  );
  const read = new Handle(pointerOf(ends[0]));
  const write = new Handle(pointerOf(ends[1]));
  try {
    check(
      "SetHandleInformation",
      kernel32().SetHandleInformation(rawOf(write), W.HANDLE_FLAG_INHERIT, W.HANDLE_FLAG_INHERIT),
    );
  } catch (error) {
    read.close();
    write.close();
    throw error;
  }
  return { read, write };
}

/**
 * The read end of a pipe as a stream. Each ReadFile runs on another thread (`nonblocking`), so a program
 * that writes nothing never blocks the event loop. The stream ends when every writer has closed its end
 * (ReadFile fails, normally with ERROR_BROKEN_PIPE; the error of a call on another thread can't be read
 * here, and any failure ends the stream the same way). The read end is closed when the stream ends, is
 * cancelled, or {@link PipeReader.abandon} is called — never while a ReadFile on it is in flight.
 */
export class PipeReader {
  /** The bytes, in the chunks the writer wrote them. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Resolves once the read end is closed. */
  readonly closed: Promise<void>;
  #handle: Handle;
  #buffer = new Uint8Array(FIRST_READ_BYTES);
  #count = new Uint32Array(1);
  #reading = false;
  #abandoned = false;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #resolveClosed!: () => void;

  /** Takes ownership of `read`. */
  constructor(read: Handle) {
    this.#handle = read;
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
      const ok = await kernel32().ReadFile(
        rawOf(this.#handle),
        this.#buffer,
        this.#buffer.length,
        new Uint8Array(this.#count.buffer),
        null,
      );
      if (!ok) return null;
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
   * as the read in flight returns.
   */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    try {
      this.#controller.close();
    } catch {
      // closed or cancelled already
    }
    if (!this.#reading) this.#finish();
  }

  #finish() {
    if (!this.#handle.closed) this.#handle.close();
    this.#resolveClosed();
  }
}
