/**
 * What the page shows and does with services: each servitor service's row (from the status object
 * `ManageService X status --json` prints) and the actions on one, through the lifecycle under the service's
 * lock, each written to the audit log as made in the UI.
 * @module
 */
import type { CliContext } from "../cli/context.ts";
import { describeFailure } from "../cli/errors.ts";
import { reportOf } from "../cli/status.ts";
import type { InstalledService, ManagedStatus, SurveyedService } from "../service/manager.ts";
import type { ServiceSpec } from "../service/spec.ts";
import { hostStatusFile, readSpec, specFile } from "../service/store.ts";
import type { TreeUsage, UsageSampler } from "./process_usage.ts";
import {
  listServitorServices,
  removeService,
  restartService,
  startService,
  stopService,
} from "../service/lifecycle.ts";

/** One row of the services table. */
export interface ServiceRow {
  name: string;
  displayName?: string;
  state: string;
  hostPid?: number;
  programPid?: number;
  /** When the running program started (ms since the epoch): the page counts its uptime from it. */
  programStartedAt?: number;
  restarts?: number;
  reason?: string;
  start?: string;
  account?: string;
  /** Of the program's whole process tree. */
  cpuPercent?: number;
  memoryBytes?: number;
}

/**
 * How long the live list may go without asking the service manager again: asking systemd costs a
 * `systemctl` process (about 7 ms of CPU for 50 units), more than all else a poll does. What a change
 * leaves behind asks it at once (see ServiceSurvey.#survey), so this only bounds what nothing here sees.
 */
const SURVEY_EVERY_MS = 15_000;

/**
 * How often the programs' CPU and memory are sampled: a sample reads every process's /proc stat (about
 * 2 ms for 160 processes), a Toolhelp snapshot and each tree's times on Windows. A new program is sampled at
 * once; its CPU shows from the next sample.
 */
const USAGE_EVERY_MS = 3000;

/** A survey of the manager, with each service's stored spec (null: not servitor's) and the marks beside it. */
interface Surveyed {
  at: number;
  services: SurveyedService[];
  specs: (ServiceSpec | undefined | null)[];
  /** The config root's mtime, then each service's status.json's. */
  marks: number[];
}

/** A file's modification time; 0 when there is none (or no file is named). */
function mtime(file: string | undefined): number {
  if (file === undefined) return 0;
  try {
    // Synchronously: a small stat of each service's two files every second costs several times more async.
    return Deno.statSync(file).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Every servitor service's row, by name, for the live list: what the service manager says of all of them in
 * one question (ServiceManager.survey), each stored spec read again only when its file changed, and with
 * `usage`, the CPU and memory of each running program's tree. One instance keeps its caches across polls: a
 * poll at rest costs a stat of each service's files and a listing of /proc, and makes no row anew.
 */
export class ServiceSurvey {
  readonly #specs = new Map<string, { mtime: number; spec: ServiceSpec | undefined; statusFile?: string }>();
  /** start type and account where the survey doesn't say them (the SCM): asked once a service. */
  readonly #installed = new Map<string, Pick<InstalledService, "start" | "account">>();
  /** The rows of the last survey, before the programs' usage is added; and the last rows with it. */
  #made: { survey: Surveyed; rows: ServiceRow[] } | undefined;
  #shown: { made: ServiceRow[]; usage: Map<number, TreeUsage> | undefined; rows: ServiceRow[] } | undefined;

  /** The manager's last survey, when it was made, and the marks of the files it was made beside. */
  #surveyed: Surveyed | undefined;
  /** The last sample of the programs' trees, of which programs, and when. */
  #sampled: { at: number; programs: string; usage: Map<number, TreeUsage> } | undefined;

  constructor(readonly context: CliContext, readonly usage?: UsageSampler) {}

  /** Forgets what was asked (after a change made here, say): the next rows ask the manager again. */
  forget(name?: string): void {
    if (name === undefined) this.#installed.clear();
    else this.#installed.delete(name);
    this.#surveyed = undefined;
  }

  /**
   * The modification times of what a change of a service leaves behind: the config root (a service added)
   * and each service's status.json, which its host writes when it starts, when its program starts, stops or
   * is throttled, and as it stops. One stat each. (A stored spec is looked at with each survey.)
   */
  #marks(services: SurveyedService[]): number[] {
    return [
      mtime(this.context.configRoot),
      ...services.map((service) => mtime(this.#specs.get(service.name)?.statusFile)),
    ];
  }

  /**
   * The manager's survey, asked again when one of the marks changed (a service started, stopped or added,
   * from here or elsewhere), when a host it said runs is gone (a crash: its process is missing at a look at
   * /proc or Toolhelp), and at the latest after SURVEY_EVERY_MS — the services seen to move named to it.
   * The same object while nothing moved.
   */
  async #survey(): Promise<Surveyed> {
    const last = this.#surveyed;
    let moved: string[] = [];
    if (last && Date.now() - last.at < SURVEY_EVERY_MS) {
      this.usage?.look();
      const marks = this.#marks(last.services);
      moved = last.services.filter((service, index) =>
        marks[index + 1] !== last.marks[index + 1] ||
        (service.status.state !== "stopped" && service.status.pid !== undefined &&
          this.usage?.alive(service.status.pid) === false)
      ).map((service) => service.name);
      if (moved.length === 0 && marks[0] === last.marks[0]) return last;
    }
    const services = await surveyServices(this.context, moved);
    // The specs first: they say where each status.json is.
    const specs = await Promise.all(services.map((service) => this.#spec(service.name)));
    for (const name of this.#specs.keys()) {
      if (!services.some((service) => service.name === name)) this.#specs.delete(name);
    }
    this.#surveyed = { at: Date.now(), services, specs, marks: this.#marks(services) };
    return this.#surveyed;
  }

  async rows(): Promise<ServiceRow[]> {
    const surveyed = await this.#survey();
    if (this.#made?.survey !== surveyed) {
      const rows = await Promise.all(
        surveyed.services.flatMap((service, index) => {
          const spec = surveyed.specs[index];
          return spec === null ? [] : [this.#row(service, spec)];
        }),
      );
      rows.sort((a, b) => a.name.localeCompare(b.name));
      this.#made = { survey: surveyed, rows };
    }
    const made = this.#made.rows;
    if (!this.usage) return made;
    const programs = made.flatMap((row) => row.programPid === undefined ? [] : [row.programPid]);
    const usage = this.#sample(programs);
    // Nothing moved: the same rows, which the live list finds equal to what it sent.
    if (this.#shown?.made === made && this.#shown.usage === usage) return this.#shown.rows;
    const rows = made.map((row) => {
      const tree = row.programPid === undefined ? undefined : usage.get(row.programPid);
      return tree ? { ...row, cpuPercent: tree.cpuPercent, memoryBytes: tree.memoryBytes } : row;
    });
    this.#shown = { made, usage, rows };
    return rows;
  }

  /** The programs' trees: sampled again after USAGE_EVERY_MS, or at once when the programs changed. */
  #sample(programs: number[]): Map<number, TreeUsage> {
    const key = programs.join(" ");
    const last = this.#sampled;
    if (last && last.programs === key && Date.now() - last.at < USAGE_EVERY_MS) return last.usage;
    const usage = new Map(
      [...this.usage!.sample(programs)].map(([pid, tree]) => [pid, {
        // As the page shows it: a figure that moves only in digits nobody sees sends no event.
        cpuPercent: tree.cpuPercent === undefined ? undefined : Math.round(tree.cpuPercent * 10) / 10,
        memoryBytes: tree.memoryBytes,
      }]),
    );
    this.#sampled = { at: Date.now(), programs: key, usage };
    return usage;
  }

  async #row(service: SurveyedService, spec: ServiceSpec | undefined): Promise<ServiceRow> {
    const { name } = service;
    try {
      const installed = service.start !== undefined && service.account !== undefined
        ? { start: service.start, account: service.account }
        : this.#installed.get(name) ?? await this.context.manager.query(name);
      this.#installed.set(name, installed);
      const { report, host } = await reportOf(
        name,
        service.status,
        { ...installed, displayName: service.displayName },
        spec,
        this.context,
        { outputFiles: false },
      );
      return {
        name,
        displayName: report.displayName,
        state: report.state,
        hostPid: report.state === "stopped" ? undefined : report.pid,
        programPid: report.programPid,
        // The start, not the uptime: the page counts the seconds, so a list at rest sends nothing.
        programStartedAt: report.uptimeSeconds === undefined || !host.programStartedAt
          ? undefined
          : Date.parse(host.programStartedAt),
        restarts: report.restarts,
        reason: report.reason,
        start: report.start,
        account: report.account,
      };
    } catch (error) {
      // Removed between the survey and its query, or a manager that failed: the row says which.
      return { name, state: "unknown", reason: describeFailure(error).line };
    }
  }

  /**
   * The stored spec of `name`, parsed again only when its file's mtime changed; undefined when it can't be
   * read; null when there is no service.yaml (not servitor's service).
   */
  async #spec(name: string): Promise<ServiceSpec | undefined | null> {
    const { configRoot, windows } = this.context;
    const file = specFile(configRoot, name, windows);
    let stat: Deno.FileInfo;
    try {
      stat = Deno.statSync(file);
    } catch {
      return null;
    }
    if (!stat.isFile) return null;
    const modified = stat.mtime?.getTime() ?? 0;
    const known = this.#specs.get(name);
    if (known && known.mtime === modified) return known.spec;
    const spec = await readSpec(configRoot, name).catch(() => undefined);
    const statusFile = spec ? hostStatusFile(spec, configRoot, windows) : undefined;
    this.#specs.set(name, { mtime: modified, spec, statusFile });
    return spec;
  }
}

/** Every service of the manager with its status: one survey, or (a manager without one) a question each. */
async function surveyServices(context: CliContext, moved: string[] = []): Promise<SurveyedService[]> {
  if (context.manager.survey) return await context.manager.survey(moved);
  const listed = await context.manager.list();
  return await Promise.all(listed.map(async (service) => {
    const status = await context.manager.status(service.name).catch((): ManagedStatus => ({
      state: service.state,
    }));
    return { ...service, status };
  }));
}

/** Every servitor service's row, once (the JSON list). */
export async function serviceRows(context: CliContext): Promise<ServiceRow[]> {
  return await new ServiceSurvey(context).rows();
}

/** What the page does to a service: the list's actions on many, and rotate and remove on one. */
export const actions = ["start", "stop", "restart", "continue", "rotate", "remove"] as const;
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
    else if (action === "remove") {
      // As `ManageService X remove`: the stored configuration stays, for a reinstall.
      await removeService(quiet, name, {});
      lines.push(`'${name}' is removed (reinstall with: ManageService ${name} reinstall)`);
    } else {
      // continue and rotate are controls, sent as `ManageService X continue|rotate` sends them.
      await context.manager.control(name, action);
      lines.push(`'${name}': ${action} sent`);
    }
    context.audit(`ui: ManageService ${name} ${action}: done`);
    return { ok: true, lines };
  } catch (error) {
    const { line } = describeFailure(error);
    context.audit(`ui: ManageService ${name} ${action}: failed: ${line}`);
    return { ok: false, error: line };
  }
}
