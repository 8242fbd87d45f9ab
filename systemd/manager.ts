/**
 * The ServiceManager on Linux: systemd, through `systemctl` (`--user` for a user's own services). A service
 * is a unit servitor writes (systemd/unit.ts) whose ExecStart= runs the host; what systemd can't say — the
 * program's own state, why it is throttled — the host keeps in status.json.
 *
 * @example
 * ```ts
 * import { connectSystemd } from "./manager.ts";
 * import { defaultSpec } from "../service/spec.ts";
 * const spec = defaultSpec("web", "/opt/web/server", ["--port", "8080"]);
 * const manager = connectSystemd({ dryRun: console.log });
 * await manager.create(spec, { program: "/usr/local/bin/servitor", args: ["host", "--service", spec.name] });
 * ```
 * @module
 */
import type { ServiceState } from "../service/vocabulary.ts";
import path from "path";
import { systemdIgnoredSettings } from "./ignored_settings.ts";
import {
  type HostCommand,
  type InstalledService,
  type ListedService,
  type ManagedStatus,
  type ManagerControl,
  type ServiceManager,
  ServiceManagerError,
  type SurveyedService,
} from "../service/manager.ts";
import type { ServiceSpec, StartMode } from "../service/spec.ts";
import { writeFileAtomically } from "../service/store_layout.ts";
import { cgroupProcesses } from "./cgroup.ts";
import { shellWord } from "./escape.ts";
import { serviceNameOf, unitDirectory, unitName, unitPath } from "./paths.ts";
import { SYSTEMCTL, type Systemctl, systemctl, type UnitProperties } from "./systemctl.ts";
import {
  readUnit,
  recoveryLimitations,
  renderUnit,
  type SelfServiceUnit,
  startsAtBoot,
  type UnitFacts,
  type UnitOptions,
} from "./unit.ts";
import { pathExistsSync } from "../service/exists.ts";

export { unitDirectory, unitName, unitPath, userConfigRoot } from "./paths.ts";

export interface SystemdOptions {
  /** The user's own manager (`systemctl --user`, units in ~/.config/systemd/user): no root needed. */
  user?: boolean;
  /** Print each change (systemctl command, file written or deleted) instead of making it. */
  dryRun?: (line: string) => void;
  /**
   * The services this manager creates run a program that is a service by itself (the library's
   * installSelf: a `Type=notify` unit), not servitor's host.
   */
  selfService?: SelfServiceUnit;
}

/** systemd creates this folder when it boots as PID 1 (sd_booted(3)). */
const BOOTED_MARKER = "/run/systemd/system";
/** How to get systemd, for the one line that says it is missing. */
const INSTALL_HINT = "install it with `apt-get install systemd` (Debian, Ubuntu) or `dnf install systemd` " +
  "(Fedora, RHEL) and boot with it";
/** Unit files are for anyone to read (systemctl cat); the secrets are in servitor's store, not here. */
const UNIT_FILE_MODE = 0o644;
/** The signals the host takes as controls under systemd (protocol/signal_session.ts). */
const CONTROL_SIGNALS: Partial<Record<ManagerControl, Deno.Signal>> = {
  continue: "SIGUSR2",
  rotate: "SIGHUP",
};
/**
 * How often a survey shows every unit even when no state moved and the caller named none (what neither
 * shows: an enable or disable made outside servitor). A full one costs about 36 ms of systemctl's CPU for
 * 50 units, the live list's largest cost at rest when it came every 30 s.
 */
const FULL_SURVEY_MS = 120_000;
/** What status() asks systemd. */
const STATUS_PROPERTIES = ["LoadState", "ActiveState", "MainPID", "ExecMainCode", "ExecMainStatus"];
/**
 * Result= values after a start that failed because the host ended on its own (with a code, by a signal, or
 * cleanly before READY=1: "protocol"), not because it could not be run at all ("exec", "resources").
 */
const HOST_ENDED = ["exit-code", "signal", "core-dump", "protocol"];
/** When the unit's main process, the host, was last started. */
const HOST_STARTED_AT = "ExecMainStartTimestampMonotonic";
/** ExecMainCode= values: how the main process ended (CLD_* of waitid(2)). */
const CLD_EXITED = 1;

/**
 * Connects to systemd: the system's (root needed) or, with `user`, the user's own. Throws a
 * ServiceManagerError, "unavailable" without systemd and "access_denied" for the system's without root; a
 * dry run needs no root, since it changes nothing.
 */
export function connectSystemd(options: SystemdOptions = {}): ServiceManager {
  const user = options.user ?? false;
  if (!onPath(SYSTEMCTL)) {
    throw new ServiceManagerError(
      `systemd is not installed (no ${SYSTEMCTL} on PATH), and servitor runs services through it on Linux: ` +
        INSTALL_HINT,
      "unavailable",
    );
  }
  if (!pathExistsSync(BOOTED_MARKER)) {
    throw new ServiceManagerError(
      `systemd is installed but not running (PID 1 is not systemd: no ${BOOTED_MARKER}), and servitor runs ` +
        "services through it on Linux: boot the machine (or container) with systemd as its init",
      "unavailable",
    );
  }
  if (!user && !options.dryRun && Deno.uid() !== 0) {
    throw new ServiceManagerError(
      "managing system services needs root: run servitor with sudo (or install a service of your own with --user)",
      "access_denied",
    );
  }
  return new SystemdManager(systemctl(options), options.dryRun, options.selfService);
}

function onPath(program: string): boolean {
  const directories = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":").filter(Boolean);
  return directories.some((directory) => {
    try {
      const info = Deno.statSync(path.join(directory, program));
      return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

/** The systemd states, mapped onto the SCM's. */
export function managedState(activeState: string): ServiceState {
  switch (activeState) {
    case "active":
    case "reloading":
    case "refreshing":
      return "running";
    case "activating":
      // Also auto-restart, while systemd waits RestartSec= before starting the host again by itself.
      return "start_pending";
    case "deactivating":
      return "stop_pending";
    default:
      // inactive, failed, maintenance
      return "stopped";
  }
}

/** A status from `show`'s properties: the host's pid while it runs, how it ended once it stopped. */
export function statusOf(properties: UnitProperties): ManagedStatus {
  const state = managedState(properties.ActiveState ?? "");
  const pid = Number(properties.MainPID ?? 0);
  const code = Number(properties.ExecMainCode ?? 0);
  const value = Number(properties.ExecMainStatus ?? 0);
  const status: ManagedStatus = { state };
  if (pid > 0) status.pid = pid;
  if (state === "stopped" && code > 0) {
    // Killed by a signal reads as 128 + its number, as a shell (and the host, for the program) says it.
    status.exitCode = { kind: "exit_status", code: code === CLD_EXITED ? value : 128 + value };
  }
  return status;
}

class SystemdManager implements ServiceManager {
  readonly kind = "systemd";
  readonly ignoredSettings = systemdIgnoredSettings;
  /** What survey() showed last: each unit's state and properties; when and for which directory all were. */
  #surveyed:
    | {
      at: number;
      directory: number | undefined;
      units: Map<string, { active: string; properties: UnitProperties }>;
    }
    | undefined;
  /** The units survey() read last, with their directory's mtime then. */
  #units: { mtime: number; found: { name: string; facts: UnitFacts }[] } | undefined;

  limitations(spec: ServiceSpec): string[] {
    return recoveryLimitations(spec);
  }

  /** The unit file: all that systemd holds of a service. */
  entry(spec: ServiceSpec, host: HostCommand): string {
    return renderUnit(spec, host, this.#unitOptions);
  }

  readonly #systemctl: Systemctl;
  readonly #dryRun?: (line: string) => void;
  readonly #selfService?: SelfServiceUnit;

  constructor(systemctl: Systemctl, dryRun?: (line: string) => void, selfService?: SelfServiceUnit) {
    this.#systemctl = systemctl;
    this.#dryRun = dryRun;
    this.#selfService = selfService;
  }

  get #unitOptions(): UnitOptions {
    return { user: this.#user, selfService: this.#selfService };
  }

  get #user(): boolean {
    return this.#systemctl.user;
  }

  /**
   * `password` is not used: systemd runs a service as any account without one. Throws "exists" when
   * systemd knows a unit of that name already, whoever wrote it (a unit here would override theirs).
   */
  async create(spec: ServiceSpec, host: HostCommand): Promise<void> {
    const text = renderUnit(spec, host, this.#unitOptions);
    const unit = unitName(spec.name);
    const loaded = await this.#loadState(unit);
    if (pathExistsSync(unitPath(spec.name, this.#user)) || loaded.state !== "not-found") {
      const where = loaded.path && loaded.path !== unitPath(spec.name, this.#user) ? ` (${loaded.path})` : "";
      throw new ServiceManagerError(`a systemd unit named ${unit} exists already${where}`, "exists");
    }
    await this.#writeUnit(spec.name, text);
    try {
      await this.#systemctl.change(["daemon-reload"]);
      if (startsAtBoot(spec.start)) await this.#systemctl.change(["enable", unit]);
    } catch (error) {
      // Half a service is worse than none: the next create would find this one "exists already".
      await Deno.remove(unitPath(spec.name, this.#user)).catch(() => {});
      await this.#systemctl.change(["daemon-reload"]).catch(() => {});
      throw error;
    }
  }

  /** As create, for a unit servitor wrote; `password` is not used either. */
  async update(spec: ServiceSpec, host: HostCommand): Promise<void> {
    const text = renderUnit(spec, host, this.#unitOptions);
    const unit = unitName(spec.name);
    await this.#requireOwnUnit(spec.name);
    // Disabled while the old [Install] section is still there to say which links to remove.
    await this.#systemctl.change(["disable", unit]);
    await this.#writeUnit(spec.name, text);
    await this.#systemctl.change(["daemon-reload"]);
    if (startsAtBoot(spec.start)) await this.#systemctl.change(["enable", unit]);
  }

  /**
   * Stops the unit first, then deletes it. systemd goes on running a unit whose file is gone (active, with
   * LoadState=not-found) and nothing would stop it any more: as servitor's store no longer names it either,
   * the host would run on unseen. `systemctl stop` waits for the stop job, the host's escalation included.
   */
  async remove(name: string): Promise<void> {
    const unit = unitName(name);
    await this.#requireOwnUnit(name);
    const [properties] = await this.#systemctl.show([unit], ["ActiveState"]);
    if (properties.ActiveState !== "inactive") await this.#systemctl.change(["stop", unit]);
    await this.#systemctl.change(["disable", unit]);
    const file = unitPath(name, this.#user);
    if (this.#dryRun) this.#dryRun(`rm -f ${shellWord(file)}`);
    else await Deno.remove(file);
    await this.#systemctl.change(["daemon-reload"]);
    // Forget a failed state; a unit that never failed, or no longer loaded, has none to forget.
    await this.#systemctl.change(["reset-failed", unit]).catch(() => {});
  }

  async exists(name: string): Promise<boolean> {
    let unit: string;
    try {
      unit = unitName(name);
    } catch {
      return false;
    }
    if (await this.#ownUnit(name) !== undefined) return true;
    return (await this.#loadState(unit)).state !== "not-found";
  }

  /**
   * `systemctl start` waits for the host's READY=1 (a `Type=notify` unit). A host that stopped before it —
   * a configuration it refuses, a program it can't start — fails the start job; the start did happen, as
   * on Windows, and the caller reads the stop and its reason. Anything else (the host not executable, a
   * refused start) is the start's own failure.
   */
  async start(name: string): Promise<void> {
    const unit = unitName(name);
    const started = async () => {
      const [properties] = await this.#systemctl.show([unit], [HOST_STARTED_AT, "Result"]);
      return properties;
    };
    const before = this.#dryRun ? undefined : await started();
    try {
      await this.#systemctl.change(["start", unit]);
    } catch (error) {
      if (!before) throw error;
      // A host of this start (not of an earlier one: a refused start leaves the last Result as it was).
      const after = await started().catch(() => undefined);
      const ran = after !== undefined && after[HOST_STARTED_AT] !== before[HOST_STARTED_AT];
      if (!ran || !HOST_ENDED.includes(after.Result ?? "")) throw error;
    }
  }

  async control(name: string, control: ManagerControl): Promise<void> {
    const unit = unitName(name);
    if (control === "stop") {
      await this.#systemctl.change(["stop", unit]);
      return;
    }
    const signal = CONTROL_SIGNALS[control];
    if (!signal) {
      throw new ServiceManagerError(
        `${control} has no equivalent under systemd: the host pauses only by itself, while a restart is ` +
          "throttled; continue ends that wait",
        "refused",
      );
    }
    const [properties] = await this.#systemctl.show([unit], ["LoadState", "ActiveState"]);
    if (properties.LoadState === "not-found") throw noSuchService(unit);
    if (managedState(properties.ActiveState ?? "") !== "running") {
      throw new ServiceManagerError(`${unit} is not running: there is no host to ${control}`, "refused");
    }
    // --kill-who (renamed --kill-whom in systemd 252, which still takes the old name): older systemds too.
    await this.#systemctl.change(["kill", `--signal=${signal}`, "--kill-who=main", unit]);
  }

  async status(name: string): Promise<ManagedStatus> {
    const unit = unitName(name);
    const [properties] = await this.#systemctl.show([unit], STATUS_PROPERTIES);
    if (properties.LoadState === "not-found" && properties.ActiveState === "inactive") {
      throw noSuchService(unit);
    }
    return statusOf(properties);
  }

  async query(name: string): Promise<InstalledService> {
    const unit = unitName(name);
    const [properties] = await this.#systemctl.show(
      [unit],
      ["LoadState", "Description", "UnitFileState", "FragmentPath"],
    );
    if (properties.LoadState === "not-found") throw noSuchService(unit);
    const file = properties.FragmentPath || unitPath(name, this.#user);
    const text = await Deno.readTextFile(file).catch(() => "");
    const facts = readUnit(text, name);
    return {
      name,
      displayName: facts.displayName || properties.Description || name,
      description: facts.description,
      start: startMode(properties.UnitFileState ?? "", facts.start, facts.refusesManualStart),
      account: facts.account ?? this.#defaultAccount(),
      dependsOn: facts.dependsOn,
      command: facts.command,
    };
  }

  async list(): Promise<ListedService[]> {
    const found = await this.#ownUnits(false);
    const shown = await this.#systemctl.show(
      found.map((service) => `${service.name}.service`),
      STATUS_PROPERTIES,
    );
    return found.map(({ name, facts }, index) => ({
      name,
      displayName: facts.displayName || name,
      state: statusOf(shown[index]).state,
    }));
  }

  /**
   * servitor's units and their status, for a live list that asks every second. `systemctl show` of 50
   * units costs systemctl about 45 ms of CPU (a property query per unit), `list-units` of the same about
   * 7 ms (one call): so each survey lists the units' states, and shows (in one call) only the units whose
   * state moved since the last survey or that the caller names in `moved` (a restart between two surveys,
   * which leaves the state as it was: the live list sees the host's status.json rewritten), all of them when
   * the unit directory changed (servitor writes a unit by renaming a new file over it) and every
   * FULL_SURVEY_MS, which catches what neither shows (an enable made elsewhere). The units are read again
   * only when the directory changed.
   */
  async survey(moved: string[] = []): Promise<SurveyedService[]> {
    const found = await this.#ownUnits(true);
    const units = found.map((service) => `${service.name}.service`);
    const last = this.#surveyed;
    const full = last === undefined || last.directory !== this.#units?.mtime ||
      Date.now() - last.at > FULL_SURVEY_MS;
    const states = full ? undefined : await this.#activeStates(units);
    const named = new Set(moved.map((name) => `${name}.service`));
    const changed = units.filter((unit) =>
      full || !states || named.has(unit) || last.units.get(unit)?.active !== (states.get(unit) ?? "inactive")
    );
    const shown = await this.#systemctl.show(changed, [...STATUS_PROPERTIES, "UnitFileState"]);
    const now = new Map(
      full ? [] : units.flatMap((unit) => {
        const known = last.units.get(unit);
        return known ? [[unit, known] as const] : [];
      }),
    );
    changed.forEach((unit, index) =>
      now.set(unit, { active: shown[index].ActiveState ?? "", properties: shown[index] })
    );
    if (full) this.#surveyed = { at: Date.now(), directory: this.#units?.mtime, units: now };
    else this.#surveyed = { ...last, units: now };
    return found.map(({ name, facts }) => {
      const properties = now.get(`${name}.service`)?.properties ?? {};
      const status = statusOf(properties);
      return {
        name,
        displayName: facts.displayName || name,
        state: status.state,
        status,
        start: startMode(properties.UnitFileState ?? "", facts.start, facts.refusesManualStart),
        account: facts.account ?? this.#defaultAccount(),
      };
    });
  }

  /** The ActiveState of each of `units` that systemd has loaded (one not loaded is inactive), in one call. */
  async #activeStates(units: string[]): Promise<Map<string, string> | undefined> {
    if (units.length === 0) return new Map();
    const listed = await this.#systemctl.query([
      "list-units",
      "--all",
      "--plain",
      "--no-legend",
      "--no-pager",
      "--full",
      ...units,
    ]);
    // A failure here is no failure of the survey: every unit is then shown.
    if (listed.code !== 0) return undefined;
    const states = new Map<string, string>();
    for (const line of listed.stdout.split("\n")) {
      const [unit, , active] = line.trim().split(/\s+/);
      if (unit && active) states.set(unit, active);
    }
    return states;
  }

  async processes(name: string): Promise<number[]> {
    const unit = unitName(name);
    const [properties] = await this.#systemctl.show([unit], ["LoadState", "ActiveState", "ControlGroup"]);
    if (properties.LoadState === "not-found" && properties.ActiveState === "inactive") {
      throw noSuchService(unit);
    }
    return await cgroupProcesses(properties.ControlGroup ?? "");
  }

  /** servitor's units in its unit directory, by name, read again when the directory's mtime moved. */
  async #ownUnits(cached: boolean): Promise<{ name: string; facts: UnitFacts }[]> {
    const directory = unitDirectory(this.#user);
    const mtime = await Deno.stat(directory).then((stat) => stat.mtime?.getTime(), () => undefined);
    if (cached && mtime !== undefined && this.#units?.mtime === mtime) return this.#units.found;
    const found: { name: string; facts: UnitFacts }[] = [];
    try {
      for await (const entry of Deno.readDir(directory)) {
        if (!entry.isFile || !entry.name.endsWith(".service")) continue;
        const name = serviceNameOf(entry.name);
        const text = await Deno.readTextFile(path.join(directory, entry.name)).catch(() => "");
        const facts = readUnit(text, name);
        if (facts.servitor) found.push({ name, facts });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    found.sort((a, b) => a.name.localeCompare(b.name));
    this.#units = mtime === undefined ? undefined : { mtime, found };
    return found;
  }

  /** Whose a unit without User= runs as: the manager's own. */
  #defaultAccount(): string {
    return this.#user ? (Deno.env.get("USER") ?? "the user") : "root";
  }

  /** The text of servitor's unit file for `name`, or undefined when there is none. */
  async #ownUnit(name: string): Promise<string | undefined> {
    try {
      const text = await Deno.readTextFile(unitPath(name, this.#user));
      return readUnit(text, name).servitor ? text : undefined;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  /** Only units servitor wrote are changed or removed: never a unit someone else owns. */
  async #requireOwnUnit(name: string): Promise<void> {
    if (await this.#ownUnit(name) !== undefined) return;
    const unit = unitName(name);
    if (pathExistsSync(unitPath(name, this.#user)) || (await this.#loadState(unit)).state !== "not-found") {
      throw new ServiceManagerError(
        `${unit} was not installed by servitor: servitor leaves it alone (use systemctl)`,
        "refused",
      );
    }
    throw noSuchService(unit);
  }

  async #loadState(unit: string): Promise<{ state: string; path?: string }> {
    const [properties] = await this.#systemctl.show([unit], ["LoadState", "FragmentPath"]);
    return { state: properties.LoadState ?? "", path: properties.FragmentPath || undefined };
  }

  async #writeUnit(name: string, text: string): Promise<void> {
    const file = unitPath(name, this.#user);
    if (this.#dryRun) {
      this.#dryRun(`mkdir -p ${shellWord(path.dirname(file))}`);
      this.#dryRun(`cat > ${shellWord(file)} <<'EOF'\n${text}EOF`);
      return;
    }
    await Deno.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomically(file, text);
    await Deno.chmod(file, UNIT_FILE_MODE);
  }
}

function noSuchService(unit: string): ServiceManagerError {
  return new ServiceManagerError(
    `no service named ${serviceNameOf(unit)} (systemd knows no ${unit})`,
    "no_such_service",
  );
}

/** The start type from systemd's enablement, told apart by what servitor recorded where systemd can't. */
export function startMode(
  unitFileState: string,
  recorded: StartMode | undefined,
  refuses: boolean,
): StartMode {
  if (unitFileState === "masked" || unitFileState === "masked-runtime" || refuses) return "disabled";
  if (unitFileState.startsWith("enabled") || unitFileState === "alias") {
    return recorded === "delayed" ? "delayed" : "auto";
  }
  return "manual";
}
