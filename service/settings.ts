/**
 * The settings' vocabulary and rules that need no schema: each enumeration as one `as const` array (its type
 * derived from it, so adding a value is one line and the compiler names every exhaustive switch that must
 * decide about it), and the rules the host applies to a spec. The schema (./schema.ts) builds from these;
 * the host imports them from here, so that running a service loads neither zod nor the YAML reader — a
 * host's modules stay in its memory for its whole life.
 * @module
 */
/**
 * When a service can start (Start): at boot, at boot after the others, on request, or never.
 *
 * @example Checking a start mode given as text
 * ```ts
 * import { startModes } from "../mod.ts";
 * const given = "delayed";
 * if (!(startModes as readonly string[]).includes(given)) throw new Error(`${given}: not a start mode`);
 * ```
 */
export const startModes = ["auto", "delayed", "manual", "disabled"] as const;
/** What the host does when the program exits (AppExit): NSSM's four actions. */
export const exitActions = ["restart", "ignore", "exit", "suicide"] as const;
/** Process priority classes (AppPriority), named as SetPriorityClass's constants without _PRIORITY_CLASS. */
export const priorities = ["realtime", "high", "above_normal", "normal", "below_normal", "idle"] as const;
/** NSSM's hook events (AppEvents), as `Event/Action`. */
export const hookEvents = [
  "Start/Pre",
  "Start/Post",
  "Stop/Pre",
  "Exit/Post",
  "Rotate/Pre",
  "Rotate/Post",
  "Power/Change",
  "Power/Resume",
  /** servitor only: the health check found the program unhealthy (NSSM has no health checks). */
  "Health/Unhealthy",
] as const;
/** How an output file is opened (AppStdoutCreationDisposition): appended to, or emptied first. */
export const outputDispositions = ["append", "replace"] as const;
/** The accounts a service can run as (ObjectName). */
export const accountKinds = ["local_system", "local_service", "network_service", "virtual", "user"] as const;
/** What the host does when a health check finds the program unhealthy. */
export const healthActions = ["restart", "none"] as const;

/** The service manager's recovery actions (SCM failure actions; systemd's Restart=). */
export const recoveryActions = ["restart", "reboot", "run_command", "none"] as const;

/** Parses AppAffinity (`0-2,4`) into processor numbers; throws a RangeError naming what is wrong. */
export function parseAffinity(text: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw new RangeError(`AppAffinity "${text}": "${part}" is not a processor or a range`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last > 63) {
      throw new RangeError(`AppAffinity "${text}": "${part}" is out of range 0-63`);
    }
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * What is wrong with `name` as a service's name, or undefined: the SCM's rules (1 to 256 characters, no / or
 * \\, which systemd's unit names share), and none of the store's own entries — a service's folder is named
 * after it beside `.locks` and the audit log, and `..` would be the store's parent.
 *
 * @example
 * ```ts
 * import { serviceNameProblem } from "./settings.ts";
 * serviceNameProblem("Web"); // undefined
 * serviceNameProblem(".."); // "a service name can't begin with a dot …"
 * ```
 */
export function serviceNameProblem(name: string): string | undefined {
  if (name === "" || name.length > 256) return "a service name is 1 to 256 characters";
  if (/[\\/]/.test(name)) return "a service name can't contain / or \\";
  if (name.startsWith(".")) return "a service name can't begin with a dot (the store keeps its own files so)";
  if (name.toLowerCase() === "servitor.log") return "servitor.log is the store's audit log, not a service";
  return undefined;
}

/** What the host does when the program exits (service/spec.ts ExitAction). */
type ExitAction = typeof exitActions[number];
/** A hook event (service/spec.ts HookEvent). */
type HookEvent = typeof hookEvents[number];

/** Whether each hook is waited for before the host goes on (NSSM's *asterisk). */
const synchronousHooks: Record<HookEvent, boolean> = {
  "Start/Pre": true,
  "Start/Post": false,
  "Stop/Pre": true,
  "Exit/Post": true,
  "Rotate/Pre": true,
  "Rotate/Post": false,
  "Power/Change": false,
  "Power/Resume": false,
  "Health/Unhealthy": false,
};

/** Whether a hook is waited for before the host goes on (NSSM's *asterisk). */
export function isSynchronousHook(event: HookEvent): boolean {
  return synchronousHooks[event];
}

/** The exit action for an exit code, NSSM's way: the code's own entry, else Default. */
export function exitActionFor(
  spec: { exit: { default: ExitAction; codes: Record<string, ExitAction> } },
  code: number,
): ExitAction {
  const own = spec.exit.codes[String(code)];
  if (own) return own;
  // NSSM honours Suicide for exit code 0 only when 0 has its own entry; otherwise it exits gracefully.
  if (code === 0 && spec.exit.default === "suicide") return "exit";
  return spec.exit.default;
}

/**
 * The processors of AppAffinity that this machine has, as NSSM sets the mask ANDed with the system's at each
 * start: a processor it lacks is dropped, not an error (a stored spec may come from a bigger machine).
 * Undefined when none is left: the program runs on every processor, as NSSM's does when SetProcessAffinityMask
 * refuses the empty mask — where `taskset` with no processor of the machine would fail at every start.
 *
 * @example
 * ```ts
 * import { usableAffinity } from "./spec.ts";
 * usableAffinity([0, 1, 2, 4], [0, 1]); // [0, 1]
 * usableAffinity([4, 5], [0, 1]); // undefined
 * ```
 */
export function usableAffinity(cpus: readonly number[], available: readonly number[]): number[] | undefined {
  const here = new Set(available);
  const usable = cpus.filter((cpu) => here.has(cpu));
  return usable.length > 0 ? usable : undefined;
}
