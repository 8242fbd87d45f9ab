/**
 * nssm's verbs, for people and scripts coming from nssm: `install`, `remove`, `get`, `set`, `reset`,
 * `dump`, `start`, `stop`, `restart`, `pause`, `continue`, `rotate`, `status`, `statuscode`, `list`,
 * `processes`, with nssm 2.24's syntax, output and exit codes (nssm-usage.txt; nssm64.exe 2.24-101 is the
 * oracle of tests/windows/nssm_test.ts). The display name may stand for the service name, as in nssm.
 *
 * The failures scripts read are NSSM's own lines (cli/nssm_messages.ts): a service that does not exist, a
 * parameter that does not exist or wants its subparameter, remove without confirm, and the last line of a
 * failed get, set or reset, with NSSM's exit codes (3 no such service, 5 a get failed, 6 a set failed,
 * 100 remove without confirm …). A line that starts `servitor: ` is servitor's own words: the reason
 * before such a last line, and the failures NSSM has none for.
 *
 * Where servitor differs on purpose: output is UTF-8 with LF line ends (nssm writes the ANSI code page and
 * CRLF, its messages \r\r\n); where NSSM pops up a window (a missing argument, edit) servitor says so
 * in one line, exit code 1 as NSSM's.
 * @module
 */
import type { ServiceState } from "../service/vocabulary.ts";
import path from "path";
import { type InstalledService, ServiceManagerError, systemSentence } from "../service/manager.ts";
import { defaultSpec } from "../service/spec.ts";
import {
  parseSpec,
  readSpec,
  serviceDirectory,
  SPEC_FILE,
  specFile,
  stringifySpec,
} from "../service/store.ts";
import { CHECKED_SPEC_FILE } from "../service/checked_spec.ts";
import { checkServiceName, type CliContext } from "./context.ts";
import { INSTALL_FILE } from "../service/install_record.ts";
import { CliError, describeFailure } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { readHostStatus, shownState } from "./status.ts";
import { resolveProgram } from "./install.ts";
import { createService, updateService, withServiceLock } from "../service/lifecycle.ts";
import {
  cantCreateService,
  cantEnumerateServices,
  cantOpenService,
  gettingFailed,
  invalidParameter,
  removeNotConfirmed,
  settingFailed,
  subparameterRequired,
} from "./nssm_messages.ts";
import { servitorCommand } from "./self.ts";
import {
  dumpEntries,
  findParameter,
  foreignParameters,
  nssmAccount,
  type NssmParameter,
  nssmParameters,
  type NssmSpec,
  ParameterError,
} from "./nssm_parameters.ts";
import { nssmQuote, splitArguments } from "../service/command_line.ts";

/** The verbs, as nssm spells them (matched without regard to case). */
export const nssmVerbs = [
  "install",
  "remove",
  "edit",
  "get",
  "set",
  "reset",
  "unset",
  "dump",
  "start",
  "stop",
  "restart",
  "pause",
  "continue",
  "rotate",
  "status",
  "statuscode",
  "list",
  "processes",
] as const;
export type NssmVerb = typeof nssmVerbs[number];

/** Whether `word` is one of nssm's verbs. */
export function isNssmVerb(word: string): word is NssmVerb {
  return (nssmVerbs as readonly string[]).includes(word.toLowerCase());
}

export const nssmUsage =
  `nssm's verbs (servitor speaks nssm 2.24's command line; <service> may be the display name):
  servitor install <service> <program> [<arguments>…]
  servitor install [<service>]            at a console: servitor's page at the install form (nssm's window)
  servitor edit <service>                 at a console: servitor's page at the service's form (nssm's window)
  servitor remove <service> confirm
  servitor get <service> <parameter> [<subparameter>]
  servitor set <service> <parameter> [<subparameter>] <value>…
  servitor reset <service> <parameter> [<subparameter>]
  servitor dump <service> [<newname>]
  servitor start|stop|restart|pause|continue|rotate|status|statuscode <service>
  servitor list [all]
  servitor processes <service>

Parameters: ${nssmParameters.map((p) => p.name).join(", ")}.
AppExit takes an exit code or Default, AppEvents an <event>/<action>; AppEnvironment, AppEnvironmentExtra,
Environment, DependOnService and DependOnGroup take +KEY, -KEY and :KEY edits; ObjectName takes the user's
password after the user.`;

/**
 * A failure nssm has too, with nssm's exit code: one line of servitor's, or, `inNssmWords`, the lines NSSM
 * prints (any of servitor's own among them already start `servitor: `).
 */
class NssmFailure extends Error {
  constructor(message: string, readonly code: number, readonly inNssmWords = false) {
    super(message);
    this.name = "NssmFailure";
  }
}

/** `reason` (servitor's words), then NSSM's last line of a failed get, set or reset. */
function editFailure(
  mode: "get" | "set" | "reset",
  parameter: string,
  service: string,
  reason: string,
  nssmText?: string,
) {
  const last = mode === "get" ? gettingFailed(parameter, service) : settingFailed(parameter, service);
  // NSSM's own reason where it gives one (scripts match it), else servitor's line.
  return new NssmFailure(
    `${nssmText ?? `servitor: ${reason}`}\n${last}`,
    mode === "get" ? NSSM.getFailed : NSSM.setFailed,
    true,
  );
}

/** nssm's exit codes. */
const NSSM = {
  /** Usage, an unknown parameter, a missing subparameter, a control refused. */
  failed: 1,
  /** The service can't be opened (there is none of that name). */
  noService: 3,
  /** remove: the service could not be deleted. */
  deleteFailed: 4,
  /** get failed; install: CreateService failed. */
  getFailed: 5,
  /** set or reset failed. */
  setFailed: 6,
  /** remove <service> <anything but confirm>. */
  notConfirmed: 100,
} as const;

const usage = (line: string) => new NssmFailure(`${line} (servitor ${line.split(" ")[0]} -h)`, NSSM.failed);

/** Runs one of nssm's verbs; `args` starts with the verb. Returns the exit code, as nssm's. */
export async function nssmCommand(args: readonly string[], context: CliContext): Promise<number> {
  const verb = args[0].toLowerCase() as NssmVerb;
  const rest = args.slice(1);
  if (rest[0] === "-h" || rest[0] === "--help") {
    context.say(nssmUsage);
    return ExitCode.ok;
  }
  try {
    return await locked(verb, rest, context, () => run(verb, rest, context));
  } catch (error) {
    if (error instanceof NssmFailure) {
      context.warn(error.inNssmWords ? error.message : `servitor: ${error.message}`);
      return error.code;
    }
    if (error instanceof CliError) {
      context.warn(`servitor: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

/**
 * The verbs that change a service or its store, which hold its lock (service/lock.ts) while they work. Not
 * `edit`, nor `install` without a program: they open the page, which locks each service as it applies.
 */
const changingVerbs: readonly NssmVerb[] = [
  "install",
  "remove",
  "set",
  "reset",
  "unset",
  "start",
  "stop",
  "restart",
];

/** Runs `work` with the service's lock held when `verb` changes it; the lock of the name nssm would open. */
async function locked(
  verb: NssmVerb,
  args: readonly string[],
  context: CliContext,
  work: () => Promise<number>,
): Promise<number> {
  // The page opened for a form takes each service's lock itself, when it applies.
  if (!changingVerbs.includes(verb) || args[0] === undefined || formRoute(verb, args)) return await work();
  const name = verb === "install" ? args[0] : await resolveService(args[0], context).catch(() => undefined);
  return await withServiceLock(context, name ?? args[0], undefined, work);
}

function run(verb: NssmVerb, args: readonly string[], context: CliContext): Promise<number> {
  switch (verb) {
    case "install":
      return install(args, context);
    case "remove":
      return remove(args, context);
    case "edit":
      return editWindow(args, context);
    case "get":
    case "set":
    case "reset":
    case "unset":
      return edit(verb === "unset" ? "reset" : verb, args, context);
    case "dump":
      return dump(args, context);
    case "status":
    case "statuscode":
      return status(args, context, verb === "statuscode");
    case "list":
      return list(args, context);
    case "processes":
      return processes(args, context);
    case "restart":
      return restart(args, context);
    default:
      return control(verb, args, context);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Finding the service and its stored spec.

const equalsIgnoringCase = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The service's name as the service manager has it, for its name in any case or its display name (nssm's
 * open_service, then GetServiceKeyName); undefined when there is none.
 */
async function resolveService(given: string, context: CliContext): Promise<string | undefined> {
  const listed = await context.manager.list();
  const byName = listed.find((service) => equalsIgnoringCase(service.name, given));
  if (byName) return byName.name;
  const byDisplayName = listed.find((service) => equalsIgnoringCase(service.displayName, given));
  if (byDisplayName) return byDisplayName.name;
  checkServiceName(given);
  return await context.manager.exists(given) ? given : undefined;
}

async function serviceNamed(
  given: string,
  context: CliContext,
  code: number = NSSM.noService,
): Promise<string> {
  const name = await resolveService(given, context).catch((error) => {
    if (!isInvalidName(error)) throw error;
    throw new NssmFailure(cantOpenService(context.manager, true), code, true);
  });
  if (name === undefined) throw new NssmFailure(cantOpenService(context.manager), code, true);
  return name;
}

/** A name no service can have (checkServiceName's rule): OpenService() fails with ERROR_INVALID_NAME. */
const isInvalidName = (error: unknown) =>
  error instanceof CliError && error.exitCode === ExitCode.invalidName;

async function isServitors(name: string, context: CliContext): Promise<boolean> {
  return await Deno.stat(specFile(context.configRoot, name, context.windows)).then(
    (info) => info.isFile,
    () => false,
  );
}

/** The stored spec of a service servitor manages; undefined for any other service. */
async function storedSpec(name: string, context: CliContext): Promise<NssmSpec | undefined> {
  if (!await isServitors(name, context)) return undefined;
  return await readSpec(context.configRoot, name);
}

/**
 * Where nssm opens its window — `install` with no program (the name filled in when given), `edit <service>`
 * — servitor opens its page at that form: the page's route, or undefined when the verb's arguments are a
 * command line of their own (install with a program; edit with none names no service: nssm's usage).
 */
export function formRoute(verb: NssmVerb, args: readonly string[]): string | undefined {
  if (verb === "install" && args.length <= 1) {
    return args[0] === undefined ? "/install" : `/install/${encodeURIComponent(args[0])}`;
  }
  if (verb === "edit" && args.length === 1) return `/edit/${encodeURIComponent(args[0])}`;
  return undefined;
}

/**
 * Serves servitor's page (`servitor ui`) opened at `route`, until Ctrl-C, as nssm's window stays open —
 * for a person at a console. A script (no terminal on stdin) would wait for ever on a page nobody opens:
 * it gets nssm's exit code for a window it can't show (1) and `line` instead.
 */
async function openForm(route: string, context: CliContext, line: string): Promise<number> {
  if (!Deno.stdin.isTerminal()) throw new NssmFailure(line, NSSM.failed);
  const { runUi } = await import("../ui/command.ts");
  return await runUi({ port: 0, open: true, user: false, route }, context);
}

/** edit opens nssm's window on a service that exists; servitor opens its page at the service's form. */
async function editWindow(args: readonly string[], context: CliContext): Promise<number> {
  if (args[0] === undefined) throw usage("edit <service>: which service?");
  const name = await serviceNamed(args[0], context);
  if (!await isServitors(name, context)) {
    throw new NssmFailure(
      `edit ${name}: servitor has no stored settings of this service, so no form to open (install it with servitor)`,
      NSSM.failed,
    );
  }
  return await openForm(
    formRoute("edit", [name])!,
    context,
    `edit ${name}: at a console servitor opens its page at the service's settings; here, use get and set ` +
      "(dump shows every setting)",
  );
}

// ---------------------------------------------------------------------------------------------------------
// install, remove

async function install(args: readonly string[], context: CliContext): Promise<number> {
  const form = formRoute("install", args);
  if (form !== undefined) {
    if (args[0] !== undefined) checkServiceName(args[0]);
    return await openForm(
      form,
      context,
      `install${args[0] === undefined ? "" : ` ${args[0]}`}: which program? install <service> <program> ` +
        "[<arguments>…] (at a console servitor opens its page at the install form)",
    );
  }
  const [name, program, ...programArgs] = args;
  checkServiceName(name);
  const cwd = Deno.cwd();
  const resolved = resolveProgram(program, cwd, Deno.env.toObject(), context.windows);
  if (!resolved) {
    throw new CliError(
      `the program '${program}' was not found (not in ${cwd}, not on PATH): give its full path`,
      ExitCode.programNotFound,
    );
  }
  if (await context.manager.exists(name)) {
    throw new NssmFailure(cantCreateService(context.manager), NSSM.getFailed, true);
  }
  // nssm joins the arguments with spaces into AppParameters, which the program's runtime splits again.
  const spec = defaultSpec(name, resolved, splitArguments(programArgs.join(" ")));
  spec.directory = (context.windows ? path.win32 : path.posix).dirname(resolved);
  // For ManageService reinstall: the same service, as InstallService takes it.
  const record = [resolved, "--service_name", name, "--working_dir", spec.directory, "--", ...spec.arguments];
  try {
    await createService(context, spec, {
      record: { args: record, cwd, installedAt: new Date().toISOString() },
    });
  } catch (error) {
    context.audit(`install ${name}: failed, nothing kept: ${(error as Error).message}`);
    throw new NssmFailure(describeFailure(error).line, NSSM.getFailed);
  }
  context.audit(`install ${name}: installed ${resolved} ${JSON.stringify(spec.arguments)}`);
  context.say(`Service "${name}" installed successfully!`);
  return ExitCode.ok;
}

async function remove(args: readonly string[], context: CliContext): Promise<number> {
  const [given, confirm] = args;
  if (given === undefined) throw usage("remove <service> confirm: which service?");
  if (confirm === undefined) {
    throw new NssmFailure(
      `remove ${given}: servitor has no window to confirm in: remove <service> confirm`,
      NSSM.failed,
    );
  }
  if (!equalsIgnoringCase(confirm, "confirm")) {
    throw new NssmFailure(removeNotConfirmed, NSSM.notConfirmed, true);
  }
  const name = await serviceNamed(given, context);
  try {
    // As nssm: marked for deletion, gone once it has stopped; nothing is waited for.
    await context.manager.remove(name);
  } catch (error) {
    throw new NssmFailure(describeFailure(error).line, NSSM.deleteFailed);
  }
  // The spec is the service's (nssm's Parameters key goes with the service); the logs stay.
  const directory = serviceDirectory(context.configRoot, name, context.windows);
  for (const file of [SPEC_FILE, CHECKED_SPEC_FILE, INSTALL_FILE]) {
    await Deno.remove(path.join(directory, file)).catch(() => {});
  }
  context.audit(`remove ${name}: removed`);
  context.say(`Service "${name}" removed successfully!`);
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------------------
// get, set, reset

interface EditArguments {
  parameter: NssmParameter;
  subparameter?: string;
  values: string[];
}

/** nssm's argument rules (pre_edit_service): which words are the subparameter and which the value. */
function editArguments(mode: "get" | "set" | "reset", args: readonly string[]): EditArguments {
  const [, parameterName, ...rest] = args;
  const syntax = {
    get: "get <service> <parameter> [<subparameter>]",
    set: "set <service> <parameter> [<subparameter>] <value>…",
    reset: "reset <service> <parameter> [<subparameter>]",
  }[mode];
  if (parameterName === undefined || (mode === "set" && rest.length === 0)) {
    throw usage(`${syntax}: ${parameterName === undefined ? "which parameter?" : "which value?"}`);
  }
  const parameter = findParameter(parameterName);
  if (!parameter) {
    throw new NssmFailure(
      invalidParameter(parameterName, nssmParameters.map((p) => p.name)),
      NSSM.failed,
      true,
    );
  }
  if (parameter.subparameter === "required") {
    if (rest.length < (mode === "set" ? 2 : 1)) {
      throw new NssmFailure(subparameterRequired(parameter.name), NSSM.failed, true);
    }
    return { parameter, subparameter: rest[0], values: rest.slice(1) };
  }
  if (parameter.name === "ObjectName" && mode === "set") {
    // set <service> ObjectName <username> [<password>…]
    return { parameter, subparameter: rest[0], values: rest.slice(1) };
  }
  if (mode === "get") {
    return { parameter, subparameter: parameter.subparameter ? rest[0] : undefined, values: [] };
  }
  return { parameter, values: rest };
}

async function edit(
  mode: "get" | "set" | "reset",
  args: readonly string[],
  context: CliContext,
): Promise<number> {
  if (args[0] === undefined) throw usage(`${mode} <service> <parameter>: which service?`);
  const request = editArguments(mode, args);
  const { parameter } = request;
  const name = await serviceNamed(args[0], context);
  const stored = await storedSpec(name, context);

  if (!stored) {
    if (mode !== "get" || !foreignParameters.includes(parameter.name)) {
      throw new NssmFailure(
        mode === "get"
          ? `${parameter.name} is only valid for services managed by servitor, and '${name}' is not one`
          : `'${name}' is not a servitor service: servitor changes only its own`,
        NSSM.failed,
      );
    }
    context.say(await foreignValue(parameter.name, name, context));
    return ExitCode.ok;
  }
  const installed = await context.manager.query(name);
  const spec = asInstalled(stored, installed);

  const meaningless = context.manager.ignoredSettings?.[parameter.name];
  if (meaningless && mode !== "reset") {
    context.warn(
      `servitor: ${parameter.name} means nothing under ${context.manager.kind} (${meaningless}): kept, but it ` +
        "changes nothing here",
    );
  }
  if (mode === "get") {
    let value: string;
    try {
      value = parameter.get(spec, request.subparameter, { imagePath: installed.command });
    } catch (error) {
      if (error instanceof ParameterError) {
        throw editFailure("get", parameter.name, name, error.message, error.nssmText);
      }
      throw error;
    }
    context.say(value);
    return ExitCode.ok;
  }

  let change;
  try {
    const values = parameter.name === "Application"
      ? [programPath(request.values.join(" "), context)]
      : request.values;
    change = mode === "set"
      ? parameter.set(spec, values, request.subparameter)
      : parameter.reset(spec, request.subparameter);
    if (parameter.name === "DependOnService") {
      change.spec.dependsOn = await knownDependencies(change.spec, spec, context);
    }
  } catch (error) {
    if (error instanceof ParameterError) {
      throw editFailure(mode, parameter.name, name, error.message, error.nssmText);
    }
    throw error;
  }
  await apply(parameter, change.spec, change.password, context);
  context.audit(`${mode} ${name} ${parameter.name}: done`);
  context.say(
    change.outcome === "set"
      ? `Set parameter "${parameter.name}" for service "${name}".`
      : `Reset parameter "${parameter.name}" for service "${name}" to its default.`,
  );
  return ExitCode.ok;
}

/**
 * The stored spec with the display name, description and start type the service manager holds now, which is
 * where nssm reads and keeps them: a change made there (sc.exe, Ansible's win_service, NSSM) is what get and
 * dump show — so a tool that compares (win_nssm) sees it and sets its own value back — and a set of another
 * parameter keeps it (and stores it) instead of putting the stored value back. The account and the
 * dependencies stay the store's: the service manager names accounts its own way (systemd's root, User=), and
 * Wine's QueryServiceConfigW gives no dependencies back.
 */
function asInstalled(spec: NssmSpec, installed: InstalledService): NssmSpec {
  return {
    ...spec,
    displayName: installed.displayName,
    description: installed.description,
    start: installed.start,
  };
}

/** What the service manager itself says about a service servitor does not manage. */
async function foreignValue(parameter: string, name: string, context: CliContext): Promise<string> {
  const installed = await context.manager.query(name);
  switch (parameter) {
    case "DependOnGroup":
      return installed.dependsOn.filter((entry) => entry.startsWith("+")).join("\n");
    case "DependOnService":
      return installed.dependsOn.filter((entry) => !entry.startsWith("+")).join("\n");
    case "Description":
      return installed.description;
    case "DisplayName":
      return installed.displayName;
    case "ImagePath":
      return installed.command;
    case "ObjectName":
      return installed.account || "LocalSystem";
    case "Start":
      return findParameter("Start")!.get({ ...defaultSpec(name, ""), start: installed.start }, undefined, {});
    default:
      return name;
  }
}

/** Application as given when absolute (nssm takes any path); a relative one is found as install finds it. */
function programPath(program: string, context: CliContext): string {
  if ((context.windows ? path.win32 : path.posix).isAbsolute(program) || program === "") return program;
  const resolved = resolveProgram(program, Deno.cwd(), Deno.env.toObject(), context.windows);
  if (!resolved) {
    throw new ParameterError(`Application: '${program}' was not found (not in ${Deno.cwd()}, not on PATH)`);
  }
  return resolved;
}

/** The services the spec depends on, by the names the service manager has (nssm looks each one up). */
async function knownDependencies(next: NssmSpec, before: NssmSpec, context: CliContext): Promise<string[]> {
  const result: string[] = [];
  for (const entry of next.dependsOn) {
    if (entry.startsWith("+") || before.dependsOn.includes(entry)) {
      result.push(entry);
      continue;
    }
    const name = await resolveService(entry, context).catch(() => undefined);
    if (!name) throw new ParameterError(`DependOnService: no service named '${entry}'`);
    result.push(name);
  }
  return result;
}

/** Stores the changed spec; what the service manager holds is applied to it too, or nothing is changed. */
async function apply(
  parameter: NssmParameter,
  spec: NssmSpec,
  password: string | undefined,
  context: CliContext,
): Promise<void> {
  try {
    // What the store would refuse to read back is refused before it is written.
    parseSpec(stringifySpec(spec), specFile(context.configRoot, spec.name, context.windows));
  } catch (error) {
    const message = (error as Error).message;
    throw editFailure(
      "set",
      parameter.name,
      spec.name,
      /serviceEnvironment: unknown setting/.test(message)
        ? "Environment: this version of servitor has no place to keep the service manager's environment block: " +
          "use AppEnvironmentExtra"
        : `${parameter.name}: ${message}`,
    );
  }
  try {
    // Only what the service manager holds reaches it: the store alone changes for the other parameters.
    await updateService(context, spec.name, spec, { password });
  } catch (error) {
    throw editFailure("set", parameter.name, spec.name, `${parameter.name}: ${describeFailure(error).line}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// dump

/** The command lines (nssm-quoted, for a command prompt) that install the service again as `newName`. */
async function dump(args: readonly string[], context: CliContext): Promise<number> {
  const [given, newName] = args;
  if (given === undefined) throw usage("dump <service> [<newname>]: which service?");
  const name = await serviceNamed(given, context);
  const target = newName === undefined ? name : checkServiceName(newName);
  // Through a copy named InstallService.exe, `<copy> install …` would install a program named install.
  const self = servitorCommand();
  const servitor = [self.program, ...self.args].map(nssmQuote).join(" ");
  const quoted = (value: string) => value === "" ? '""' : nssmQuote(value);
  const stored = await storedSpec(name, context);
  const spec = stored
    ? asInstalled(stored, await context.manager.query(name))
    : await foreignSpec(name, context);
  context.say(`${servitor} install ${quoted(target)} ${nssmQuote(spec.program)}`);
  for (const { parameter, entry } of dumpEntries(spec, target)) {
    if (spec.program === "" && !foreignParameters.includes(parameter)) continue;
    const subparameter = entry.subparameter === undefined ? "" : `${quoted(entry.subparameter)} `;
    context.say(`${servitor} set ${quoted(target)} ${parameter} ${subparameter}${quoted(entry.value)}`);
  }
  return ExitCode.ok;
}

/** A service servitor does not manage, as far as the service manager tells (nssm dumps only that). */
async function foreignSpec(name: string, context: CliContext): Promise<NssmSpec> {
  const installed = await context.manager.query(name);
  const spec = defaultSpec(name, "");
  spec.displayName = installed.displayName;
  spec.description = installed.description;
  spec.start = installed.start;
  spec.dependsOn = installed.dependsOn;
  spec.account = nssmAccount(installed.account || "LocalSystem", name);
  return spec;
}

// ---------------------------------------------------------------------------------------------------------
// status, list, processes

/**
 * The number `statuscode` exits with for a state: nssm's, which are winsvc.h's, SERVICE_STOPPED (1) …
 * SERVICE_PAUSED (7) — part of nssm's interface, whichever manager runs the service.
 */
const nssmStateNumbers: Record<ServiceState, number> = {
  stopped: 1,
  start_pending: 2,
  stop_pending: 3,
  running: 4,
  continue_pending: 5,
  pause_pending: 6,
  paused: 7,
};

/**
 * nssm's name and number of a state. systemd's states are mapped onto these (service/manager.ts), so they
 * read the same there.
 */
export function nssmState(state: ServiceState): [string, number] {
  return [`SERVICE_${state.toUpperCase()}`, nssmStateNumbers[state]];
}

/** `status` exits 0; `statuscode` exits with the state's number, and 0 when it could not tell. */
async function status(args: readonly string[], context: CliContext, code: boolean): Promise<number> {
  if (args[0] === undefined) throw usage(`${code ? "statuscode" : "status"} <service>: which service?`);
  const name = await serviceNamed(args[0], context, code ? 0 : NSSM.noService);
  const managed = await context.manager.status(name);
  const spec = await readSpec(context.configRoot, name).catch(() => undefined);
  const [text, number] = nssmState(shownState(managed, readHostStatus(spec, managed, context)));
  context.say(text);
  return code ? number : ExitCode.ok;
}

/** The services servitor manages (those with a stored spec), or with `all` every service. */
async function list(args: readonly string[], context: CliContext): Promise<number> {
  const all = args[0] !== undefined && equalsIgnoringCase(args[0], "all");
  for (const service of await context.manager.list()) {
    if (all || await isServitors(service.name, context)) context.say(service.name);
  }
  return ExitCode.ok;
}

/** The service's processes: the host, then everything under it. The exit code counts the failures. */
async function processes(args: readonly string[], context: CliContext): Promise<number> {
  if (args.length === 0) throw usage("processes <service>…: which service?");
  let failures = 0;
  for (const given of args) {
    try {
      const name = await resolveService(given, context).catch((error) => {
        if (isInvalidName(error)) return null;
        throw error;
      });
      if (name === null) {
        context.warn(cantOpenService(context.manager, true));
        failures++;
        continue;
      }
      if (name === undefined) {
        context.warn(cantEnumerateServices(context.manager));
        failures++;
        continue;
      }
      // nssm also prints each one's executable, indented by depth: the service manager tells only the ids.
      for (const pid of await context.manager.processes(name)) context.say(String(pid).padStart(8));
    } catch (error) {
      context.warn(`servitor: ${error instanceof Error ? error.message : String(error)}`);
      failures++;
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------------------
// start, stop, pause, continue, rotate, restart: nssm's control_service().

type Control = "start" | "stop" | "pause" | "continue" | "rotate";

/**
 * How a state answers a control (nssm's service_control_response): 0 the state wanted, 1 on the way to it,
 * -1 any other.
 */
function response(control: Control, state: ServiceState): -1 | 0 | 1 {
  switch (control) {
    case "start":
      return state === "running" ? 0 : state === "start_pending" ? 1 : -1;
    case "stop":
      return state === "stopped" ? 0 : state === "running" || state === "stop_pending" ? 1 : -1;
    case "pause":
      return state === "paused" ? 0 : state === "pause_pending" ? 1 : -1;
    case "continue":
      return state === "running" ? 0 : state === "continue_pending" ? 1 : -1;
    case "rotate":
      return 0;
  }
}

/** nssm waits as long as it takes; servitor a minute at most. */
const CONTROL_PATIENCE_MS = 60_000;

/**
 * Polls as nssm's await_service_control_response: while the state is on the way, or still the one it was
 * in, with waits of 50, 100 … 500 ms; `cutoffMs` ends the wait early (start waits AppThrottle at most).
 */
async function awaitResponse(
  control: Control,
  name: string,
  initial: ServiceState,
  context: CliContext,
  cutoffMs = CONTROL_PATIENCE_MS,
): Promise<{ answer: -1 | 0 | 1; state: ServiceState }> {
  let tries = 0;
  let waited = 0;
  for (;;) {
    const { state } = await context.manager.status(name);
    const answer = response(control, state);
    if (answer === 0 || (answer < 0 && state !== initial)) return { answer, state };
    tries = Math.min(tries + 1, 10);
    if (waited > cutoffMs) return { answer, state };
    waited += 50 * tries;
    await new Promise((resolve) => setTimeout(resolve, 50 * tries));
  }
}

/** The system's text for a failure (nssm prints error_string()), or the failure's own line. */
function systemText(error: unknown): string {
  const system = error instanceof ServiceManagerError ? error.system : undefined;
  if (system) return system.message || `error ${system.code}`;
  return error instanceof Error ? error.message : String(error);
}

async function control(control: Control, args: readonly string[], context: CliContext): Promise<number> {
  if (args[0] === undefined) throw usage(`${control} <service>: which service?`);
  const name = await serviceNamed(args[0], context);
  const word = control.toUpperCase();
  try {
    if (control === "start") await context.manager.start(name);
    else await context.manager.control(name, control);
  } catch (error) {
    context.warn(`${name}: ${word}: ${systemText(error)}`);
    // Stopping a service that is not running is no failure to nssm.
    const notRunning = error instanceof ServiceManagerError && error.failure === "not_running";
    return control === "stop" && notRunning ? ExitCode.ok : NSSM.failed;
  }
  const initial = control === "start" ? "stopped" : (await context.manager.status(name)).state;
  // nssm stops waiting for a start after AppThrottle, because it reports RUNNING only once the program has
  // outlived it. servitor's host reports RUNNING once the program is started: START_PENDING is the host
  // itself starting, which is worth waiting for.
  const { answer, state } = await awaitResponse(control, name, initial, context);
  if (answer !== 0) {
    context.warn(`${name}: Unexpected status ${nssmState(state)[0]} in response to ${word} control.`);
    return NSSM.failed;
  }
  context.say(`${name}: ${word}: ${systemSentence(context.manager, "success")}`);
  context.audit(`${control} ${name}: done`);
  return ExitCode.ok;
}

/** Stop (a stopped service is fine), then start. */
async function restart(args: readonly string[], context: CliContext): Promise<number> {
  const stopped = await control("stop", args, context);
  if (stopped !== ExitCode.ok) return stopped;
  return await control("start", args, context);
}
