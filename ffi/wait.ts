/**
 * Waiting for kernel objects (a program's process, a pipe's read) without blocking the event loop, all of
 * them on one thread: one WaitForMultipleObjects is in flight for every object waited for, with an event of
 * its own first in the list, which ends the wait early when an object joins.
 *
 * A blocking call of Deno's FFI (`nonblocking`) holds a thread of its own until it returns. A wait each —
 * the program's end, its output and its errors — was three threads for the host's life, and under Wine every
 * thread's touched stack and bookkeeping is about 0.9 MiB of the host's private bytes (measured).
 * @module
 */
import * as W from "./constants.ts";
import { check } from "./error.ts";
import { Handle, rawOf, valueOf } from "./handle.ts";
import { kernel32 } from "./kernel32.ts";
import { INFINITE } from "./types.ts";

/** What one wait holds besides its wake event. */
const OBJECTS_PER_WAIT = W.MAXIMUM_WAIT_OBJECTS - 1;

interface Waiting {
  resolve(): void;
  reject(error: Error): void;
}

/** Up to {@link OBJECTS_PER_WAIT} objects, waited for by one WaitForMultipleObjects at a time. */
class WaitGroup {
  readonly waiting = new Map<Handle, Waiting>();
  /** Auto-reset: set when an object joins, so that the wait in flight starts again with it. */
  #wake: Handle | undefined;
  #running = false;

  add(handle: Handle): Promise<void> {
    if (this.waiting.has(handle)) throw new Error("this object is waited for already");
    const signalled = new Promise<void>((resolve, reject) => this.waiting.set(handle, { resolve, reject }));
    if (this.#running) {
      check("SetEvent", kernel32().SetEvent(rawOf(this.#wakeEvent())));
    } else {
      this.#running = true;
      void this.#run();
    }
    return signalled;
  }

  #wakeEvent(): Handle {
    this.#wake ??= new Handle(check("CreateEventW", kernel32().CreateEventW(null, 0, 0, null)));
    return this.#wake;
  }

  /** Waits while anything is waited for; the thread is free once nothing is. */
  async #run(): Promise<void> {
    try {
      const wake = this.#wakeEvent();
      while (this.waiting.size > 0) {
        const objects = [...this.waiting.keys()];
        // A list of its own for each wait: the call reads it on another thread while this one goes on.
        const list = new BigUint64Array([wake, ...objects].map(valueOf));
        const result = await kernel32().WaitForMultipleObjects(
          list.length,
          new Uint8Array(list.buffer),
          0,
          INFINITE,
        );
        const index = result - W.WAIT_OBJECT_0 - 1;
        if (index >= 0 && index < objects.length) {
          this.#settle(objects[index]);
        } else if (result === W.WAIT_FAILED) {
          // The error of a call on another thread can't be read here: find the object that can't be waited
          // for (a handle closed while waited for, which is a bug of the caller) and fail its wait alone.
          this.#failInvalid(objects);
        }
        // Otherwise the wake event: an object joined, and the next round waits for it too.
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const handle of [...this.waiting.keys()]) this.#settle(handle, failure);
    } finally {
      this.#running = false;
    }
  }

  #settle(handle: Handle, error?: Error): void {
    const waiting = this.waiting.get(handle);
    this.waiting.delete(handle);
    if (error) waiting?.reject(error);
    else waiting?.resolve();
  }

  #failInvalid(objects: Handle[]): void {
    let failed = 0;
    for (const handle of objects) {
      if (handle.closed || kernel32().WaitForSingleObjectNow(rawOf(handle), 0) === W.WAIT_FAILED) {
        this.#settle(handle, new Error("an object was closed while it was waited for"));
        failed++;
      }
    }
    if (failed === 0) {
      for (const handle of objects) this.#settle(handle, new Error("WaitForMultipleObjects failed"));
    }
  }
}

const groups: WaitGroup[] = [];

/**
 * Resolves once `handle` (a process, an event, …) is signalled. The handle must stay open until then.
 *
 * @example
 * ```ts ignore
 * await waitFor(processHandle); // the process has ended
 * ```
 */
export function waitFor(handle: Handle): Promise<void> {
  let group = groups.find((candidate) => candidate.waiting.size < OBJECTS_PER_WAIT);
  if (!group) groups.push(group = new WaitGroup());
  return group.add(handle);
}
