/**
 * A service's output, live: the last lines of its stdout or stderr file (or of its error log) (where `ManageService X status`
 * says the host writes it), then each new line, as server-sent events. The file is looked at about once a
 * second while a page listens; a file that was rotated (another file now, or a shorter one) is followed from
 * its start.
 * @module
 */
import type { CliContext } from "../cli/context.ts";
import { statusReport } from "../cli/status.ts";
import { reasonDirectory } from "../cli/reason.ts";
import { readAt } from "../cli/logs.ts";
import { errorLogPath } from "../service/store_layout.ts";
import { readStoredSpec } from "../service/spec_reader.ts";

/** How many lines a page is first shown. */
export const TAIL_LINES = 200;
const TAIL_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/** The program's output, or servitor's own error log of the service (`ManageService X logs --error_log`). */
export type Stream = "stdout" | "stderr" | "error-log";

async function outputFileOf(context: CliContext, name: string, stream: Stream): Promise<string | undefined> {
  if (stream === "error-log") {
    const spec = await readStoredSpec(context.configRoot, name).catch(() => undefined);
    return errorLogPath(reasonDirectory(name, spec, context.configRoot, context.windows), name);
  }
  const { report } = await statusReport(name, context);
  return stream === "stdout" ? report.stdoutFile : report.stderrFile;
}

async function readFrom(file: string, offset: number, length: number): Promise<Uint8Array> {
  using handle = await Deno.open(file, { read: true });
  return await readAt(handle, offset, length);
}

/**
 * A text/event-stream of `name`'s `stream`: `lines` events (a JSON array), `note` events (one line). It ends
 * when the page goes, or when `ending` aborts (the server is stopping, and waits for every open answer).
 */
export function followOutput(
  context: CliContext,
  name: string,
  stream: Stream,
  ending: AbortSignal,
): Response {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let file: string | undefined;
  let identity = "";
  let offset = 0;
  let partial = "";
  const decoder = new TextDecoder();

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // The page may go at any moment (another view, a closed tab): a stream it closed ends the following.
      const send = (event: string, data: unknown) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          closed = true;
        }
      };
      const look = async () => {
        if (closed) return;
        try {
          const current = await outputFileOf(context, name, stream).catch(() => file);
          const info = current ? await Deno.stat(current).catch(() => undefined) : undefined;
          if (!current || !info) {
            if (file !== current || identity !== "none") send("note", `no ${stream} file yet`);
            file = current;
            identity = "none";
          } else {
            const id = `${current} ${info.ino ?? ""} ${info.birthtime?.getTime() ?? ""}`;
            if (id !== identity || info.size < offset) {
              // A new file (first look, or rotated): its last lines only the first time, else all of it.
              const first = identity === "";
              identity = id;
              file = current;
              offset = first ? Math.max(0, info.size - TAIL_BYTES) : 0;
              partial = "";
              if (!first) send("note", `${stream} was rotated: following ${current}`);
              const text = decoder.decode(await readFrom(current, offset, info.size - offset));
              offset = info.size;
              const lines = text.split(/\r?\n/);
              partial = lines.pop() ?? "";
              // A tail cut mid-line drops that first piece.
              if (first && info.size > TAIL_BYTES) lines.shift();
              send("lines", lines.slice(-TAIL_LINES));
            } else if (info.size > offset) {
              const text = partial + decoder.decode(await readFrom(current, offset, info.size - offset));
              offset = info.size;
              const lines = text.split(/\r?\n/);
              partial = lines.pop() ?? "";
              if (lines.length > 0) send("lines", lines);
            }
          }
        } catch (error) {
          send("note", error instanceof Error ? error.message : String(error));
        }
        if (!closed) timer = setTimeout(look, 1000);
      };
      const end = () => {
        closed = true;
        clearTimeout(timer);
        try {
          controller.close();
        } catch { /* closed by the page already */ }
      };
      if (ending.aborted) return end();
      ending.addEventListener("abort", end, { once: true });
      look().catch(() => {});
    },
    cancel() {
      closed = true;
      clearTimeout(timer);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}
