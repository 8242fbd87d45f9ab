/**
 * `servitor apply <file.yaml | directory | -> [--check] [--diff] [--json] [--prune] [--restart]
 * [--detailed-exitcodes] [--user]`: makes this machine's services what the files describe, doing only what
 * differs. Everything is validated before anything changes; each service is then created, updated, left
 * alone or (with --prune) removed through the lifecycle, which holds its lock and puts back what a failure
 * half-made. The plan and the report are pure (planApply, applyReport) and unit-tested.
 * @module
 */
import path from "path";
import {
  type DesiredService,
  diffSpecs,
  type InputError,
  type InputFile,
  needsRestart,
  readDesiredState,
  type SettingChange,
} from "../service/desired.ts";
import type { ServiceSpec } from "../service/spec.ts";
import type { ServiceState } from "../service/vocabulary.ts";
import { CliError, describeFailure } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

export const applyUsage = `Usage: servitor apply <file.yaml | directory | -> [options]

Makes this machine's services what the files describe: creates what is missing, changes only what differs,
leaves the rest alone. Each YAML document is one service in the schema of service.yaml ('servitor schema'),
or a mapping 'services: {<name>: {…}}'; a directory means every *.yaml and *.yml in it; - reads stdin.

Options:
  --check               say what would be done, do nothing (needs no elevation)
  --diff                show each changed setting with its old and new value
  --json                one JSON object: {changed, services: [{name, action, changes, restart}], errors}
  --prune               remove servitor's services that the files don't name (never any other service)
  --restart             restart running services whose program settings changed (else: restart pending)
  --detailed-exitcodes  0 no change, 2 changed, 4 failed, 6 changed and failed (Puppet's convention)
  --timeout <s>         how long to wait for each state (default 30)
  --user                Linux: your own services (systemctl --user)`;

export interface ApplyOptions {
  inputs: string[];
  check: boolean;
  diff: boolean;
  json: boolean;
  prune: boolean;
  restart: boolean;
  detailedExitCodes: boolean;
  user: boolean;
  timeoutMs: number;
}

/** Parses apply's command line (the words after `apply`). */
export function parseApplyArgs(args: readonly string[]): ApplyOptions {
  const options: ApplyOptions = {
    inputs: [],
    check: false,
    diff: false,
    json: false,
    prune: false,
    restart: false,
    detailedExitCodes: false,
    user: false,
    timeoutMs: 30_000,
  };
  const flags: Record<string, keyof ApplyOptions> = {
    "--check": "check",
    "--diff": "diff",
    "--json": "json",
    "--prune": "prune",
    "--restart": "restart",
    "--detailed_exitcodes": "detailedExitCodes",
    "--user": "user",
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const option = arg.startsWith("--") ? arg.replaceAll("-", "_").replace(/^__/, "--") : arg;
    if (option in flags) {
      (options[flags[option]] as boolean) = true;
    } else if (option === "--timeout") {
      const seconds = Number(args[++i]);
      if (!(seconds > 0)) throw new CliError(`apply: --timeout needs a number of seconds`, ExitCode.badValue);
      options.timeoutMs = seconds * 1000;
    } else if (arg.startsWith("--")) {
      throw new CliError(`apply: unknown option '${arg}' (see 'servitor apply -h')`, ExitCode.usage);
    } else {
      options.inputs.push(arg);
    }
  }
  if (options.inputs.length === 0) {
    throw new CliError("apply: which file? servitor apply <file.yaml | directory | ->", ExitCode.usage);
  }
  return options;
}

/** Reads the inputs as given: files, every *.yaml/*.yml of a directory (sorted), `-` for stdin. */
export async function readApplyInputs(
  inputs: readonly string[],
  cwd: string,
  readStdin: () => Promise<string> = readAllStdin,
): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const input of inputs) {
    if (input === "-") {
      files.push({ file: "<stdin>", text: await readStdin() });
      continue;
    }
    const full = path.resolve(cwd, input);
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(full);
    } catch (error) {
      throw new CliError(`apply: ${input} can't be read: ${(error as Error).message}`, ExitCode.badValue);
    }
    const names = info.isDirectory
      ? (await Array.fromAsync(Deno.readDir(full)))
        .filter((entry) => entry.isFile && /\.ya?ml$/i.test(entry.name))
        .map((entry) => path.join(full, entry.name))
        .sort()
      : [full];
    for (const name of names) {
      const shown = path.relative(cwd, name) || name;
      try {
        files.push({ file: shown.startsWith("..") ? name : shown, text: await Deno.readTextFile(name) });
      } catch (error) {
        throw new CliError(`apply: ${name} can't be read: ${(error as Error).message}`, ExitCode.badValue);
      }
    }
  }
  return files;
}

async function readAllStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

/**
 * What the schema can't know, checked on the machine the files are applied to: paths that must be absolute
 * are, the program exists, and a CPU cap is no more than the machine's `cores` have (InstallService's
 * --max_cpu check).
 */
export function machineErrors(
  services: readonly DesiredService[],
  windows: boolean,
  isFile: (file: string) => boolean,
  cores: number = navigator.hardwareConcurrency,
): InputError[] {
  const paths = windows ? path.win32 : path.posix;
  const errors: InputError[] = [];
  for (const { spec, file, line } of services) {
    const at = (key: string, message: string) => errors.push({ file, line, key, message });
    if (!paths.isAbsolute(spec.program)) {
      at(
        "program",
        `${JSON.stringify(spec.program)} is not an absolute path here: give the program's full path`,
      );
    } else if (!isFile(spec.program)) {
      at("program", `${spec.program} does not exist on this machine`);
    }
    for (const key of ["directory", "logDirectory"] as const) {
      const value = spec[key];
      if (value !== undefined && !paths.isAbsolute(value)) {
        at(key, `${JSON.stringify(value)} is not an absolute path here`);
      }
    }
    if (spec.maxCpuPercent !== undefined && spec.maxCpuPercent > 100 * cores) {
      at(
        "maxCpuPercent",
        `${spec.maxCpuPercent}% of one core is more than this machine has (${cores} cores: at most ${
          100 * cores
        })`,
      );
    }
  }
  return errors;
}

/** A service as it is now: its stored settings and its state. */
export interface CurrentService {
  spec: ServiceSpec;
  state: ServiceState;
}

export type ApplyAction = "create" | "update" | "unchanged" | "remove";
export type RestartStatus = "none" | "pending" | "done";

/** What apply does to one service. */
export interface ServicePlan {
  name: string;
  action: ApplyAction;
  changes: SettingChange[];
  restart: RestartStatus;
  /** The service as described (not for remove). */
  desired?: DesiredService;
  /** Whether a change reaches the program only at its next start, and it runs now. */
  restartNeeded: boolean;
}

/**
 * The plan: per described service create, update or unchanged (with the settings that differ), and with
 * `prune` a remove for each of servitor's services the files don't name. Names compare as the service
 * manager compares them (without case on Windows).
 */
export function planApply(
  desired: readonly DesiredService[],
  current: ReadonlyMap<string, CurrentService>,
  servitorServices: readonly string[],
  options: { prune: boolean; windows: boolean },
): ServicePlan[] {
  const key = (name: string) => options.windows ? name.toLowerCase() : name;
  const currentByKey = new Map([...current].map(([name, service]) => [key(name), service]));
  const plans: ServicePlan[] = desired.map((service) => {
    const now = currentByKey.get(key(service.spec.name));
    if (!now) {
      return {
        name: service.spec.name,
        action: "create",
        changes: diffSpecs(undefined, service.spec),
        restart: "none",
        desired: service,
        restartNeeded: false,
      };
    }
    // The service manager's name for it stays (Windows: the same name in another case is the same service).
    const named = { ...service, spec: { ...service.spec, name: now.spec.name } };
    const changes = diffSpecs(now.spec, named.spec);
    const restartNeeded = now.state !== "stopped" && changes.some((change) => needsRestart(change.path));
    return {
      name: now.spec.name,
      action: changes.length > 0 ? "update" : "unchanged",
      changes,
      restart: restartNeeded ? "pending" : "none",
      desired: named,
      restartNeeded,
    };
  });
  if (options.prune) {
    const named = new Set(desired.map((service) => key(service.spec.name)));
    for (const name of servitorServices) {
      if (named.has(key(name))) continue;
      plans.push({
        name,
        action: "remove",
        changes: diffSpecs(current.get(name)?.spec, undefined),
        restart: "none",
        restartNeeded: false,
      });
    }
  }
  return plans;
}

/** How one service's part of the apply went. */
export interface ServiceOutcome extends ServicePlan {
  /** The failure, one line, when this service's part failed (and was put back). */
  error?: string;
  exitCode?: number;
}

/** The JSON object `apply --json` prints. */
export interface ApplyReport {
  changed: boolean;
  services: {
    name: string;
    action: ApplyAction;
    changes: SettingChange[];
    restart: RestartStatus;
    error?: string;
  }[];
  errors: InputError[];
}

export function applyReport(outcomes: readonly ServiceOutcome[], errors: readonly InputError[]): ApplyReport {
  return {
    changed: outcomes.some((outcome) => outcome.action !== "unchanged" && !outcome.error),
    services: outcomes.map(({ name, action, changes, restart, error }) => ({
      name,
      action,
      changes,
      restart,
      ...(error ? { error } : {}),
    })),
    errors: [...errors],
  };
}

/**
 * The exit code: with --detailed-exitcodes Puppet's (0 no change, 2 changed, 4 failed, 6 both); otherwise 0,
 * or the first failure's own code.
 */
export function applyExitCode(outcomes: readonly ServiceOutcome[], detailed: boolean): number {
  const failed = outcomes.filter((outcome) => outcome.error);
  const changed = outcomes.some((outcome) => outcome.action !== "unchanged" && !outcome.error);
  if (detailed) return (changed ? 2 : 0) + (failed.length > 0 ? 4 : 0);
  return failed[0]?.exitCode ?? ExitCode.ok;
}

/** A value as a diff line shows it. */
function shown(value: unknown): string {
  return value === undefined ? "(not set)" : typeof value === "string" ? value : JSON.stringify(value);
}

/** The lines a person reads: one per service, and with --diff each change as -old/+new lines. */
export function planLines(
  outcomes: readonly ServiceOutcome[],
  options: { diff: boolean; check: boolean },
): string[] {
  const lines: string[] = [];
  const verb: Record<ApplyAction, [string, string]> = {
    create: ["would create", "created"],
    update: ["would update", "updated"],
    unchanged: ["unchanged", "unchanged"],
    remove: ["would remove", "removed"],
  };
  for (const outcome of outcomes) {
    const what = verb[outcome.action][options.check ? 0 : 1];
    const keys = outcome.action === "update"
      ? ` (${outcome.changes.map((change) => change.path).join(", ")})`
      : "";
    const restart = outcome.restart === "pending"
      ? "; restart pending: its program settings changed (--restart restarts it)"
      : outcome.restart === "done"
      ? "; restarted"
      : "";
    lines.push(
      outcome.error
        ? `${outcome.name}: failed to ${outcome.action}: ${outcome.error}`
        : `${outcome.name}: ${what}${keys}${restart}`,
    );
    if (options.diff && outcome.changes.length > 0 && outcome.action !== "unchanged") {
      lines.push(`--- ${outcome.name}${outcome.action === "create" ? " (none)" : ""}`);
      lines.push(`+++ ${outcome.name}${outcome.action === "remove" ? " (none)" : ""}`);
      for (const change of outcome.changes) {
        if (change.before !== undefined) lines.push(`-${change.path}: ${shown(change.before)}`);
        if (change.after !== undefined) lines.push(`+${change.path}: ${shown(change.after)}`);
      }
    }
  }
  const count = (action: ApplyAction) => outcomes.filter((outcome) => outcome.action === action).length;
  const failed = outcomes.filter((outcome) => outcome.error).length;
  const summary = [
    `${count("create")} to create`,
    `${count("update")} to update`,
    `${count("remove")} to remove`,
    `${count("unchanged")} unchanged`,
  ].map((part) => options.check ? part : part.replace(/ to (create|update|remove)$/, " $1d"));
  lines.push(`${options.check ? "check: " : ""}${summary.join(", ")}${failed ? `, ${failed} failed` : ""}`);
  return lines;
}

/** What apply needs of the machine: the lifecycle's operations, each taking the service's lock. */
export interface ApplyTarget {
  /** Servitor's own services (a store entry and a service-manager entry): the only ones --prune removes. */
  servitorServices(): Promise<string[]>;
  /** A service as stored and its state, or undefined when there is none of that name. */
  current(name: string): Promise<CurrentService | undefined>;
  create(service: DesiredService): Promise<void>;
  update(service: DesiredService): Promise<void>;
  remove(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  /** Holds the lock over the whole set of servitor's services while `work` runs (for --prune). */
  withSetLock<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Carries out `plans` one service at a time: a service whose part fails is reported (the lifecycle has put it
 * back) and the others go on; what was done stays done.
 */
export async function carryOut(
  plans: readonly ServicePlan[],
  target: ApplyTarget,
  options: { restart: boolean },
): Promise<ServiceOutcome[]> {
  const outcomes: ServiceOutcome[] = [];
  for (const plan of plans) {
    const outcome: ServiceOutcome = { ...plan };
    try {
      if (plan.action === "create") await target.create(plan.desired!);
      else if (plan.action === "update") await target.update(plan.desired!);
      else if (plan.action === "remove") await target.remove(plan.name);
      if (plan.restartNeeded && options.restart) {
        await target.restart(plan.name);
        outcome.restart = "done";
      }
    } catch (error) {
      const { line, exitCode } = describeFailure(error);
      outcome.error = line;
      outcome.exitCode = exitCode;
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** An input error as a person reads it: `file:line: key: message`. */
export function inputErrorLine(error: InputError): string {
  return `${error.file}${error.line ? `:${error.line}` : ""}: ${
    error.key ? `${error.key}: ` : ""
  }${error.message}`;
}

/** Where apply says things: a line for the person, a warning line, or the JSON object. */
export interface ApplyOutput {
  say(line: string): void;
  warn(line: string): void;
}

/**
 * Runs apply: reads and validates every input first (any error: all are listed, nothing changes, exit 3 —
 * 4 with --detailed-exitcodes), then plans against what `target` finds and, unless --check, carries out the
 * plan. Returns the exit code.
 */
export async function runApply(
  options: ApplyOptions,
  target: ApplyTarget,
  output: ApplyOutput,
  machine: { windows: boolean; cwd: string; isFile: (file: string) => boolean },
): Promise<number> {
  const state = readDesiredState(await readApplyInputs(options.inputs, machine.cwd));
  const errors = [...state.errors, ...machineErrors(state.services, machine.windows, machine.isFile)];
  if (errors.length > 0) {
    if (options.json) output.say(JSON.stringify(applyReport([], errors), null, 2));
    else for (const error of errors) output.warn(`servitor: apply: ${inputErrorLine(error)}`);
    if (!options.json) {
      output.warn(`servitor: apply: ${errors.length} error(s) in the input: nothing was changed`);
    }
    return options.detailedExitCodes ? 4 : ExitCode.badValue;
  }
  if (state.services.length === 0 && !options.prune) {
    if (options.json) output.say(JSON.stringify(applyReport([], []), null, 2));
    else {output.say(
        "the input describes no service: nothing to do (--prune would remove every servitor service)",
      );}
    return ExitCode.ok;
  }
  const run = async () => {
    const servitorServices = options.prune ? await target.servitorServices() : [];
    const current = new Map<string, CurrentService>();
    // A described service that is servitor's is asked about once (each question is a service-manager call).
    const names = new Set([...state.services.map((service) => service.spec.name), ...servitorServices]);
    for (const name of names) {
      const found = await target.current(name);
      if (found) current.set(found.spec.name, found);
    }
    const plans = planApply(state.services, current, servitorServices, {
      prune: options.prune,
      windows: machine.windows,
    });
    return options.check ? plans : await carryOut(plans, target, { restart: options.restart });
  };
  const outcomes: ServiceOutcome[] = options.prune ? await target.withSetLock(run) : await run();
  if (options.json) output.say(JSON.stringify(applyReport(outcomes, []), null, 2));
  else for (const line of planLines(outcomes, { diff: options.diff, check: options.check })) output.say(line);
  return applyExitCode(outcomes, options.detailedExitCodes);
}
