/**
 * nssm's parameters (nssm-usage.txt, "Managing services using the command line"), each read from and written
 * to a ServiceSpec the way NSSM 2.24-101 reads and writes its registry values: `get` gives the string nssm
 * prints, `set` and `reset` give the changed spec and which of nssm's two messages fits ("Set parameter …"
 * or "Reset parameter … to its default."). The order of the table is nssm's own (its settings[] array, the
 * order of `dump` and of its list of valid parameters), servitor's beyond-NSSM parameters after NSSM's.
 *
 * Pure: the CLI (nssm.ts) finds the service, stores the spec and applies what the service manager holds.
 * Behaviours checked against nssm64.exe 2.24-101 under Wine are noted where they surprise.
 * @module
 */
import { type Priority, type StartMode } from "../service/spec.ts";
import { healthActions } from "../service/settings.ts";
import { parseHealthTarget } from "../service/health.ts";
import { parseRestartTimes } from "../service/schedule.ts";
import { joinArguments, splitArguments } from "../service/command_line.ts";
import {
  canonicalAffinity,
  type Change,
  dependencyParameter,
  type DumpEntry,
  editBlock,
  environmentParameter,
  equalsIgnoringCase,
  exitAction,
  exitActionNames,
  exitCode,
  type Facts,
  fixedParameter,
  flagParameter,
  hookEvent,
  hookOrder,
  isDefaultWord,
  noDefault,
  type NssmParameter,
  type NssmSpec,
  number,
  numberParameter,
  ParameterError,
  parseNssmNumber,
  priorityNames,
  startNames,
  stringParameter,
} from "./nssm_codecs.ts";
import {
  DEFAULT_FAILURE_RESET_SECONDS,
  formatDelay,
  LOCAL_SYSTEM,
  nssmAccount,
  nssmAccountName,
  parseFailureActions,
} from "./nssm_accounts.ts";

export {
  canonicalAffinity,
  type Change,
  type DumpEntry,
  type Facts,
  nssmAccount,
  nssmAccountName,
  type NssmParameter,
  type NssmSpec,
  ParameterError,
  parseNssmNumber,
};

// ---------------------------------------------------------------------------------------------------------
// The table.

const set = (spec: NssmSpec, outcome: Change["outcome"], write: (next: NssmSpec) => unknown): Change => {
  const next = structuredClone(spec);
  write(next);
  return { spec: next, outcome };
};

const WHY_STREAM = "servitor's host opens the output files itself (shared for reading and writing)";

/** Every parameter, in nssm's order; servitor's beyond-NSSM ones follow NSSM's of the same kind. */
export const nssmParameters: readonly NssmParameter[] = [
  {
    name: "Application",
    native: false,
    get: (spec) => spec.program,
    set(spec, values) {
      const program = values.join(" ");
      if (program === "") throw new ParameterError("Application: the program's path is missing");
      return set(spec, "set", (next) => next.program = program);
    },
    // nssm writes "" and the service is no longer nssm's; servitor keeps a service runnable.
    reset: () => {
      throw new ParameterError("Application: a service needs its program: set Application <path> instead");
    },
    dump: () => [], // the install line carries it
  },
  {
    name: "AppParameters",
    native: false,
    get: (spec) => joinArguments(spec.arguments),
    set: (spec, values) => set(spec, "set", (next) => next.arguments = splitArguments(values.join(" "))),
    // nssm's default is the empty string, which it writes: its message is "Set parameter".
    reset: (spec) => set(spec, "set", (next) => next.arguments = []),
    dump: (spec) => spec.arguments.length ? [{ value: joinArguments(spec.arguments) }] : [],
  },
  stringParameter("AppDirectory", (spec) => spec.directory, (spec, value) => spec.directory = value, {
    resetSays: "set",
  }),
  {
    name: "AppExit",
    native: false,
    subparameter: "required",
    get(spec, subparameter) {
      const code = exitCode(subparameter ?? "");
      const action = code === undefined ? spec.exit.default : spec.exit.codes[code] ?? spec.exit.default;
      return exitActionNames[action];
    },
    set(spec, values, subparameter) {
      const code = exitCode(subparameter ?? "");
      const action = exitAction(values.join(" "));
      // nssm says "Reset" whenever the action is Restart, its default, though it stores the code's entry.
      return set(spec, action === "restart" ? "reset" : "set", (next) => {
        if (code === undefined) next.exit.default = action;
        else next.exit.codes[code] = action;
      });
    },
    reset(spec, subparameter) {
      const code = exitCode(subparameter ?? "");
      return set(spec, "reset", (next) => {
        if (code === undefined) next.exit.default = "restart";
        else delete next.exit.codes[code];
      });
    },
    dump: (spec) => [
      // nssm dumps Default always (install creates it), then each code's entry.
      { subparameter: "Default", value: exitActionNames[spec.exit.default] },
      ...Object.entries(spec.exit.codes).map(([code, action]) => ({
        subparameter: code,
        value: exitActionNames[action],
      })),
    ],
  },
  {
    name: "AppEvents",
    native: false,
    subparameter: "required",
    get: (spec, subparameter) => spec.hooks[hookEvent(subparameter ?? "")] ?? "",
    set(spec, values, subparameter) {
      const event = hookEvent(subparameter ?? "");
      const command = values.join(" ");
      return set(spec, command ? "set" : "reset", (next) => {
        if (command) next.hooks[event] = command;
        else delete next.hooks[event];
      });
    },
    reset(spec, subparameter) {
      const event = hookEvent(subparameter ?? "");
      return set(spec, "reset", (next) => delete next.hooks[event]);
    },
    dump: (spec) =>
      hookOrder.filter((event) => spec.hooks[event]).map((event) => ({
        subparameter: event,
        value: spec.hooks[event]!,
      })),
  },
  {
    name: "AppAffinity",
    native: false,
    get: (spec) => spec.affinity === undefined ? "All" : canonicalAffinity(spec.affinity),
    set(spec, values) {
      const text = values.join(" ");
      if (isDefaultWord(text) || equalsIgnoringCase(text, "All")) {
        return set(spec, "reset", (next) => delete next.affinity);
      }
      let canonical: string;
      try {
        canonical = canonicalAffinity(text);
      } catch {
        throw new ParameterError(
          `AppAffinity: '${text}' is not a list of processors 0-63 (e.g. 0-2,4), or All`,
        );
      }
      return set(spec, "set", (next) => next.affinity = canonical);
    },
    reset: (spec) => set(spec, "reset", (next) => delete next.affinity),
    dump: (spec) => spec.affinity === undefined ? [] : [{ value: canonicalAffinity(spec.affinity) }],
  },
  environmentParameter("AppEnvironment", false, (spec) => spec.environment ?? [], (spec, entries) => {
    if (entries.length) spec.environment = entries;
    else delete spec.environment;
  }),
  environmentParameter(
    "AppEnvironmentExtra",
    false,
    (spec) => spec.environmentExtra,
    (spec, entries) => spec.environmentExtra = entries,
  ),
  flagParameter("AppNoConsole", false, (spec) => spec.noConsole, (spec, on) => spec.noConsole = on),
  {
    name: "AppPriority",
    native: false,
    get: (spec) => priorityNames[spec.priority],
    set(spec, values) {
      const text = values.join(" ");
      const priority = (Object.keys(priorityNames) as Priority[]).find((p) =>
        equalsIgnoringCase(priorityNames[p], text)
      );
      if (!priority) {
        throw new ParameterError(
          `AppPriority: '${text}' is not a priority (${Object.values(priorityNames).join(", ")})`,
          `Invalid process priority "${text}".  Valid priorities are:\n${
            Object.values(priorityNames).join("\n")
          }`,
        );
      }
      return set(spec, priority === "normal" ? "reset" : "set", (next) => next.priority = priority);
    },
    reset: (spec) => set(spec, "reset", (next) => next.priority = "normal"),
    dump: (spec) => spec.priority === "normal" ? [] : [{ value: priorityNames[spec.priority] }],
  },
  numberParameter(
    "AppRestartDelay",
    0,
    (spec) => spec.restartDelayMs,
    (spec, ms) => spec.restartDelayMs = ms,
  ),
  stringParameter("AppStdin", (spec) => spec.output.stdin, (spec, value) => spec.output.stdin = value),
  fixedParameter("AppStdinShareMode", 2, WHY_STREAM),
  fixedParameter("AppStdinCreationDisposition", 3, "the input file must exist (OPEN_EXISTING)"),
  fixedParameter("AppStdinFlagsAndAttributes", 128, WHY_STREAM),
  ...streamParameters("Stdout"),
  ...streamParameters("Stderr"),
  numberParameter("AppStopMethodSkip", 0, (spec) => spec.stop.skip, (spec, skip) => spec.stop.skip = skip),
  numberParameter(
    "AppStopMethodConsole",
    1500,
    (spec) => spec.stop.consoleMs,
    (spec, ms) => spec.stop.consoleMs = ms,
  ),
  numberParameter(
    "AppStopMethodWindow",
    1500,
    (spec) => spec.stop.windowMs,
    (spec, ms) => spec.stop.windowMs = ms,
  ),
  numberParameter(
    "AppStopMethodThreads",
    1500,
    (spec) => spec.stop.threadsMs,
    (spec, ms) => spec.stop.threadsMs = ms,
  ),
  flagParameter(
    "AppKillProcessTree",
    true,
    (spec) => spec.stop.killProcessTree,
    (spec, on) => spec.stop.killProcessTree = on,
  ),
  numberParameter("AppThrottle", 1500, (spec) => spec.throttleMs, (spec, ms) => spec.throttleMs = ms),
  // NSSM 2.24 spells it without the s (nssm-readme has the s, and 2.24 refuses that spelling).
  flagParameter(
    "AppRedirectHook",
    false,
    (spec) => spec.output.redirectHooks,
    (spec, on) => spec.output.redirectHooks = on,
    { aliases: ["AppRedirectHooks"] },
  ),
  flagParameter(
    "AppRotateFiles",
    false,
    (spec) => spec.output.rotation.files,
    (spec, on) => spec.output.rotation.files = on,
  ),
  flagParameter(
    "AppRotateOnline",
    false,
    (spec) => spec.output.rotation.online,
    (spec, on) => spec.output.rotation.online = on,
  ),
  numberParameter(
    "AppRotateSeconds",
    0,
    (spec) => spec.output.rotation.seconds,
    (spec, seconds) => spec.output.rotation.seconds = seconds,
  ),
  // One 64-bit size in the spec; nssm's two 32-bit halves.
  numberParameter(
    "AppRotateBytes",
    0,
    (spec) => spec.output.rotation.bytes % 2 ** 32,
    (spec, low) =>
      spec.output.rotation.bytes = Math.floor(spec.output.rotation.bytes / 2 ** 32) * 2 ** 32 + low,
  ),
  numberParameter(
    "AppRotateBytesHigh",
    0,
    (spec) => Math.floor(spec.output.rotation.bytes / 2 ** 32),
    (spec, high) => spec.output.rotation.bytes = high * 2 ** 32 + spec.output.rotation.bytes % 2 ** 32,
  ),
  numberParameter(
    "AppRotateDelay",
    0,
    (spec) => spec.output.rotation.delayMs,
    (spec, ms) => spec.output.rotation.delayMs = ms,
  ),
  flagParameter(
    "AppTimestampLog",
    false,
    (spec) => spec.output.timestamp,
    (spec, on) => spec.output.timestamp = on,
  ),
  numberParameter(
    "AppRotateKeep",
    0,
    (spec) => spec.output.rotation.keep,
    (spec, keep) => spec.output.rotation.keep = keep,
    { beyondNssm: true },
  ),
  flagParameter(
    "AppRotateCompress",
    false,
    (spec) => spec.output.rotation.compress,
    (spec, on) => spec.output.rotation.compress = on,
    { beyondNssm: true },
  ),
  {
    name: "AppRestartBudget",
    native: false,
    beyondNssm: true,
    get: (spec) => spec.restartBudget ? `${spec.restartBudget.restarts}/${spec.restartBudget.seconds}` : "",
    set(spec, values) {
      const text = values.join(" ");
      const match = /^(\d+)\/(\d+)(s|m|h|d)?$/.exec(text.trim());
      const restarts = Number(match?.[1]);
      const seconds = Number(match?.[2]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match?.[3] ?? "s"]!;
      if (!match || restarts < 1 || seconds < 1) {
        throw new ParameterError(
          `AppRestartBudget: '${text}' is not RESTARTS/SECONDS (at most that many restarts in that time, e.g. 5/600 ` +
            `or 5/10m)`,
        );
      }
      return set(spec, "set", (next) => next.restartBudget = { restarts, seconds });
    },
    reset: (spec) => set(spec, "reset", (next) => delete next.restartBudget),
    dump: (spec) =>
      spec.restartBudget ? [{ value: `${spec.restartBudget.restarts}/${spec.restartBudget.seconds}` }] : [],
  },
  numberParameter(
    "AppHookDeadline",
    60_000,
    (spec) => spec.hookDeadlineMs,
    (spec, ms) => spec.hookDeadlineMs = ms,
    {
      beyondNssm: true,
    },
  ),
  stringParameter(
    "AppLogDirectory",
    (spec) => spec.logDirectory,
    (spec, value) => spec.logDirectory = value,
    {
      beyondNssm: true,
    },
  ),
  ...beyondNssmParameters(),
  dependencyParameter("DependOnGroup", true),
  dependencyParameter("DependOnService", false),
  {
    name: "Description",
    native: true,
    get: (spec) => spec.description,
    set(spec, values) {
      const description = values.join(" ");
      return set(spec, description ? "set" : "reset", (next) => next.description = description);
    },
    reset: (spec) => set(spec, "reset", (next) => next.description = ""),
    dump: (spec) => spec.description ? [{ value: spec.description }] : [],
  },
  {
    name: "DisplayName",
    native: true,
    get: (spec) => spec.displayName,
    set(spec, values) {
      const displayName = values.join(" ") || spec.name;
      return set(
        spec,
        equalsIgnoringCase(displayName, spec.name) ? "reset" : "set",
        (next) => next.displayName = displayName,
      );
    },
    reset: (spec) => set(spec, "reset", (next) => next.displayName = spec.name),
    // nssm dumps it always.
    dump: (spec) => [{ value: spec.displayName }],
  },
  environmentParameter("Environment", false, (spec) => spec.serviceEnvironment ?? [], (spec, entries) => {
    if (entries.length) spec.serviceEnvironment = entries;
    else delete spec.serviceEnvironment;
  }),
  {
    name: "ImagePath",
    native: true,
    get: (_spec, _subparameter, facts) => facts.imagePath ?? "",
    set: () => {
      throw new ParameterError(
        "ImagePath: the service manager runs servitor's host; set Application to change the program",
      );
    },
    reset: () => noDefault("ImagePath"),
    dump: () => [],
  },
  {
    name: "ObjectName",
    native: true,
    get: (spec) => nssmAccountName(spec.account, spec.name),
    // `set <service> ObjectName <username> [<password …>]`: the user name is the subparameter.
    set(spec, values, username) {
      const account = nssmAccount(username ?? LOCAL_SYSTEM, spec.name);
      const password = values.length ? values.join(" ") : undefined;
      if (account.kind === "user" && password === undefined) {
        throw new ParameterError(
          `ObjectName: the account ${username} needs its password: set ObjectName <username> <password>`,
        );
      }
      return {
        ...set(spec, account.kind === "local_system" ? "reset" : "set", (next) => next.account = account),
        password: account.kind === "user" ? password : undefined,
      };
    },
    reset: (spec) => set(spec, "reset", (next) => next.account = { kind: "local_system" }),
    dump(spec, newName) {
      const name = nssmAccountName(spec.account, newName);
      // A user's password is nobody's business: nssm dumps **** in its place, as the value.
      return spec.account.kind === "user" ? [{ subparameter: name, value: "****" }] : [{ value: name }];
    },
  },
  {
    name: "Name",
    native: true,
    get: (spec) => spec.name,
    set: () => {
      throw new ParameterError(
        "Name: services cannot be renamed (dump <service> <newname> prints a copy's commands)",
        "Services cannot be renamed!",
      );
    },
    reset: () => {
      throw new ParameterError("Name: services cannot be renamed", "Services cannot be renamed!");
    },
    dump: () => [],
  },
  {
    name: "Start",
    native: true,
    get: (spec) => startNames[spec.start],
    set(spec, values) {
      const text = values.join(" ");
      // nssm-usage.txt calls it SERVICE_DELAYED_START; NSSM 2.24 takes only SERVICE_DELAYED_AUTO_START.
      const start = equalsIgnoringCase(text, "SERVICE_DELAYED_START")
        ? "delayed"
        : (Object.keys(startNames) as StartMode[]).find((mode) => equalsIgnoringCase(startNames[mode], text));
      if (!start) {
        throw new ParameterError(
          `Start: '${text}' is not a startup type (${Object.values(startNames).join(", ")})`,
          `Invalid startup type "${text}".  Valid types are:\n${Object.values(startNames).join("\n")}`,
        );
      }
      return set(spec, "set", (next) => next.start = start);
    },
    reset: () => noDefault("Start"),
    dump: (spec) => [{ value: startNames[spec.start] }],
  },
  {
    name: "Type",
    native: true,
    get: () => "SERVICE_WIN32_OWN_PROCESS",
    set(spec, values) {
      const text = values.join(" ");
      if (equalsIgnoringCase(text, "SERVICE_WIN32_OWN_PROCESS")) return { spec, outcome: "set" };
      if (equalsIgnoringCase(text, "SERVICE_INTERACTIVE_PROCESS")) {
        throw new ParameterError(
          "Type: SERVICE_INTERACTIVE_PROCESS: since Windows Vista a service's windows are on a desktop nobody " +
            "sees (session 0); servitor's services are SERVICE_WIN32_OWN_PROCESS",
        );
      }
      throw new ParameterError(
        `Type: '${text}' is not a service type (SERVICE_WIN32_OWN_PROCESS, SERVICE_INTERACTIVE_PROCESS)`,
        `Invalid service type "${text}".  Valid types are:\nSERVICE_WIN32_OWN_PROCESS\nSERVICE_INTERACTIVE_PROCESS`,
      );
    },
    reset: () => noDefault("Type"),
    dump: () => [{ value: "SERVICE_WIN32_OWN_PROCESS" }],
  },
  {
    name: "FailureActions",
    native: true,
    beyondNssm: true,
    get: (spec) =>
      spec.recovery?.actions.map(({ action, delayMs }) => `${action}/${formatDelay(delayMs)}`).join(",") ??
        "",
    set(spec, values) {
      const actions = parseFailureActions(values.join(" "));
      return set(spec, "set", (next) =>
        next.recovery = {
          ...next.recovery,
          actions,
          resetSeconds: next.recovery?.resetSeconds ?? DEFAULT_FAILURE_RESET_SECONDS,
        });
    },
    reset: (spec) => set(spec, "reset", (next) => delete next.recovery),
    dump(spec) {
      if (!spec.recovery) return [];
      const value = spec.recovery.actions.map(({ action, delayMs }) => `${action}/${formatDelay(delayMs)}`)
        .join(",");
      return [{ value }];
    },
  },
  {
    name: "FailureActionsResetPeriod",
    native: true,
    beyondNssm: true,
    get: (spec) => spec.recovery ? String(spec.recovery.resetSeconds) : "",
    set(spec, values) {
      const seconds = number("FailureActionsResetPeriod", values.join(" "));
      return set(
        spec,
        seconds === DEFAULT_FAILURE_RESET_SECONDS ? "reset" : "set",
        (next) => next.recovery = { actions: [], ...next.recovery, resetSeconds: seconds },
      );
    },
    reset: (spec) =>
      set(spec, "reset", (next) => {
        if (next.recovery?.actions.length) next.recovery.resetSeconds = DEFAULT_FAILURE_RESET_SECONDS;
        else delete next.recovery; // a period without actions was all there was
      }),
    dump: (spec) =>
      spec.recovery && spec.recovery.resetSeconds !== DEFAULT_FAILURE_RESET_SECONDS
        ? [{ value: String(spec.recovery.resetSeconds) }]
        : [],
  },
  numberParameter(
    "PreshutdownTimeout",
    180_000,
    (spec) => spec.preshutdownTimeoutMs,
    (spec, ms) => spec.preshutdownTimeoutMs = ms,
    { native: true, beyondNssm: true },
  ),
];

const isAbsolutePath = (file: string) => /^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(file);

/** A setting of the health check other than its target: it tunes a check, so one must be set first. */
function healthNumber(
  name: string,
  key: "intervalMs" | "timeoutMs" | "retries" | "startMs",
  defaultValue: number,
  least: number,
): NssmParameter {
  return numberParameter(name, defaultValue, (spec) => spec.health?.[key] ?? defaultValue, (spec, value) => {
    if (!spec.health) {
      if (value === defaultValue) return; // a reset with no check: nothing to reset
      throw new ParameterError(`${name}: there is no health check to tune: set AppHealthCheck first`);
    }
    if (value < least) throw new ParameterError(`${name}: ${value} is too small: at least ${least}`);
    spec.health[key] = value;
  }, { beyondNssm: true });
}

/** A setting that is either absent (nssm's empty string) or a value its own parser accepts. */
function optionalParameter<T>(
  name: string,
  read: (spec: NssmSpec) => T | undefined,
  write: (spec: NssmSpec, value: T | undefined) => void,
  parse: (text: string) => T,
  show: (value: T) => string = String,
): NssmParameter {
  const shown = (spec: NssmSpec) => {
    const value = read(spec);
    return value === undefined ? "" : show(value);
  };
  return {
    name,
    native: false,
    beyondNssm: true,
    get: shown,
    set(spec, values) {
      const text = values.join(" ").trim();
      if (isDefaultWord(text)) return set(spec, "reset", (next) => write(next, undefined));
      let value: T;
      try {
        value = parse(text);
      } catch (error) {
        throw new ParameterError(`${name}: ${(error as Error).message}`);
      }
      return set(spec, "set", (next) => write(next, value));
    },
    reset: (spec) => set(spec, "reset", (next) => write(next, undefined)),
    dump: (spec) => shown(spec) ? [{ value: shown(spec) }] : [],
  };
}

/** A size in bytes as nssm's other sizes are given (a number), or with K, M or G. */
function parseBytes(text: string): number {
  const match = /^(\d+)([KMG])?B?$/i.exec(text);
  if (!match) throw new RangeError(`'${text}' is not a size in bytes (or with K, M or G: 512M)`);
  const factor = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]?.toUpperCase() as "K" | "M" | "G"] ?? 1;
  return Number(match[1]) * factor;
}

/**
 * servitor's parameters beyond NSSM's (issue 15): environment files, the health check, the limits and
 * scheduled restarts, each the nssm-verb face of one ServiceSpec setting.
 */
function beyondNssmParameters(): NssmParameter[] {
  const cores = navigator.hardwareConcurrency;
  return [
    {
      // Multi-line, as AppEnvironmentExtra: one file a value, +/- to add and remove, : to replace.
      name: "AppEnvironmentFile",
      native: false,
      list: true,
      beyondNssm: true,
      get: (spec) => (spec.envFiles ?? []).join("\n"),
      set(spec, values) {
        const { entries } = editBlock(
          spec.envFiles ?? [],
          values,
          (entry) => entry,
          (existing, removal) => existing === removal,
        );
        const relative = entries.find((file) => !isAbsolutePath(file));
        if (relative !== undefined) {
          throw new ParameterError(`AppEnvironmentFile: '${relative}' is not an absolute path`);
        }
        return set(spec, entries.length ? "set" : "reset", (next) => {
          if (entries.length) next.envFiles = entries;
          else delete next.envFiles;
        });
      },
      reset: (spec) => set(spec, "reset", (next) => delete next.envFiles),
      dump: (spec) => (spec.envFiles ?? []).map((file, i) => ({ value: `${i ? "+" : ":"}${file}` })),
    },
    optionalParameter("AppHealthCheck", (spec) => spec.health?.check, (spec, check) => {
      if (check === undefined) delete spec.health;
      else {
        spec.health = {
          intervalMs: 10_000,
          timeoutMs: 3_000,
          retries: 3,
          startMs: 30_000,
          action: "restart",
          ...spec.health,
          check,
        };
      }
    }, (text) => (parseHealthTarget(text), text)),
    healthNumber("AppHealthInterval", "intervalMs", 10_000, 1),
    healthNumber("AppHealthTimeout", "timeoutMs", 3_000, 1),
    healthNumber("AppHealthRetries", "retries", 3, 1),
    healthNumber("AppHealthStart", "startMs", 30_000, 0),
    {
      name: "AppHealthAction",
      native: false,
      beyondNssm: true,
      get: (spec) => healthActionNames[spec.health?.action ?? "restart"],
      set(spec, values) {
        const text = values.join(" ");
        const action = healthActions.find((known) => equalsIgnoringCase(known, text));
        if (!action) {
          throw new ParameterError(
            `AppHealthAction: '${text}' is not an action (${Object.values(healthActionNames).join(", ")})`,
          );
        }
        if (!spec.health) {
          if (action === "restart") return { spec, outcome: "reset" };
          throw new ParameterError("AppHealthAction: there is no health check: set AppHealthCheck first");
        }
        return set(spec, action === "restart" ? "reset" : "set", (next) => next.health!.action = action);
      },
      reset: (spec) =>
        set(spec, "reset", (next) => {
          if (next.health) next.health.action = "restart";
        }),
      dump: (spec) =>
        spec.health && spec.health.action !== "restart"
          ? [{ value: healthActionNames[spec.health.action] }]
          : [],
    },
    optionalParameter("AppMaxMemory", (spec) => spec.maxMemoryBytes, (spec, bytes) => {
      if (bytes === undefined) delete spec.maxMemoryBytes;
      else spec.maxMemoryBytes = bytes;
    }, (text) => {
      const bytes = parseBytes(text);
      if (bytes < 1024 ** 2) {
        throw new RangeError(`${bytes} bytes is below 1M (1048576), too little for any program`);
      }
      return bytes;
    }),
    optionalParameter("AppMaxCpu", (spec) => spec.maxCpuPercent, (spec, percent) => {
      if (percent === undefined) delete spec.maxCpuPercent;
      else spec.maxCpuPercent = percent;
    }, (text) => {
      const percent = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : NaN;
      if (!(percent > 0)) {
        throw new RangeError(`'${text}' is not a percentage of one core above 0 (150: 1.5 cores)`);
      }
      if (percent > 100 * cores) {
        throw new RangeError(
          `${percent} is more than this machine has (${cores} cores: at most ${100 * cores})`,
        );
      }
      return percent;
    }),
    optionalParameter("AppRestartEvery", (spec) => spec.restartEveryMs, (spec, ms) => {
      if (ms === undefined) delete spec.restartEveryMs;
      else spec.restartEveryMs = ms;
    }, (text) => {
      const ms = parseNssmNumber(text);
      if (ms === undefined) throw new RangeError(`'${text}' is not a number of milliseconds`);
      if (ms < 1000) throw new RangeError(`${ms} ms is less than a second (1000)`);
      return ms;
    }),
    optionalParameter("AppRestartAt", (spec) => spec.restartAt, (spec, times) => {
      if (times === undefined) delete spec.restartAt;
      else spec.restartAt = times;
    }, (text) => {
      parseRestartTimes(text);
      return text.split(",").map((time) => time.trim()).join(",");
    }),
  ];
}

const healthActionNames: Record<(typeof healthActions)[number], string> = {
  restart: "Restart",
  none: "None",
};

/** AppStdout or AppStderr and their CreateFile arguments and CopyAndTruncate, in nssm's order. */
function streamParameters(stream: "Stdout" | "Stderr"): NssmParameter[] {
  const key = stream === "Stdout" ? "stdout" : "stderr";
  const disposition = `App${stream}CreationDisposition`;
  return [
    stringParameter(`App${stream}`, (spec) => spec.output[key], (spec, value) => spec.output[key] = value),
    fixedParameter(`App${stream}ShareMode`, 3, WHY_STREAM),
    {
      // CreateFile's dwCreationDisposition: OPEN_ALWAYS (4) appends, CREATE_ALWAYS (2) replaces.
      name: disposition,
      native: false,
      get: (spec) => spec.output[`${key}Disposition`] === "replace" ? "2" : "4",
      set(spec, values) {
        const value = number(disposition, values.join(" "));
        if (value !== 2 && value !== 4) {
          throw new ParameterError(
            `${disposition}: ${value} is not supported: 4 (OPEN_ALWAYS) appends, 2 (CREATE_ALWAYS) replaces`,
          );
        }
        return set(
          spec,
          value === 4 ? "reset" : "set",
          (next) => next.output[`${key}Disposition`] = value === 4 ? "append" : "replace",
        );
      },
      reset: (spec) => set(spec, "reset", (next) => next.output[`${key}Disposition`] = "append"),
      dump: (spec) => spec.output[`${key}Disposition`] === "replace" ? [{ value: "2" }] : [],
    },
    fixedParameter(`App${stream}FlagsAndAttributes`, 128, WHY_STREAM),
    flagParameter(
      `App${stream}CopyAndTruncate`,
      false,
      (spec) => spec.output.rotation[`${key}CopyAndTruncate`],
      (spec, on) => spec.output.rotation[`${key}CopyAndTruncate`] = on,
    ),
  ];
}

/**
 * The parameter `name` names, without regard to case (as nssm), or undefined.
 *
 * @example
 * ```ts
 * import { findParameter } from "./nssm_parameters.ts";
 * findParameter("appthrottle")?.name; // "AppThrottle"
 * findParameter("AppRedirectHooks")?.name; // "AppRedirectHook"
 * ```
 */
export function findParameter(name: string): NssmParameter | undefined {
  return nssmParameters.find((parameter) =>
    equalsIgnoringCase(parameter.name, name) ||
    parameter.aliases?.some((alias) => equalsIgnoringCase(alias, name))
  );
}

/** The parameters valid for a service servitor does not manage: what the service manager itself holds. */
export const foreignParameters: readonly string[] = [
  "DependOnGroup",
  "DependOnService",
  "Description",
  "DisplayName",
  "ImagePath",
  "Name",
  "ObjectName",
  "Start",
];

/**
 * `dump`'s lines for `spec` under `newName`, in nssm's order: the install line's program and arguments, then
 * `set` lines for every parameter not at its default (and those nssm always dumps).
 */
export function dumpEntries(spec: NssmSpec, newName: string): { parameter: string; entry: DumpEntry }[] {
  return nssmParameters.flatMap((parameter) =>
    parameter.dump(spec, newName).map((entry) => ({ parameter: parameter.name, entry }))
  );
}
