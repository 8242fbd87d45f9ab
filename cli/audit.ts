/**
 * The audit log: one line per install and manage action with its outcome, in `servitor.log` at the store's
 * root (OpenMSIStream's Services.log), through LogTape.
 * @module
 */
import { configure, dispose, getLogger, getTextFormatter } from "@logtape/logtape";
import { getFileSink } from "@logtape/file";
import path from "path";

export const AUDIT_FILE = "servitor.log";

/** Opens the audit log at `root`; a log that can't be written is not a reason to fail the action. */
export async function openAudit(
  root: string,
): Promise<{ write(line: string): void; close(): Promise<void> }> {
  try {
    await Deno.mkdir(root, { recursive: true, mode: 0o700 });
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
    return { write() {}, close: () => Promise.resolve() };
  }
  const logger = getLogger(["servitor", "audit"]);
  return {
    write(line) {
      logger.info("{line}", { line: `${Deno.env.get("USERNAME") ?? Deno.env.get("USER") ?? "?"}: ${line}` });
    },
    close: () => dispose(),
  };
}
