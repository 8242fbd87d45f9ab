/**
 * The audit log: one line per install and manage action with its outcome, in `servitor.log` at the store's
 * root (OpenMSIStream's Services.log), through LogTape.
 * @module
 */
import path from "path";
import type { StoreSecurity } from "../service/lifecycle/store_files.ts";
import { pathExists } from "../service/exists.ts";

export const AUDIT_FILE = "servitor.log";

/**
 * Opens the audit log at `root`; a log that can't be written is not a reason to fail the action. The log —
 * LogTape, and the root if missing — is opened at the first line written, so that a command that changes
 * nothing (`status`, `list`) costs no more than it reads. A root made here is locked by `security` at once
 * (Windows); one that can't be — a person without elevation — is removed again rather than left for others
 * to plant files in, and nothing is logged. Lines are written in order, all of them by `close`.
 */
export function openAudit(
  root: string,
  security?: StoreSecurity,
): Promise<{ write(line: string): void; close(): Promise<void> }> {
  let logger: Promise<((line: string) => void) | undefined> | undefined;
  let written: Promise<void> = Promise.resolve();
  return Promise.resolve({
    write(line) {
      const stamped = `${Deno.env.get("USERNAME") ?? Deno.env.get("USER") ?? "?"}: ${line}`;
      logger ??= openLogger(root, security);
      written = written.then(async () => (await logger)?.(stamped));
    },
    async close() {
      if (!logger) return;
      await written;
      if (await logger) await (await import("@logtape/logtape")).dispose();
    },
  });
}

async function openLogger(
  root: string,
  security?: StoreSecurity,
): Promise<((line: string) => void) | undefined> {
  try {
    if (!await pathExists(root)) {
      await Deno.mkdir(root, { recursive: true, mode: 0o700 });
      try {
        await security?.lock(root);
      } catch {
        await Deno.remove(root).catch(() => {});
        return undefined;
      }
    }
    const [{ configure, getLogger, getTextFormatter }, { getFileSink }] = await Promise.all([
      import("@logtape/logtape"),
      import("@logtape/file"),
    ]);
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
    const logger = getLogger(["servitor", "audit"]);
    return (line) => logger.info("{line}", { line });
  } catch {
    return undefined;
  }
}
