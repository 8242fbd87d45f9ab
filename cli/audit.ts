/**
 * The audit log: one line per install and manage action with its outcome, in `servitor.log` at the store's
 * root (OpenMSIStream's Services.log), through LogTape.
 * @module
 */
import { configure, dispose, getLogger, getTextFormatter } from "@logtape/logtape";
import { getFileSink } from "@logtape/file";
import path from "path";
import type { StoreSecurity } from "../service/lifecycle/store_files.ts";

export const AUDIT_FILE = "servitor.log";

/**
 * Opens the audit log at `root`; a log that can't be written is not a reason to fail the action. A root
 * made here is locked by `security` at once (Windows); one that can't be — a person without elevation —
 * is removed again rather than left for others to plant files in, and nothing is logged.
 */
export async function openAudit(
  root: string,
  security?: StoreSecurity,
): Promise<{ write(line: string): void; close(): Promise<void> }> {
  const none = { write() {}, close: () => Promise.resolve() };
  try {
    if (!await exists(root)) {
      await Deno.mkdir(root, { recursive: true, mode: 0o700 });
      try {
        await security?.lock(root);
      } catch {
        await Deno.remove(root).catch(() => {});
        return none;
      }
    }
    await configure({
      reset: true,
      sinks: {
        audit: getFileSink(path.join(root, AUDIT_FILE), {
          lazy: true,
          bufferSize: 0,
          formatter: getTextFormatter({ timestamp: "date-time-timezone" }),
        }),
      },
      loggers: [
        { category: ["servitor", "audit"], lowestLevel: "info", sinks: ["audit"] },
        { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
      ],
    });
  } catch {
    return none;
  }
  const logger = getLogger(["servitor", "audit"]);
  return {
    write(line) {
      logger.info("{line}", { line: `${Deno.env.get("USERNAME") ?? Deno.env.get("USER") ?? "?"}: ${line}` });
    },
    close: () => dispose(),
  };
}

async function exists(directory: string): Promise<boolean> {
  return await Deno.stat(directory).then(() => true, () => false);
}
