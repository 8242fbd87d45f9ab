/**
 * What the page shows and does with services: each servitor service's row (from the status object
 * `ManageService X status --json` prints) and the actions on one, through the lifecycle under the service's
 * lock, each written to the audit log as made in the UI.
 * @module
 */
import type { CliContext } from "../cli/context.ts";
import { describeFailure } from "../cli/errors.ts";
import { statusReport } from "../cli/manage.ts";
import { type UsageSampler } from "./process_usage.ts";
import { listServitorServices, restartService, startService, stopService } from "../service/lifecycle.ts";

/** One row of the services table. */
export interface ServiceRow {
  name: string;
  displayName?: string;
  state: string;
  hostPid?: number;
  programPid?: number;
  uptimeSeconds?: number;
  restarts?: number;
  reason?: string;
  start?: string;
  account?: string;
  /** Of the program's whole process tree. */
  cpuPercent?: number;
  memoryBytes?: number;
}

/** Every servitor service's row, by name; with `usage`, the CPU and memory of each running program's tree. */
export async function serviceRows(context: CliContext, usage?: UsageSampler): Promise<ServiceRow[]> {
  const names = (await listServitorServices(context)).map((service) => service.name).sort();
  const rows: ServiceRow[] = await Promise.all(names.map(async (name) => {
    try {
      const { report } = await statusReport(name, context);
      return {
        name,
        displayName: report.displayName,
        state: report.state,
        hostPid: report.state === "stopped" ? undefined : report.pid,
        programPid: report.programPid,
        uptimeSeconds: report.uptimeSeconds,
        restarts: report.restarts,
        reason: report.reason,
        start: report.start,
        account: report.account,
      };
    } catch (error) {
      // Removed between the listing and its status, or a manager that failed: the row says which.
      return { name, state: "unknown", reason: describeFailure(error).line };
    }
  }));
  if (!usage) return rows;
  const programs = rows.flatMap((row) => row.programPid === undefined ? [] : [row.programPid]);
  const sampled = await usage.sample(programs);
  return rows.map((row) => {
    const tree = row.programPid === undefined ? undefined : sampled.get(row.programPid);
    return tree ? { ...row, cpuPercent: tree.cpuPercent, memoryBytes: tree.memoryBytes } : row;
  });
}

export const actions = ["start", "stop", "restart", "continue"] as const;
export type Action = typeof actions[number];

export function isAction(word: string): word is Action {
  return (actions as readonly string[]).includes(word);
}

/** Whether `name` is one of servitor's services (the page acts on no other). */
export async function isServitorService(context: CliContext, name: string): Promise<boolean> {
  return (await listServitorServices(context)).some((service) => service.name === name);
}

/**
 * Does `action` on `name`; the lifecycle's lines, or the failure in one sentence as the CLI says it. The
 * audit log gets a line either way, marked as made in the UI.
 */
export async function act(
  context: CliContext,
  name: string,
  action: Action,
): Promise<{ ok: true; lines: string[] } | { ok: false; error: string }> {
  const lines: string[] = [];
  const quiet: CliContext = { ...context, say: (line) => lines.push(line), done: (line) => lines.push(line) };
  try {
    if (action === "start") await startService(quiet, name);
    else if (action === "stop") await stopService(quiet, name);
    else if (action === "restart") await restartService(quiet, name);
    else {
      await context.manager.control(name, "continue");
      lines.push(`'${name}': continue sent`);
    }
    context.audit(`ui: ManageService ${name} ${action}: done`);
    return { ok: true, lines };
  } catch (error) {
    const { line } = describeFailure(error);
    context.audit(`ui: ManageService ${name} ${action}: failed: ${line}`);
    return { ok: false, error: line };
  }
}
