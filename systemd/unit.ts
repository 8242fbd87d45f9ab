/**
 * A service's systemd unit: what servitor writes for a ServiceSpec (renderUnit), and what it reads back
 * from a unit file (readUnit). systemd starts the host (`servitor host --service <name>`), which supervises
 * the program; the unit holds only what systemd itself needs, as the SCM's registry entry does.
 *
 * Decisions, each for a reason written beside it below:
 * - Accounts: local_system is root (no User=). local_service, network_service and virtual have no Linux
 *   counterpart; all three get `DynamicUser=yes` — an unprivileged user of the service's own, made when it
 *   starts (systemd.exec(5)), which is what a Windows virtual account is — rather than `nobody`, which
 *   systemd advises against sharing. A named user is `User=<name>` with its primary group.
 * - Restart: the host restarts the program; systemd restarts the host only when it ends without having
 *   stopped the service on purpose: killed by a signal, an internal error (254), the restart budget spent
 *   (253, "then the service manager's recovery takes over"), or AppExit Suicide. Never for the host's
 *   own refusals — bad configuration (250), a program that can't be started (251), a Start/Pre hook's abort
 *   (252) — where a restart would fail the same way, nor for AppExit Exit, which means "stop".
 * - Stop: systemd sends SIGTERM to the host alone (`KillMode=mixed`), which then runs the stop escalation on
 *   the program; TimeoutStopSec= lasts longer than that whole escalation, hooks included, so systemd's
 *   final SIGKILL only ever sweeps up leftovers.
 * - Start: `Type=notify`. The host says READY=1 once the program is launched (or, throttled, waits to be
 *   restarted), so `systemctl start` fails when the host stops first — a configuration it refuses, a
 *   program that can't be started — rather than calling the service running. It says STOPPING=1 when it
 *   stops, and EXTEND_TIMEOUT_USEC= while a start or stop goes on (a Start/Pre hook, the escalation);
 *   TimeoutStartSec= covers the whole start as well, should those messages never come.
 * - A program that is a service by itself (the library's installSelf) gets a unit of its own kind
 *   (`selfService`): `Type=notify`, since it tells systemd when it is ready; none of the host's lines.
 * @module
 */
import type { HostCommand } from "../service/manager.ts";
import { ServiceManagerError } from "../service/manager.ts";
import type { ExitAction, ServiceSpec, StartMode } from "../service/spec.ts";
import { exitActionFor } from "../service/settings.ts";
import { startModes } from "../service/settings.ts";
import { HostExitCode, POSIX_STOP_METHODS } from "../service/vocabulary.ts";
import { startHintMs, stopSteps } from "../service/timing.ts";
import path from "path";
import { SPEC_FILE } from "../service/store_layout.ts";
import { escapeSpecifiers, execLine, freeText, opaqueValue, pathWord, readOpaqueValue } from "./escape.ts";
import { bootTarget, unitName } from "./paths.ts";

/** servitor's own section: systemd ignores `X-` sections silently; it marks the units servitor wrote. */
export const SERVITOR_SECTION = "X-Servitor";

/** Added to the host's own stop escalation in TimeoutStopSec=: its start-up, flushing and exit. */
export const STOP_MARGIN_MS = 5_000;

/**
 * Added to the host's own start in TimeoutStartSec=: Deno starting the host (run from source with an empty
 * Deno cache, as a new DynamicUser= service's is, on a loaded machine) and the host reading its spec.
 */
export const START_MARGIN_MS = 30_000;

export interface UnitOptions {
  /** A user service (`systemctl --user`): it runs as that user and starts with their default.target. */
  user?: boolean;
  /** ExecStart= runs a program that is a service by itself (the library's installSelf), not the host. */
  selfService?: SelfServiceUnit;
}

/** What the unit of a program that is a service by itself depends on (protocol/sd_notify.ts). */
export interface SelfServiceUnit {
  /**
   * Whether the program sends sd_notify's datagram itself, through libc (it has --allow-ffi in full);
   * otherwise it runs `systemd-notify --pid=<itself>`.
   */
  notifiesThroughLibc: boolean;
}

/**
 * How long the stop of a program that is a service by itself may take before systemd kills it. The library
 * says STOPPING=1 with EXTEND_TIMEOUT_USEC= as soon as SIGTERM arrives, and again every half wait hint while
 * its stop work goes on (protocol/pending.ts), so this covers only the time until that first message —
 * Deno hearing the signal and, without --allow-ffi, starting systemd-notify — and the exit after the last:
 * room for a loaded machine, while a program whose event loop hangs is ended in seconds, not in systemd's
 * default 90.
 */
export const SELF_STOP_TIMEOUT_MS = 10_000;

/**
 * What of a spec's recovery a unit can't hold: systemd restarts a failed service (Restart=), but the SCM's
 * per-failure reboot and run-a-command actions have no place in the unit servitor writes.
 *
 * @example
 * ```ts
 * import { recoveryLimitations } from "./unit.ts";
 * import { defaultSpec } from "../service/spec.ts";
 * const spec = { ...defaultSpec("web", "/opt/web/server"), recovery: { actions: [{ action: "reboot" as const, delayMs: 0 }], resetSeconds: 0 } };
 * recoveryLimitations(spec); // ["the recovery action reboot has no place in a systemd unit: ignored here"]
 * ```
 */
export function recoveryLimitations(spec: ServiceSpec): string[] {
  const actions = new Set(spec.recovery?.actions.map((step) => step.action));
  return (["reboot", "run_command"] as const).filter((action) => actions.has(action)).map((action) =>
    `the recovery action ${action} has no place in a systemd unit: ignored here`
  );
}

/** How systemd restarts the host (Restart=, RestartPreventExitStatus=, RestartForceExitStatus=). */
export interface RestartPolicy {
  restart: "no" | "on-failure" | "on-abnormal";
  /** Exit statuses never restarted (with on-failure). */
  prevent: number[];
  /** Exit statuses always restarted (with on-abnormal). */
  force: number[];
  /** RestartSec=, when the spec's recovery gives a delay; systemd's default (100 ms) otherwise. */
  delayMs?: number;
}

/** Exit statuses with which the host refuses to go on: a restart would fail the same way. */
const REFUSALS = [HostExitCode.configuration, HostExitCode.launchFailed, HostExitCode.startAborted];
/** Exit statuses with which the host gives the service back to its manager's recovery. */
const GIVE_BACK = [HostExitCode.restartBudgetSpent, HostExitCode.internal];

/** The host's exit status when the program exits with `code` and AppExit says `action` (host/supervisor.ts). */
function hostExitStatus(code: number, action: ExitAction): number {
  return (action === "suicide" && code === 0 ? 1 : code) & 0xff;
}

/**
 * What systemd must do when AppExit ends the host: "restart" its service (Suicide: the manager's recovery
 * takes over), leave it "stopped" (Exit), or nothing, as the host goes on and restarts or ignores the program
 * itself. A new exit action must be placed here: the compiler says so.
 */
const outerAction: Record<ExitAction, "restart" | "stopped" | "host_goes_on"> = {
  restart: "host_goes_on",
  ignore: "host_goes_on",
  exit: "stopped",
  suicide: "restart",
};

/**
 * The outer guard. An exit status alone can't tell AppExit Exit from Suicide (both end the host with the
 * program's code), but the spec can: when Suicide is the default, every status restarts except Exit's
 * codes and the refusals; otherwise only a crash, the statuses handed back, and Suicide's codes do.
 */
export function restartPolicy(spec: ServiceSpec): RestartPolicy {
  const firstRestart = spec.recovery?.actions.find((action) => action.action === "restart");
  const delayMs = firstRestart?.delayMs;
  if (spec.recovery && !firstRestart) return { restart: "no", prevent: [], force: [] };
  const codesFor = (outer: "restart" | "stopped") =>
    Object.keys(spec.exit.codes)
      .map(Number)
      .filter((code) => outerAction[exitActionFor(spec, code)] === outer)
      .map((code) => hostExitStatus(code, exitActionFor(spec, code)))
      .filter((status) => status !== 0);
  const restarted = codesFor("restart");
  const sorted = (codes: number[]) => [...new Set(codes)].sort((a, b) => a - b);
  if (outerAction[spec.exit.default] === "restart") {
    const prevent = [...REFUSALS, ...codesFor("stopped")].filter((code) => !restarted.includes(code));
    return { restart: "on-failure", prevent: sorted(prevent), force: [], delayMs };
  }
  return { restart: "on-abnormal", prevent: [], force: sorted([...GIVE_BACK, ...restarted]), delayMs };
}

/** How long a stop may take, from SIGTERM to the host's exit: Stop/Pre, the escalation, Exit/Post, a margin. */
export function stopTimeoutMs(spec: ServiceSpec): number {
  const escalation = stopSteps({ spec, methods: POSIX_STOP_METHODS })
    .reduce((sum, step) => sum + step.waitMs, 0);
  const hooks = (["Stop/Pre", "Exit/Post"] as const)
    .filter((event) => spec.hooks[event])
    .length * spec.hookDeadlineMs;
  return hooks + escalation + STOP_MARGIN_MS;
}

/**
 * How long a start may take, from exec to READY=1: the host's start-up, then Start/Pre, rotation at start
 * and the launch. The host extends it while it goes on (EXTEND_TIMEOUT_USEC=); this holds without that.
 */
export function startTimeoutMs(spec: ServiceSpec): number {
  return startHintMs({ spec, methods: POSIX_STOP_METHODS }) + START_MARGIN_MS;
}

/**
 * Whether the host run by `host` sends sd_notify's datagram through libc: a compiled servitor has every
 * permission it needs (cli/self.ts), `deno run` only with --allow-ffi or --allow-all before the module.
 */
export function hostNotifiesThroughLibc(host: HostCommand): boolean {
  if (host.args[0] !== "run") return true;
  const module = host.args.findIndex((arg, at) => at > 0 && !arg.startsWith("-"));
  const flags = host.args.slice(1, module < 0 ? undefined : module);
  if (flags.some((flag) => /^--deny-ffi(=|$)/.test(flag))) return false;
  return flags.some((flag) => /^(-A|--allow-all|--allow-ffi)$/.test(flag));
}

/** Whether the service is enabled (started at boot): auto and delayed. */
export function startsAtBoot(start: StartMode): boolean {
  return start === "auto" || start === "delayed";
}

/** The suffixes of systemd's unit types (systemd.unit(5)). */
const UNIT_SUFFIX = /\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$/;

/** A dependency as a unit: a plain name is a service; a name with a unit type's suffix stays as it is. */
export function dependencyUnit(name: string): string {
  if (name.startsWith("+")) {
    throw new ServiceManagerError(
      `the dependency "${name}" is a Windows load-order group, which systemd has no counterpart for: ` +
        "name the services instead",
      "refused",
    );
  }
  if (UNIT_SUFFIX.test(name)) {
    // Instances (getty@tty1.service) and systemd-escape's \x2d are fine in a dependency.
    if (!/^[A-Za-z0-9:_.\\@-]+$/.test(name) || name.length > 255) {
      throw new ServiceManagerError(`the dependency "${name}" is not a systemd unit name`, "refused");
    }
    return name;
  }
  return unitName(name);
}

/** A Linux user name (or a numeric uid) that User= takes. */
function linuxUser(name: string): string {
  if (!/^([A-Za-z_][A-Za-z0-9_.-]*\$?|\d+)$/.test(name) || name.length > 256) {
    throw new ServiceManagerError(
      `the account "${name}" is not a Linux user name (letters, digits, _ . -, not starting with a digit)`,
      "refused",
    );
  }
  return name;
}

/**
 * [Service] lines for the account. A user service runs as its user: there is no account to choose.
 * `storeRoot` is the host's store; undefined for a program that is a service by itself.
 */
function accountLines(
  spec: ServiceSpec,
  command: HostCommand,
  user: boolean,
  storeRoot: string | undefined,
): string[] {
  const account = spec.account;
  if (user) {
    if (account.kind === "local_system") return [];
    throw new ServiceManagerError(
      "a --user service runs as the user who installs it: leave out the account (ObjectName)",
      "refused",
    );
  }
  // The host writes its logs to /var/log/servitor/<name>: systemd makes that folder the account's own.
  // The store stays root's alone (0700): systemd hands the host its spec as a credential
  // ($CREDENTIALS_DIRECTORY/service.yaml). A program run from source — the host, or a program that is a
  // service by itself — gets a Deno cache of its own: the account may have no home to keep one in.
  const logs = [
    ...(storeRoot === undefined ? [] : [
      ...(spec.logDirectory ? [] : [`LogsDirectory=servitor/${spec.name}`]),
      `LoadCredential=${SPEC_FILE}:${escapeSpecifiers(path.posix.join(storeRoot, spec.name, SPEC_FILE))}`,
    ]),
    `CacheDirectory=servitor/${spec.name}`,
    `Environment=DENO_DIR=%C/servitor/${spec.name}/deno`,
  ];
  switch (account.kind) {
    case "local_system":
      return [];
    case "local_service":
    case "network_service":
    case "virtual":
      return ["DynamicUser=yes", ...privateTmpBindings(spec, command), ...logs];
    case "user":
      return [`User=${linuxUser(account.name)}`, ...logs];
  }
}

/**
 * DynamicUser= gives the service a private /tmp and /var/tmp (systemd.exec(5)), so what the unit runs from
 * there — servitor run from a checkout under /tmp, its Deno, the program — would be missing (203/EXEC):
 * each such folder (the first one under /tmp or /var/tmp) is bound into the service, read-only.
 *
 * @example
 * ```ts
 * import { privateTmpBindings } from "./unit.ts";
 * import { defaultSpec } from "../service/spec.ts";
 * privateTmpBindings(defaultSpec("web", "/usr/bin/web"), {
 *   program: "/tmp/ci/main/node_modules/deno/deno",
 *   args: ["run", "/tmp/ci/main/cli/main.ts", "host", "--service", "web"],
 * }); // ["BindReadOnlyPaths=/tmp/ci"]
 * ```
 */
export function privateTmpBindings(spec: ServiceSpec, command: HostCommand): string[] {
  const needed = [command.program, ...command.args, spec.program, spec.directory ?? ""];
  const folders = new Set<string>();
  for (const file of needed) {
    const match = /^(\/(?:var\/)?tmp\/[^/]+)(?:\/|$)/.exec(path.posix.normalize(file));
    if (match) folders.add(match[1]);
  }
  return [...folders].sort().map((folder) => `BindReadOnlyPaths=${pathWord(folder)}`);
}

/** The store the host reads: its --config-root, else the machine's. */
function storeRootOf(host: HostCommand): string {
  const at = host.args.indexOf("--config-root");
  return at >= 0 && host.args[at + 1] ? host.args[at + 1] : "/etc/servitor";
}

/**
 * The unit of a spec, run by `command`: servitor's host, or with `options.selfService` a program that is a
 * service by itself. Throws a ServiceManagerError("refused") for what systemd can't hold.
 */
export function renderUnit(spec: ServiceSpec, command: HostCommand, options: UnitOptions = {}): string {
  const user = options.user ?? false;
  const unit = unitName(spec.name);
  const target = bootTarget(user);
  const dependencies = spec.dependsOn.map(dependencyUnit);
  const after = [...dependencies, ...(spec.start === "delayed" ? [target] : [])];
  const lines = [
    ...(options.selfService
      ? [
        `# Written by servitor's installSelf for the service ${spec.name}; installing it again rewrites it, so`,
        "# change the service through the program's own install rather than here.",
      ]
      : [
        `# Written by servitor for the service ${spec.name}; servitor rewrites it, so change the service with`,
        "# servitor (set, InstallService) rather than here. The program's own settings are in servitor's store.",
      ]),
    "[Unit]",
    `Description=${freeText(spec.displayName) || unit}`,
    ...(dependencies.length ? [`Requires=${dependencies.join(" ")}`] : []),
    // Delayed: after the boot's own target is reached, as Windows starts delayed services after the rest.
    ...(after.length ? [`After=${after.join(" ")}`] : []),
    // Disabled: no start by request either (Windows' SERVICE_DISABLED); it is not enabled at boot.
    ...(spec.start === "disabled" ? ["RefuseManualStart=yes"] : []),
    "",
    "[Service]",
    ...(options.selfService
      ? selfServiceLines(spec, command, user, options.selfService)
      : hostLines(spec, command, user)),
    // The journal names the service, not "deno".
    `SyslogIdentifier=${spec.name}`,
    ...(startsAtBoot(spec.start) ? ["", "[Install]", `WantedBy=${target}`] : []),
    "",
    `[${SERVITOR_SECTION}]`,
    `DisplayName=${opaqueValue(spec.displayName)}`,
    `Description=${opaqueValue(spec.description)}`,
    `Start=${spec.start}`,
  ];
  return lines.join("\n") + "\n";
}

/** [Service] lines for servitor's host: it supervises the program, systemd only guards the host. */
function hostLines(spec: ServiceSpec, host: HostCommand, user: boolean): string[] {
  const restart = restartPolicy(spec);
  const runsAsRoot = !user && spec.account.kind === "local_system";
  return [
    // notify: `systemctl start` returns once the program runs, and fails when the host stops before.
    "Type=notify",
    `NotifyAccess=${notifyAccess({ notifiesThroughLibc: hostNotifiesThroughLibc(host) }, runsAsRoot)}`,
    `ExecStart=${execLine(host.program, host.args)}`,
    ...accountLines(spec, host, user, storeRootOf(host)),
    `Restart=${restart.restart}`,
    ...(restart.prevent.length ? [`RestartPreventExitStatus=${restart.prevent.join(" ")}`] : []),
    ...(restart.force.length ? [`RestartForceExitStatus=${restart.force.join(" ")}`] : []),
    ...(restart.delayMs !== undefined ? [`RestartSec=${restart.delayMs}ms`] : []),
    "KillMode=mixed",
    // The host puts the program in a control group of its own below the unit's, with its memory and CPU
    // limits (host/cgroups.ts); systemd hands the unit's group to it only when delegated.
    ...(spec.maxMemoryBytes !== undefined || spec.maxCpuPercent !== undefined ? ["Delegate=yes"] : []),
    `TimeoutStartSec=${startTimeoutMs(spec)}ms`,
    `TimeoutStopSec=${stopTimeoutMs(spec)}ms`,
  ];
}

/**
 * Who may send sd_notify messages for the service (NotifyAccess=). A message sent by the program itself
 * (libc) is the main process's. `systemd-notify --pid=` speaks for the main process only when run by root
 * (the kernel lets only root name another process in a message's credentials); from anyone else systemd
 * takes it only with `all` (both seen under systemd 257).
 */
export function notifyAccess(unit: SelfServiceUnit, runsAsRoot: boolean): "main" | "all" {
  return unit.notifiesThroughLibc || runsAsRoot ? "main" : "all";
}

/**
 * [Service] lines for a program that is a service by itself: it says READY=1 once it runs, so `systemctl
 * start` returns then; systemd restarts it when it fails, as the SCM's recovery would.
 */
function selfServiceLines(
  spec: ServiceSpec,
  program: HostCommand,
  user: boolean,
  unit: SelfServiceUnit,
): string[] {
  const runsAsRoot = !user && spec.account.kind === "local_system";
  return [
    "Type=notify",
    `NotifyAccess=${notifyAccess(unit, runsAsRoot)}`,
    `ExecStart=${execLine(program.program, program.args)}`,
    ...accountLines(spec, program, user, undefined),
    "Restart=on-failure",
    // SIGTERM to the program alone, which stops in its own way (its stop callback, its loop's end) as it
    // would for the SCM's stop control; what it leaves behind gets SIGKILL once it has exited.
    "KillMode=mixed",
    `TimeoutStopSec=${SELF_STOP_TIMEOUT_MS}ms`,
  ];
}

/** A unit file's sections, each a list of its assignments in order. */
export type UnitSections = Map<string, [key: string, value: string][]>;

/** Parses a unit file (systemd.syntax(7)): sections, comments, continuation lines. Values are left raw. */
export function parseUnitFile(text: string): UnitSections {
  const sections: UnitSections = new Map();
  let current: [string, string][] | undefined;
  let pending = "";
  for (const raw of text.split("\n")) {
    let line = pending + raw.trim();
    pending = "";
    if (line.startsWith("#") || line.startsWith(";")) continue;
    // An odd number of trailing backslashes continues the line, the backslash becoming a space.
    if (/(^|[^\\])(\\\\)*\\$/.test(line)) {
      pending = line.slice(0, -1) + " ";
      continue;
    }
    line = line.trim();
    if (line === "") continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections.get(section[1]) ?? [];
      sections.set(section[1], current);
      continue;
    }
    const equals = line.indexOf("=");
    if (equals < 0 || !current) continue;
    current.push([line.slice(0, equals).trim(), line.slice(equals + 1).trim()]);
  }
  return sections;
}

/** The last value of a setting, or undefined. */
export function lastValue(sections: UnitSections, section: string, key: string): string | undefined {
  return sections.get(section)?.findLast(([name]) => name === key)?.[1];
}

/** Every word a list setting holds; an empty assignment resets the list, as systemd reads it. */
export function listValue(sections: UnitSections, section: string, key: string): string[] {
  let words: string[] = [];
  for (const [name, value] of sections.get(section) ?? []) {
    if (name !== key) continue;
    words = value === "" ? [] : [...words, ...value.split(/\s+/)];
  }
  return words;
}

/** What a unit file says about a service, in servitor's terms. */
export interface UnitFacts {
  /** Whether servitor wrote it (it has the [X-Servitor] section). */
  servitor: boolean;
  displayName: string;
  description: string;
  /** The start type servitor recorded; undefined for units servitor did not write. */
  start?: StartMode;
  /** Requires=, plain services without their `.service`. */
  dependsOn: string[];
  /** User=, `DynamicUser=yes` as `<name> (dynamic user)`, or undefined for root. */
  account?: string;
  /** ExecStart= as written. */
  command: string;
  refusesManualStart: boolean;
}

/** Reads a unit file back. `name` is the service's name (a dynamic user is named after it). */
export function readUnit(text: string, name: string): UnitFacts {
  const sections = parseUnitFile(text);
  const own = sections.get(SERVITOR_SECTION);
  const unescape = (value: string) => value.replaceAll("%%", "%");
  const start = lastValue(sections, SERVITOR_SECTION, "Start") as StartMode | undefined;
  const dynamic = /^(yes|true|on|1)$/i.test(lastValue(sections, "Service", "DynamicUser") ?? "");
  const userName = lastValue(sections, "Service", "User");
  const description = lastValue(sections, "Unit", "Description") ?? "";
  return {
    servitor: own !== undefined,
    displayName: readOpaqueValue(lastValue(sections, SERVITOR_SECTION, "DisplayName") ?? "") ||
      unescape(description),
    description: readOpaqueValue(lastValue(sections, SERVITOR_SECTION, "Description") ?? ""),
    start: start && startModes.includes(start) ? start : undefined,
    dependsOn: listValue(sections, "Unit", "Requires").map((unit) => unit.replace(/\.service$/, "")),
    account: userName ? unescape(userName) : dynamic ? `${name} (dynamic user)` : undefined,
    command: lastValue(sections, "Service", "ExecStart") ?? "",
    refusesManualStart: /^(yes|true|on|1)$/i.test(lastValue(sections, "Unit", "RefuseManualStart") ?? ""),
  };
}
