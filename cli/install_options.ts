/**
 * InstallService's command line, OpenMSIStream's shape: `<program> [program options…] --service_name <name>
 * [servitor options…]`. Whatever is not a servitor option goes to the program, in order; after `--`
 * everything does. Options are snake_case, kebab-case accepted. Pure: parsing and turning options into a
 * ServiceSpec, so both are unit-tested.
 * @module
 */
import { ExitCode } from "./exit_codes.ts";
import { CliError } from "./errors.ts";
import {
  type Account,
  type HookEvent,
  hookEvents,
  parseAffinity,
  type RecoverySpec,
  type ServiceSpec,
} from "../service/spec.ts";
import { exitActions, healthActions, priorities, recoveryActions, startModes } from "../service/settings.ts";
import { parseHealthTarget } from "../service/health.ts";
import { parseRestartTimes } from "../service/schedule.ts";

type Kind = "value" | "list" | "flag";

/** Every InstallService option, with what it takes and a line of help. */
export const installOptions: Record<string, { kind: Kind; help: string }> = {
  service_name: { kind: "value", help: "the service's name (required)" },
  display_name: { kind: "value", help: "the name shown in services.msc / systemctl" },
  description: { kind: "value", help: "a sentence on what the service does" },
  start: { kind: "value", help: "auto (default) | delayed | manual | disabled" },
  account: {
    kind: "value",
    help: "LocalSystem (default) | LocalService | NetworkService | virtual | a user (DOMAIN\\user)",
  },
  password_env: {
    kind: "value",
    help: "the environment variable holding the user's password (else a prompt)",
  },
  on_failure: { kind: "value", help: "the service manager's recovery, e.g. restart/5s,restart/30s,none" },
  failure_reset: {
    kind: "value",
    help: "time without failure after which recovery starts over (default 1d)",
  },
  preshutdown_timeout: {
    kind: "value",
    help: "time the program gets to stop before Windows shuts down (3m)",
  },
  depends_on: { kind: "list", help: "a service that must run first (repeatable)" },
  working_dir: { kind: "value", help: "the program's working directory (default: its folder)" },
  env: { kind: "list", help: "KEY=VALUE for the program, %VARS% expanded (repeatable)" },
  env_replace: { kind: "flag", help: "--env replaces the environment instead of adding to it" },
  stdout: { kind: "value", help: "where output goes, e.g. %PROGRAM%.out.txt (relative: the log directory)" },
  stderr: { kind: "value", help: "where error output goes (the same spec as --stdout interleaves them)" },
  stdin: { kind: "value", help: "a file the program reads as input (default: none)" },
  output_replace: { kind: "flag", help: "empty the output files at each start instead of appending" },
  timestamp: { kind: "flag", help: "prefix each output line with a millisecond timestamp" },
  rotate: { kind: "flag", help: "rotate output files at each start" },
  rotate_online: { kind: "flag", help: "also rotate while running, by size and on request" },
  rotate_seconds: { kind: "value", help: "not a file written to in the last this many seconds" },
  rotate_bytes: { kind: "value", help: "not a file smaller than this (e.g. 10M)" },
  rotate_delay: { kind: "value", help: "pause after rotating" },
  rotate_keep: { kind: "value", help: "keep only the newest N rotated files" },
  rotate_compress: { kind: "flag", help: "gzip rotated files" },
  exit: {
    kind: "list",
    help: "CODE=ACTION or default=ACTION: restart | ignore | exit | suicide (repeatable)",
  },
  throttle: { kind: "value", help: "a run shorter than this is throttled (default 1500ms)" },
  restart_delay: { kind: "value", help: "wait at least this long before restarting" },
  restart_budget: { kind: "value", help: "at most N restarts in a time, then stop: e.g. 5/10m" },
  stop_timeout: { kind: "value", help: "time the program gets after each stop method (default 1500ms)" },
  stop_skip: { kind: "value", help: "stop methods to skip, NSSM's AppStopMethodSkip bits (1 2 4 8)" },
  priority: { kind: "value", help: "realtime | high | above_normal | normal | below_normal | idle" },
  affinity: { kind: "value", help: "processors the program may use, e.g. 0-2,4" },
  no_console: { kind: "flag", help: "no console for the program (then Ctrl-C can't reach it)" },
  hook: { kind: "list", help: "EVENT/ACTION=COMMAND, e.g. Start/Pre=C:\\check.cmd (repeatable)" },
  redirect_hooks: { kind: "flag", help: "hooks write to the program's output files" },
  log_dir: { kind: "value", help: "where relative output specs and the error log go" },
  env_file: {
    kind: "list",
    help: "a dotenv file read at every start, after --env; later files win (repeatable)",
  },
  health: {
    kind: "value",
    help: "a health check: http://host:port/path, https://…, tcp://host:port or cmd:<command line>",
  },
  health_interval: { kind: "value", help: "time between health checks (default 10s)" },
  health_timeout: { kind: "value", help: "time a health check may take (default 3s)" },
  health_retries: { kind: "value", help: "failed checks in a row before unhealthy (default 3)" },
  health_start: { kind: "value", help: "grace after each start when failures don't count (default 30s)" },
  health_action: { kind: "value", help: "restart (default) | none: what an unhealthy program gets" },
  max_memory: { kind: "value", help: "memory the program's whole tree may use, e.g. 512M, 2G (at least 1M)" },
  max_cpu: {
    kind: "value",
    help: "CPU the program's tree may use, in percent of ONE core (200: two cores; at most 100 × cores)",
  },
  restart_every: { kind: "value", help: "a graceful restart this often, e.g. 1d, 12h (at least 1s)" },
  restart_at: { kind: "value", help: "graceful restarts at these local times, HH:MM[,HH:MM…]" },
  config: { kind: "value", help: "the whole service from a YAML file (the stored configuration's schema)" },
  replace: { kind: "flag", help: "remove an existing service of that name first" },
  timeout: {
    kind: "value",
    help: "seconds to wait for another command working on this service (default 30)",
  },
  dry_run: { kind: "flag", help: "print every action, do none" },
  user: { kind: "flag", help: "Linux: a service of your own (systemctl --user), no root needed" },
};

export type InstallOptionValues = Record<string, string | string[] | boolean>;

export interface ParsedInstall {
  program: string | undefined;
  programArgs: string[];
  options: InstallOptionValues;
  help: boolean;
}

/** The option `arg` names (`--service_name`, `--service-name`, `--service_name=x`), or undefined. */
function optionName(arg: string): { name: string; inline?: string } | undefined {
  if (!arg.startsWith("--") || arg === "--") return undefined;
  const [raw, ...rest] = arg.slice(2).split("=");
  const name = raw.replaceAll("-", "_");
  if (!(name in installOptions)) return undefined;
  return { name, inline: rest.length ? rest.join("=") : undefined };
}

/** Splits InstallService's arguments into the program, its arguments and servitor's options. */
export function parseInstallArgs(args: readonly string[]): ParsedInstall {
  const options: InstallOptionValues = {};
  const programArgs: string[] = [];
  let program: string | undefined;
  let help = false;
  // `InstallService <program> -h` is OpenMSIStream's documented way to ask for help: without a service name
  // to install under it is that, though after the program any other word would go to the program.
  let helpAfterProgram = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      programArgs.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      if (program === undefined) {
        help = true;
        continue;
      }
      helpAfterProgram = true;
    }
    const option = optionName(arg);
    if (!option) {
      if (program === undefined) {
        if (arg.startsWith("-")) {
          throw new CliError(
            `InstallService: '${arg}' is not an option of servitor's, and the program comes first ` +
              `(InstallService <program> [program options…] --service_name <name>)`,
            ExitCode.usage,
          );
        }
        program = arg;
      } else programArgs.push(arg);
      continue;
    }
    const { kind } = installOptions[option.name];
    if (kind === "flag") {
      if (option.inline !== undefined) {
        throw new CliError(`--${option.name} takes no value`, ExitCode.usage);
      }
      options[option.name] = true;
      continue;
    }
    const value = option.inline ?? args[++i];
    if (value === undefined) throw new CliError(`--${option.name} needs a value`, ExitCode.usage);
    if (kind === "list") options[option.name] = [...(options[option.name] as string[] ?? []), value];
    else options[option.name] = value;
  }
  if (helpAfterProgram && options.service_name === undefined) help = true;
  return { program, programArgs, options, help };
}

/** The usage text of InstallService. */
export function installUsage(): string {
  const lines = Object.entries(installOptions).map(([name, { kind, help }]) =>
    `  --${name}${kind === "flag" ? "" : " <value>"}`.padEnd(32) + help
  );
  return [
    "Usage: servitor InstallService <program> [program options…] --service_name <name> [options…]",
    "",
    "Everything that is not an option below goes to the program, in order; after -- everything does.",
    "A -h or --help meant for the program goes after --: InstallService <program> --service_name <name> -- -h",
    "Options are snake_case (--service_name) or kebab-case (--service-name). Times take ms, s, m, h or d",
    "(a bare number is milliseconds); sizes take K, M or G.",
    "",
    ...lines,
  ].join("\n");
}

const bad = (message: string) => new CliError(message, ExitCode.badValue);

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in ms: `1500`, `1500ms`, `5s`, `2m`, `1h`, `1d`; a bare number counts in `bareUnit`. */
export function parseDuration(text: string, option: string, bareUnit = "ms"): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw bad(`--${option}: '${text}' is not a time (e.g. 1500ms, 5s, 2m)`);
  return Math.round(Number(match[1]) * units[match[2] ?? bareUnit]);
}

/** A size in bytes: `1048576`, `512K`, `10M`, `1G`. */
export function parseSize(text: string, option: string): number {
  const match = /^(\d+)([KMG])?B?$/i.exec(text.trim());
  if (!match) throw bad(`--${option}: '${text}' is not a size (e.g. 10M)`);
  const factor = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]?.toUpperCase() as "K" | "M" | "G"] ?? 1;
  return Number(match[1]) * factor;
}

function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw bad(`--${option}: '${text}' is not a whole number`);
  return Number(text);
}

function oneOf<T extends string>(text: string, option: string, allowed: readonly T[]): T {
  const normal = text.toLowerCase().replaceAll("-", "_") as T;
  if (!allowed.includes(normal)) throw bad(`--${option}: '${text}' is not one of ${allowed.join(", ")}`);
  return normal;
}

/** An account as --account names it. */
export function parseAccount(text: string): Account {
  const normal = text.toLowerCase().replace(/^nt authority\\/, "").replace(/^\.\\/, ".\\");
  if (normal === "localsystem" || normal === "system" || normal === "local_system") {
    return { kind: "local_system" };
  }
  if (normal === "localservice" || normal === "local_service") return { kind: "local_service" };
  if (normal === "networkservice" || normal === "network_service") return { kind: "network_service" };
  if (normal === "virtual") return { kind: "virtual" };
  if (text.trim() === "") throw bad("--account: an account name is needed");
  return { kind: "user", name: text };
}

/** --on_failure: `restart/5s,restart/30s,none`, each failure taking the next action. */
export function parseRecovery(text: string, reset: string | undefined): RecoverySpec {
  const actions = text.split(",").map((part) => {
    const [action, delay] = part.trim().split("/");
    const kind = oneOf(action, "on_failure", recoveryActions);
    return { action: kind, delayMs: delay === undefined ? 0 : parseDuration(delay, "on_failure", "s") };
  });
  return {
    actions,
    resetSeconds: Math.round(
      (reset === undefined ? 86_400_000 : parseDuration(reset, "failure_reset", "s")) / 1000,
    ),
  };
}

/** What the limits are checked against: this machine's logical processors. */
export interface Machine {
  cores: number;
}

/** --max_cpu: a percentage of one core, more than 0 and at most all of the machine's cores. */
export function parseCpuPercent(text: string, option: string, machine: Machine): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const percent = Number(match?.[1]);
  if (!match || !(percent > 0)) {
    throw bad(`--${option}: '${text}' is not a percentage of one core above 0 (e.g. 50, 150 for 1.5 cores)`);
  }
  if (percent > 100 * machine.cores) {
    throw bad(
      `--${option}: ${percent}% of one core is more than this machine has (${machine.cores} cores: at most ` +
        `${100 * machine.cores})`,
    );
  }
  return percent;
}

/** --max_memory: a size of at least 1 MiB. */
export function parseMemoryLimit(text: string, option: string): number {
  const bytes = parseSize(text, option);
  if (bytes < MIB) throw bad(`--${option}: ${text} is below 1M, too little for any program`);
  return bytes;
}

const MIB = 1024 ** 2;

/** A time that must be more than nothing (a health check's interval, timeout). */
function parsePositiveDuration(text: string, option: string): number {
  const ms = parseDuration(text, option);
  if (ms < 1) throw bad(`--${option}: '${text}' must be more than 0`);
  return ms;
}

/** A value checked by a parser of the model (service/health.ts, schedule.ts): its RangeError, as --option's. */
function checked<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw bad(`--${option}: ${(error as Error).message}`);
  }
}

const healthOptions = [
  "health_interval",
  "health_timeout",
  "health_retries",
  "health_start",
  "health_action",
];

/** Applies the options beyond NSSM: health check, environment files, limits, scheduled restarts. */
function applyBeyondNssm(next: ServiceSpec, options: InstallOptionValues, machine: Machine) {
  const value = (name: string) => options[name] as string | undefined;
  const files = (options.env_file as string[] | undefined) ?? [];
  if (files.length) {
    for (const file of files) {
      if (!/^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(file)) {
        throw bad(`--env_file: '${file}' is not an absolute path`);
      }
    }
    next.envFiles = files;
  }
  if (value("health") !== undefined) {
    checked("health", () => parseHealthTarget(value("health")!));
    next.health = { ...defaultHealth, ...next.health, check: value("health")! };
  }
  const given = healthOptions.filter((name) => value(name) !== undefined);
  if (given.length && !next.health) {
    throw bad(`--${given[0]} needs a health check to tune: add --health <target>`);
  }
  const health = next.health;
  if (health) {
    if (value("health_interval") !== undefined) {
      health.intervalMs = parsePositiveDuration(value("health_interval")!, "health_interval");
    }
    if (value("health_timeout") !== undefined) {
      health.timeoutMs = parsePositiveDuration(value("health_timeout")!, "health_timeout");
    }
    if (value("health_retries") !== undefined) {
      health.retries = parseCount(value("health_retries")!, "health_retries");
      if (health.retries < 1) throw bad("--health_retries: at least 1");
    }
    if (value("health_start") !== undefined) {
      health.startMs = parseDuration(value("health_start")!, "health_start");
    }
    if (value("health_action") !== undefined) {
      health.action = oneOf(value("health_action")!, "health_action", healthActions);
    }
  }
  if (value("max_memory") !== undefined) {
    next.maxMemoryBytes = parseMemoryLimit(value("max_memory")!, "max_memory");
  }
  if (value("max_cpu") !== undefined) {
    next.maxCpuPercent = parseCpuPercent(value("max_cpu")!, "max_cpu", machine);
  }
  if (value("restart_every") !== undefined) {
    next.restartEveryMs = parseDuration(value("restart_every")!, "restart_every");
    if (next.restartEveryMs < 1000) throw bad(`--restart_every: '${value("restart_every")}' is less than 1s`);
  }
  if (value("restart_at") !== undefined) {
    checked("restart_at", () => parseRestartTimes(value("restart_at")!));
    next.restartAt = value("restart_at")!.split(",").map((time) => time.trim()).join(",");
  }
}

/** A health check's settings but its target: the schema's defaults. */
const defaultHealth = {
  intervalMs: 10_000,
  timeoutMs: 3_000,
  retries: 3,
  startMs: 30_000,
  action: "restart" as const,
};

/** Applies InstallService's options to `spec` (the defaults, or a --config file's service). */
export function applyInstallOptions(
  spec: ServiceSpec,
  options: InstallOptionValues,
  machine: Machine = { cores: navigator.hardwareConcurrency },
): ServiceSpec {
  const next: ServiceSpec = structuredClone(spec);
  const value = (name: string) => options[name] as string | undefined;
  const list = (name: string) => (options[name] as string[] | undefined) ?? [];
  const flag = (name: string) => options[name] === true;

  if (value("display_name") !== undefined) next.displayName = value("display_name")!;
  if (value("description") !== undefined) next.description = value("description")!;
  if (value("start") !== undefined) next.start = oneOf(value("start")!, "start", startModes);
  if (value("account") !== undefined) next.account = parseAccount(value("account")!);
  if (value("on_failure") !== undefined) {
    next.recovery = parseRecovery(value("on_failure")!, value("failure_reset"));
  }
  if (value("preshutdown_timeout") !== undefined) {
    next.preshutdownTimeoutMs = parseDuration(value("preshutdown_timeout")!, "preshutdown_timeout");
  }
  if (list("depends_on").length) next.dependsOn = list("depends_on");
  if (value("working_dir") !== undefined) next.directory = value("working_dir");
  for (const entry of list("env")) {
    if (!/^[^=]+=/.test(entry)) throw bad(`--env: '${entry}' is not KEY=VALUE`);
  }
  if (flag("env_replace")) next.environment = list("env");
  else if (list("env").length) next.environmentExtra = list("env");

  const output = next.output;
  if (value("stdout") !== undefined) output.stdout = value("stdout");
  if (value("stderr") !== undefined) output.stderr = value("stderr");
  if (value("stdin") !== undefined) output.stdin = value("stdin");
  if (flag("output_replace")) output.stdoutDisposition = output.stderrDisposition = "replace";
  if (flag("timestamp")) output.timestamp = true;
  if (flag("redirect_hooks")) output.redirectHooks = true;
  const rotation = output.rotation;
  if (flag("rotate")) rotation.files = true;
  if (flag("rotate_online")) rotation.files = rotation.online = true;
  if (value("rotate_seconds") !== undefined) {
    rotation.seconds = parseCount(value("rotate_seconds")!, "rotate_seconds");
  }
  if (value("rotate_bytes") !== undefined) rotation.bytes = parseSize(value("rotate_bytes")!, "rotate_bytes");
  if (value("rotate_delay") !== undefined) {
    rotation.delayMs = parseDuration(value("rotate_delay")!, "rotate_delay");
  }
  if (value("rotate_keep") !== undefined) rotation.keep = parseCount(value("rotate_keep")!, "rotate_keep");
  if (flag("rotate_compress")) rotation.compress = true;

  for (const entry of list("exit")) {
    const [code, action] = entry.split("=");
    if (action === undefined || !(code === "default" || /^-?\d+$/.test(code))) {
      throw bad(`--exit: '${entry}' is not CODE=ACTION (e.g. 0=exit, default=restart)`);
    }
    const chosen = oneOf(action, "exit", exitActions);
    if (code === "default") next.exit.default = chosen;
    else next.exit.codes[code] = chosen;
  }
  if (value("throttle") !== undefined) next.throttleMs = parseDuration(value("throttle")!, "throttle");
  if (value("restart_delay") !== undefined) {
    next.restartDelayMs = parseDuration(value("restart_delay")!, "restart_delay");
  }
  if (value("restart_budget") !== undefined) {
    const [restarts, window] = value("restart_budget")!.split("/");
    if (window === undefined) {
      throw bad(`--restart_budget: '${value("restart_budget")}' is not N/TIME (e.g. 5/10m)`);
    }
    next.restartBudget = {
      restarts: parseCount(restarts, "restart_budget"),
      seconds: Math.max(1, Math.round(parseDuration(window, "restart_budget", "s") / 1000)),
    };
  }
  if (value("stop_timeout") !== undefined) {
    const ms = parseDuration(value("stop_timeout")!, "stop_timeout");
    next.stop.consoleMs = next.stop.windowMs = next.stop.threadsMs = ms;
  }
  if (value("stop_skip") !== undefined) {
    const skip = parseCount(value("stop_skip")!, "stop_skip");
    if (skip > 15) throw bad(`--stop_skip: ${skip} is not a sum of 1, 2, 4 and 8`);
    next.stop.skip = skip;
  }
  if (value("priority") !== undefined) {
    next.priority = oneOf(value("priority")!.replace(/_priority_class$/i, ""), "priority", priorities);
  }
  if (value("affinity") !== undefined) {
    try {
      parseAffinity(value("affinity")!);
    } catch (error) {
      throw bad(`--affinity: ${(error as Error).message}`);
    }
    next.affinity = value("affinity");
  }
  if (flag("no_console")) next.noConsole = true;
  for (const entry of list("hook")) {
    const equals = entry.indexOf("=");
    const event = entry.slice(0, equals);
    const match = hookEvents.find((known) => known.toLowerCase() === event.toLowerCase());
    if (equals < 0 || !match) {
      throw bad(
        `--hook: '${entry}' is not EVENT/ACTION=COMMAND with EVENT/ACTION one of ${hookEvents.join(", ")}`,
      );
    }
    next.hooks[match as HookEvent] = entry.slice(equals + 1);
  }
  if (value("log_dir") !== undefined) next.logDirectory = value("log_dir");
  applyBeyondNssm(next, options, machine);
  return next;
}
