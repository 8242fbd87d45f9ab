/**
 * The live list: one poll of the service manager about once a second, only while a page listens, its
 * result pushed to every listening page as a server-sent event when it differs from the last.
 * @module
 */

const encoder = new TextEncoder();

/** A hub of event streams over one poll. */
export class LiveList<T> {
  readonly #listeners = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #last = "";
  #polled: T | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #polling = false;

  constructor(readonly poll: () => Promise<T>, readonly intervalMs = 1000) {}

  /** A text/event-stream answer: the current list at once, then each change. */
  stream(): Response {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        this.#listeners.add(controller);
        if (this.#last) controller.enqueue(encoder.encode(this.#last));
        this.#schedule(0);
      },
      cancel: () => {
        this.#listeners.delete(self);
        if (this.#listeners.size === 0) this.stop();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
    });
  }

  /** Polls now (after a change made here, say) rather than at the next tick. */
  refresh(): void {
    if (this.#listeners.size > 0) this.#schedule(0);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#listeners.size === 0) {
      this.#last = "";
      this.#polled = undefined;
    }
  }

  /** Closes every stream (the server is ending). */
  close(): void {
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch { /* closed by its page already */ }
    }
    this.#listeners.clear();
    this.stop();
  }

  #schedule(delayMs: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), delayMs);
  }

  async #tick() {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const polled = await this.poll();
      // The same value as the last poll's (a list at rest): nothing to write out or compare.
      if (polled === this.#polled && this.#last) return;
      this.#polled = polled;
      const event = `event: services\ndata: ${JSON.stringify(polled)}\n\n`;
      if (event !== this.#last) {
        this.#last = event;
        for (const listener of this.#listeners) {
          try {
            listener.enqueue(encoder.encode(event));
          } catch {
            this.#listeners.delete(listener);
          }
        }
      }
    } catch (error) {
      const line = error instanceof Error ? error.message : String(error);
      for (const listener of this.#listeners) {
        try {
          listener.enqueue(encoder.encode(`event: failure\ndata: ${JSON.stringify(line)}\n\n`));
        } catch { /* gone */ }
      }
    } finally {
      this.#polling = false;
      if (this.#listeners.size > 0) this.#schedule(this.intervalMs);
      else this.stop();
    }
  }
}
