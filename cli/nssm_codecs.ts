/**
 * nssm's values as NSSM 2.24-101 reads and prints them: numbers, flags, strings, the +/-/: editing of its
 * blocks (environment variables, dependencies), its enumerations' names (exit actions, priorities, start
 * types, hook events), and the shapes of its parameters — the codecs the table (./nssm_parameters.ts) is
 * built from. Pure.
 * @module
 */
import {
  type ExitAction,
  type HookEvent,
  hookEvents,
  parseAffinity,
  type Priority,
  type ServiceSpec,
  type StartMode,
} from "../service/spec.ts";

/**
 * The spec as nssm's verbs see it: the ServiceSpec itself (its `serviceEnvironment` is nssm's `Environment`,
 * the service's own block, which the host merges in before anything else).
 */
export type NssmSpec = ServiceSpec;

/** A value nssm would refuse, or servitor can't hold: one line naming the culprit. */
export class ParameterError extends Error {
  /**
   * @param message servitor's one line.
   * @param nssmText NSSM 2.24's own reason for the same value, word for word (LF line ends), where it gives
   *   one (tests/windows/nssm_messages_facts.md): nssm's verbs print it instead of servitor's line.
   */
  constructor(message: string, readonly nssmText?: string) {
    super(message);
    this.name = "ParameterError";
  }
}

/** What a set or reset did, and which of nssm's messages says so. */
export interface Change {
  spec: NssmSpec;
  outcome: "set" | "reset";
  /** ObjectName's password: for the service manager only, never stored. */
  password?: string;
}

/** What get may need beyond the spec. */
export interface Facts {
  /** The command line the service manager runs (ImagePath). */
  imagePath?: string;
}

/** One line of `dump`: `set <name> <parameter> [subparameter] <value>`. */
export interface DumpEntry {
  subparameter?: string;
  value: string;
}

export interface NssmParameter {
  /** nssm's spelling, which its messages use. */
  readonly name: string;
  /** Other spellings accepted (without regard to case, as nssm's names). */
  readonly aliases?: readonly string[];
  /** Held by the service manager: applied with ServiceManager.update after the spec is stored. */
  readonly native: boolean;
  /** `required`: every verb needs one (AppExit's code, AppEvents' Event/Action); `key`: get may name one. */
  readonly subparameter?: "required" | "key";
  /** One value per argument (environment blocks, dependencies) instead of the arguments joined by spaces. */
  readonly list?: boolean;
  /** servitor's own, beyond NSSM. */
  readonly beyondNssm?: boolean;
  get(spec: NssmSpec, subparameter: string | undefined, facts: Facts): string;
  set(spec: NssmSpec, values: readonly string[], subparameter: string | undefined): Change;
  reset(spec: NssmSpec, subparameter: string | undefined): Change;
  /** The lines that recreate this parameter's value; none when it has nssm's default. */
  dump(spec: NssmSpec, newName: string): DumpEntry[];
}

// ---------------------------------------------------------------------------------------------------------
// Values as nssm reads and prints them.

/**
 * A number as nssm reads one (`_tcstoul(s, &end, 0)`, the whole string consumed): decimal, 0x… hex, 0…
 * octal, a minus wrapping around 2^32, the empty string 0. Undefined when it is not a number.
 *
 * @example
 * ```ts
 * import { parseNssmNumber } from "./nssm_parameters.ts";
 * parseNssmNumber("0x10"); // 16
 * parseNssmNumber("-1"); // 4294967295
 * parseNssmNumber("abc"); // undefined
 * ```
 */
export function parseNssmNumber(text: string): number | undefined {
  if (text === "") return 0;
  const match = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (!match) return undefined;
  const [, sign, hex, octal, decimal] = match;
  let value = hex !== undefined
    ? parseInt(hex, 16)
    : octal !== undefined
    ? parseInt(octal, 8)
    : Number(decimal);
  if (!(value <= 0xFFFFFFFF)) return 0xFFFFFFFF; // ULONG_MAX on overflow, as strtoul
  if (sign === "-") value = (0x100000000 - value) % 0x100000000;
  return value;
}

export function number(parameter: string, text: string): number {
  const value = parseNssmNumber(text);
  if (value === undefined) {
    throw new ParameterError(`${parameter}: '${text}' is not a number (decimal, or 0x… hexadecimal)`);
  }
  return value;
}

/** nssm's "is this the default": `Default`, `*` or nothing. */
export function isDefaultWord(text: string): boolean {
  return text === "" || text === "*" || text.toLowerCase() === "default";
}

export const equalsIgnoringCase = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

// ---------------------------------------------------------------------------------------------------------
// Blocks: environment variables and dependencies, with nssm's +/-/: editing.

/** The entries a `set` leaves: `+X` adds or replaces, `-X` removes, `:X` or `X` replaces the block. */
export function editBlock(
  current: readonly string[],
  values: readonly string[],
  keyOf: (entry: string) => string,
  removes: (existing: string, removal: string) => boolean,
  canonical: (entry: string) => string = (entry) => entry,
): { entries: string[]; edited: boolean } {
  const first = values[0] ?? "";
  if (first.startsWith("+") || first.startsWith("-")) {
    // nssm reads the sign of the first value only; servitor reads each value's, so `+A=1 +B=2` adds both.
    let entries = [...current];
    for (const value of values) {
      if (value.startsWith("-")) {
        const removal = canonical(value.slice(1));
        entries = entries.filter((entry) => !removes(entry, removal));
        continue;
      }
      const entry = canonical(value.startsWith("+") ? value.slice(1) : value);
      if (entry === "") continue;
      const key = keyOf(entry);
      if (entries.some((existing) => equalsIgnoringCase(keyOf(existing), key))) {
        // Replaced where it stands: the order of the block is kept.
        entries = entries.map((existing) => equalsIgnoringCase(keyOf(existing), key) ? entry : existing);
      } else entries.push(entry);
    }
    return { entries, edited: true };
  }
  const replaced = [first.startsWith(":") ? first.slice(1) : first, ...values.slice(1)];
  return { entries: replaced.filter((entry) => entry !== "").map(canonical), edited: false };
}

/** `KEY=` of an environment entry (the whole entry when it has no `=`). */
const environmentKey = (entry: string) => {
  const equals = entry.indexOf("=");
  return equals < 0 ? entry : entry.slice(0, equals + 1);
};

/** `-KEY` removes KEY; `-KEY=VALUE` removes it only while it has that value. */
const environmentRemoves = (existing: string, removal: string) =>
  removal.includes("=")
    ? equalsIgnoringCase(existing, removal)
    : equalsIgnoringCase(environmentKey(existing), `${removal}=`);

function checkEnvironment(parameter: string, entries: readonly string[]) {
  for (const entry of entries) {
    // The store's rule, and Windows': KEY=VALUE, the value may be empty, the = may not be missing.
    if (!/^[^=]+=/.test(entry)) throw new ParameterError(`${parameter}: '${entry}' is not KEY=VALUE`);
  }
}

/** An environment parameter over one of the spec's blocks. */
export function environmentParameter(
  name: string,
  native: boolean,
  read: (spec: NssmSpec) => readonly string[],
  write: (spec: NssmSpec, entries: string[]) => void,
): NssmParameter {
  return {
    name,
    native,
    subparameter: "key",
    list: true,
    get(spec, key) {
      const entries = read(spec);
      if (key === undefined) return entries.join("\n");
      const found = entries.find((entry) => equalsIgnoringCase(environmentKey(entry), `${key}=`));
      return found === undefined ? "" : found.slice(found.indexOf("=") + 1);
    },
    set(spec, values) {
      const current = read(spec);
      if (values.length === 1 && values[0].startsWith("-") && current.length === 0) {
        return { spec, outcome: "reset" }; // nothing to remove from
      }
      const { entries } = editBlock(current, values, environmentKey, environmentRemoves);
      checkEnvironment(name, entries);
      const next = structuredClone(spec);
      write(next, entries);
      return { spec: next, outcome: entries.length ? "set" : "reset" };
    },
    reset(spec) {
      const next = structuredClone(spec);
      write(next, []);
      return { spec: next, outcome: "reset" };
    },
    dump(spec) {
      return read(spec).map((entry, i) => ({ value: `${i ? "+" : ":"}${entry}` }));
    },
  };
}

const isGroup = (entry: string) => entry.startsWith("+");

/** DependOnService or DependOnGroup over spec.dependsOn (groups are written `+Group`, as the SCM has them). */
export function dependencyParameter(name: string, groups: boolean): NssmParameter {
  const mine = (spec: NssmSpec) => spec.dependsOn.filter((entry) => isGroup(entry) === groups);
  const others = (spec: NssmSpec) => spec.dependsOn.filter((entry) => isGroup(entry) !== groups);
  const canonical = (entry: string) => groups && entry !== "" && !isGroup(entry) ? `+${entry}` : entry;
  const write = (spec: NssmSpec, entries: string[]) => {
    const next = structuredClone(spec);
    // The SCM's list as nssm writes it: services first, then groups.
    next.dependsOn = groups ? [...others(spec), ...entries] : [...entries, ...others(spec)];
    return next;
  };
  return {
    name,
    native: true,
    list: true,
    get: (spec) => mine(spec).join("\n"),
    set(spec, values) {
      if (values.length === 1 && values[0] === "") return { spec: write(spec, []), outcome: "reset" };
      const { entries } = editBlock(
        mine(spec),
        values,
        (entry) => entry,
        (existing, removal) => equalsIgnoringCase(existing, removal),
        canonical,
      );
      const unique = entries.filter((entry, i) =>
        entries.findIndex((e) => equalsIgnoringCase(e, entry)) === i
      );
      return { spec: write(spec, unique), outcome: "set" };
    },
    reset: (spec) => ({ spec: write(spec, []), outcome: "reset" }),
    dump: (spec) => mine(spec).map((entry, i) => ({ value: `${i ? "+" : ":"}${entry}` })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Parameter shapes.

/** A REG_DWORD: nssm deletes the value (and says "Reset") when a non-zero default is set explicitly. */
export function numberParameter(
  name: string,
  defaultValue: number,
  read: (spec: NssmSpec) => number,
  write: (spec: NssmSpec, value: number) => void,
  options: { native?: boolean; beyondNssm?: boolean } = {},
): NssmParameter {
  const change = (spec: NssmSpec, value: number, outcome: Change["outcome"]): Change => {
    const next = structuredClone(spec);
    write(next, value);
    return { spec: next, outcome };
  };
  return {
    name,
    native: options.native ?? false,
    beyondNssm: options.beyondNssm,
    get: (spec) => String(read(spec)),
    set(spec, values) {
      const value = number(name, values.join(" "));
      return change(spec, value, defaultValue !== 0 && value === defaultValue ? "reset" : "set");
    },
    reset: (spec) => change(spec, defaultValue, "reset"),
    dump: (spec) => read(spec) === defaultValue ? [] : [{ value: String(read(spec)) }],
  };
}

/** A REG_DWORD the spec holds as a flag: any non-zero number is on, and reads back as 1. */
export function flagParameter(
  name: string,
  defaultValue: boolean,
  read: (spec: NssmSpec) => boolean,
  write: (spec: NssmSpec, value: boolean) => void,
  options: { beyondNssm?: boolean; aliases?: string[] } = {},
): NssmParameter {
  return {
    ...numberParameter(
      name,
      defaultValue ? 1 : 0,
      (spec) => read(spec) ? 1 : 0,
      (spec, n) => write(spec, n !== 0),
      {
        beyondNssm: options.beyondNssm,
      },
    ),
    aliases: options.aliases,
  };
}

/**
 * A REG_DWORD servitor does not vary (a CreateFile argument of a redirected stream): nssm's default reads
 * back and may be set; any other value is refused, with why.
 */
export function fixedParameter(name: string, value: number, why: string): NssmParameter {
  return {
    name,
    native: false,
    get: () => String(value),
    set(spec, values) {
      const given = number(name, values.join(" "));
      if (given !== value) {
        throw new ParameterError(`${name}: only ${value} (nssm's default) is supported: ${why}`);
      }
      return { spec, outcome: "reset" };
    },
    reset: (spec) => ({ spec, outcome: "reset" }),
    dump: () => [],
  };
}

/**
 * A REG_EXPAND_SZ path or string that may be absent. `resetSays`: nssm's message on reset ("set" where its
 * default is the empty string, which it writes rather than deletes).
 */
export function stringParameter(
  name: string,
  read: (spec: NssmSpec) => string | undefined,
  write: (spec: NssmSpec, value: string | undefined) => void,
  options: { resetSays?: Change["outcome"]; beyondNssm?: boolean } = {},
): NssmParameter {
  const change = (spec: NssmSpec, value: string | undefined, outcome: Change["outcome"]): Change => {
    const next = structuredClone(spec);
    write(next, value === "" ? undefined : value);
    return { spec: next, outcome };
  };
  return {
    name,
    native: false,
    beyondNssm: options.beyondNssm,
    get: (spec) => read(spec) ?? "",
    set: (spec, values) => change(spec, values.join(" "), "set"),
    reset: (spec) => change(spec, undefined, options.resetSays ?? "reset"),
    dump: (spec) => read(spec) ? [{ value: read(spec)! }] : [],
  };
}

/** A parameter nssm knows but has no meaningful default for (Start, Type, ImagePath). */
export function noDefault(name: string): never {
  throw new ParameterError(
    `${name} has no meaningful default value: set it instead`,
    `Parameter "${name}" has no meaningful default value!`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The enumerations nssm prints.

export const exitActionNames: Record<ExitAction, string> = {
  restart: "Restart",
  ignore: "Ignore",
  exit: "Exit",
  suicide: "Suicide",
};

export function exitAction(text: string): ExitAction {
  const found = (Object.keys(exitActionNames) as ExitAction[]).find((action) =>
    equalsIgnoringCase(action, text)
  );
  if (!found) {
    throw new ParameterError(
      `AppExit: '${text}' is not an exit action (Restart, Ignore, Exit or Suicide)`,
      `Invalid exit action "${text}".  Valid exit actions are:\n${Object.values(exitActionNames).join("\n")}`,
    );
  }
  return found;
}

/** AppExit's subparameter: Default (or * or nothing), or an exit code as nssm reads numbers. */
export function exitCode(text: string): string | undefined {
  if (isDefaultWord(text)) return undefined;
  const code = parseNssmNumber(text);
  if (code === undefined) {
    throw new ParameterError(`AppExit: '${text}' is not an exit code (a number, or Default)`);
  }
  return String(code);
}

export const priorityNames: Record<Priority, string> = {
  realtime: "REALTIME_PRIORITY_CLASS",
  high: "HIGH_PRIORITY_CLASS",
  above_normal: "ABOVE_NORMAL_PRIORITY_CLASS",
  normal: "NORMAL_PRIORITY_CLASS",
  below_normal: "BELOW_NORMAL_PRIORITY_CLASS",
  idle: "IDLE_PRIORITY_CLASS",
};

export const startNames: Record<StartMode, string> = {
  auto: "SERVICE_AUTO_START",
  delayed: "SERVICE_DELAYED_AUTO_START",
  manual: "SERVICE_DEMAND_START",
  disabled: "SERVICE_DISABLED",
};

/**
 * nssm's canonical affinity: runs of three or more as `first-last`, pairs as `a,b`.
 *
 * @example
 * ```ts
 * import { canonicalAffinity } from "./nssm_parameters.ts";
 * canonicalAffinity("4,2,1,0,5"); // "0-2,4,5"
 * ```
 */
export function canonicalAffinity(text: string): string {
  const cpus = parseAffinity(text);
  const runs: [number, number][] = [];
  for (const cpu of cpus) {
    const last = runs.at(-1);
    if (last && last[1] === cpu - 1) last[1] = cpu;
    else runs.push([cpu, cpu]);
  }
  return runs.map(([first, last]) =>
    first === last ? `${first}` : last === first + 1 ? `${first},${last}` : `${first}-${last}`
  ).join(",");
}

/** Hook names as nssm writes them, in its order (events Start, Stop, Exit, Power, Rotate). */
const hookRank: Record<HookEvent, number> = {
  "Start/Pre": 0,
  "Start/Post": 1,
  "Stop/Pre": 2,
  "Exit/Post": 3,
  "Power/Change": 4,
  "Power/Resume": 5,
  "Rotate/Pre": 6,
  "Rotate/Post": 7,
  // servitor's own, after NSSM's.
  "Health/Unhealthy": 8,
};
export const hookOrder: readonly HookEvent[] = (Object.keys(hookRank) as HookEvent[]).sort((a, b) =>
  hookRank[a] - hookRank[b]
);

export function hookEvent(text: string): HookEvent {
  const slash = text.indexOf("/");
  const invalidName = "Invalid hook name.  Names should be specified in the form <event>/<action>.";
  if (slash < 0) {
    throw new ParameterError(
      `AppEvents: '${text}' is not <event>/<action> (${hookOrder.join(", ")})`,
      invalidName,
    );
  }
  const found = hookEvents.find((event) => equalsIgnoringCase(event, text));
  if (!found) {
    const event = text.slice(0, slash);
    const actions = hookOrder.filter((e) => equalsIgnoringCase(e.split("/")[0], event));
    throw new ParameterError(
      actions.length
        ? `AppEvents: '${text}': the actions of ${actions[0].split("/")[0]} are ${
          actions.map((e) => e.split("/")[1]).join(", ")
        }`
        : `AppEvents: '${text}': the events are Start, Stop, Exit, Power and Rotate`,
      actions.length
        ? `Invalid hook action for event ${event}.  Valid hook actions are:\n${
          actions.map((e) => e.split("/")[1]).join("\n")
        }`
        : invalidName,
    );
  }
  return found;
}
