/**
 * `servitor InstallService <program> [program options…] --service_name <name> [options…]`: stores the
 * service (its spec and the install arguments as given) and creates it with the service manager, whose
 * binary is servitor's own host. Nothing half-done: a failure after the store was written rolls it back.
 * @module
 */
import path from "path";
import YAML from "yaml";
import { defaultSpec, type ServiceSpec } from "../service/spec.ts";
import {
  logDirectoryFor,
  parseSpec,
  readSpec,
  serviceDirectory,
  SPEC_FILE,
  stringifySpec,
  writeFileAtomically,
} from "../service/store.ts";
import {
  checkServiceName,
  type CliContext,
  hostCommand,
  INSTALL_FILE,
  type InstallRecord,
  installRecordText,
} from "./context.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import {
  applyInstallOptions,
  type InstallOptionValues,
  installUsage,
  parseInstallArgs,
} from "./install_options.ts";
import { readPassword } from "./password.ts";
import { removeService, stopService } from "./manage.ts";
import { withLock } from "./service_lock.ts";

/** Finds `program` as a person typing it would mean: absolute, relative to `cwd`, or on PATH. */
export function resolveProgram(
  program: string,
  cwd: string,
  environment: Record<string, string>,
  windows: boolean,
  isFile: (file: string) => boolean = fileExists,
): string | undefined {
  const paths = windows ? path.win32 : path.posix;
  if (paths.isAbsolute(program)) return isFile(program) ? paths.normalize(program) : undefined;
  const local = paths.resolve(cwd, program);
  if (isFile(local)) return local;
  if (program.includes("/") || (windows && program.includes("\\"))) return undefined;
  const pathVariable =
    Object.entries(environment).find(([key]) => windows ? key.toUpperCase() === "PATH" : key === "PATH")
      ?.[1] ?? "";
  const extensions = windows && !paths.extname(program)
    ? (environment.PATHEXT ?? ".COM;.EXE;.BAT;.CMD").toLowerCase().split(";").filter(Boolean)
    : [""];
  for (const directory of pathVariable.split(windows ? ";" : ":").filter(Boolean)) {
    for (const extension of extensions) {
      const candidate = paths.join(directory, program + extension);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function fileExists(file: string): boolean {
  try {
    return Deno.statSync(file).isFile;
  } catch {
    return false;
  }
}

function pathExists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Program arguments that name existing relative paths, made absolute: the service runs from System32 (or /),
 * so a relative path would point elsewhere. Returns the arguments and a line for each change.
 */
export function absoluteArguments(
  args: readonly string[],
  cwd: string,
  windows: boolean,
  exists: (file: string) => boolean = pathExists,
): { args: string[]; notes: string[] } {
  const paths = windows ? path.win32 : path.posix;
  const notes: string[] = [];
  const resolved = args.map((arg) => {
    if (arg === "" || arg.startsWith("-") || paths.isAbsolute(arg)) return arg;
    const candidate = paths.resolve(cwd, arg);
    if (!exists(candidate)) return arg;
    notes.push(`argument '${arg}' names ${candidate}: the service gets that absolute path`);
    return candidate;
  });
  return { args: resolved, notes };
}

/** Runs InstallService; returns the exit code. */
export async function installService(args: string[], context: CliContext, cwd = Deno.cwd()): Promise<number> {
  const parsed = parseInstallArgs(args);
  if (parsed.help) {
    context.say(installUsage());
    return ExitCode.ok;
  }
  const options = parsed.options;
  const name = checkServiceName(options.service_name as string | undefined);
  const dryRun = options.dry_run === true;
  const timeoutMs = lockTimeout(options.timeout);
  const environment = Deno.env.toObject();

  let base: ServiceSpec | undefined;
  if (typeof options.config === "string") {
    base = await readConfigFile(path.resolve(cwd, options.config), name);
  }
  const program = parsed.program ?? base?.program;
  if (!program) {
    throw new CliError(
      "InstallService: which program? InstallService <program> … --service_name <name>",
      ExitCode.usage,
    );
  }
  const resolved = resolveProgram(program, cwd, environment, context.windows);
  if (!resolved) {
    throw new CliError(
      `the program '${program}' was not found (not in ${cwd}, not on PATH): give its full path`,
      ExitCode.programNotFound,
    );
  }
  context.say(`program: ${resolved}`);
  const { args: programArgs, notes } = absoluteArguments(parsed.programArgs, cwd, context.windows);
  for (const note of notes) context.say(note);

  const start = base
    ? {
      ...base,
      name,
      program: resolved,
      arguments: parsed.programArgs.length ? programArgs : base.arguments,
    }
    : defaultSpec(name, resolved, programArgs);
  const spec = applyInstallOptions(start, options);
  const password = spec.account.kind === "user" && !dryRun
    ? await readPassword(spec.account.name, options.password_env as string | undefined)
    : undefined;

  // The check for an existing service, the create and its rollback, all with the service's lock held: a
  // second InstallService of the same name waits, then finds this one's service and leaves it be.
  return await withLock(context, name, timeoutMs, async () => {
    const manager = context.manager;
    // The service --replace removes, as stored: put back if the new one can't be created.
    let previous: ServiceSpec | undefined;
    if (await manager.exists(name)) {
      if (options.replace !== true) {
        throw new CliError(
          `a service named '${name}' exists already: add --replace, or run 'ManageService ${name} reinstall'`,
          ExitCode.serviceExists,
        );
      }
      if (dryRun) {
        // The manager prints these; nothing stops, so there is nothing to wait for.
        if ((await manager.status(name)).state !== "stopped") await manager.control(name, "stop");
        await manager.remove(name);
      } else {
        previous = await readSpec(context.configRoot, name).catch(() => undefined);
        await stopService(name, context, { quiet: true });
        await removeService(name, context, { keepStore: true });
      }
    }

    // What a dry run prints is what the real install would store: its arguments without --dry-run.
    const end = args.includes("--") ? args.indexOf("--") : args.length;
    const given = args.filter((arg, index) => index >= end || !/^--dry[-_]run$/.test(arg));
    const record = { args: given, cwd, installedAt: new Date().toISOString() };
    try {
      await createService(context, spec, record, password);
    } catch (error) {
      if (!dryRun) {
        context.audit(`InstallService ${name}: failed, nothing kept: ${(error as Error).message}`);
        if (previous) await putBack(context, previous);
      }
      throw error;
    }
    if (dryRun) {
      context.say(`dry run: nothing was written or changed; without --dry-run, the lines above are done`);
      return ExitCode.ok;
    }
    context.audit(`InstallService ${name}: installed ${resolved} ${JSON.stringify(spec.arguments)}`);
    context.say(`installed '${name}' (start: ${spec.start}); start it with: ManageService ${name} start`);
    return ExitCode.ok;
  });
}

/** --timeout's seconds as ms; the lock's default without it. */
function lockTimeout(value: InstallOptionValues[string] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(seconds > 0)) {
    throw new CliError(`--timeout: '${value}' is not a number of seconds`, ExitCode.badValue);
  }
  return seconds * 1000;
}

/**
 * Stores the service (its spec and install record), creates it with the service manager running servitor's
 * host, and opens its store to the service's account; a failure on the way undoes all of it. Also nssm's
 * `install` (cli/nssm.ts).
 */
export async function createService(
  context: CliContext,
  spec: ServiceSpec,
  record: InstallRecord,
  password?: string,
): Promise<void> {
  const directory = serviceDirectory(context.configRoot, spec.name, context.windows);
  const rollback = await storeService(context, spec, record);
  let created = false;
  try {
    await context.manager.create(spec, hostCommand(spec.name, context.configRoot), password);
    created = true;
    for (const line of context.manager.limitations?.(spec) ?? []) context.warn(`servitor: ${line}`);
    if (context.security) {
      // After creating: a virtual account (NT SERVICE\<name>) exists only once its service does.
      const logs = logDirectoryFor(spec, context.configRoot, context.windows);
      await makeDirectory(context, logs);
      await context.security.grant(directory, logs, spec);
    }
  } catch (error) {
    if (context.dryRun) throw error;
    if (created) await context.manager.remove(spec.name).catch(() => {});
    await rollback();
    throw error;
  }
}

/**
 * Creates again, as it was stored (its store files are still there), a service that was removed to be
 * installed anew when that failed — so that a failed `--replace` or `stop_and_reinstall` leaves the old
 * service, stopped, rather than none. Says what it did; never throws.
 */
export async function putBack(context: CliContext, previous: ServiceSpec): Promise<void> {
  const name = previous.name;
  try {
    if (await context.manager.exists(name)) return;
    await context.manager.create(previous, hostCommand(name, context.configRoot));
    if (context.security) {
      const directory = serviceDirectory(context.configRoot, name, context.windows);
      await context.security.grant(
        directory,
        logDirectoryFor(previous, context.configRoot, context.windows),
        previous,
      );
    }
    context.audit(`InstallService ${name}: the previous service put back`);
    context.warn(`servitor: the previous '${name}' is back as it was (stopped)`);
  } catch (error) {
    context.warn(
      `servitor: the previous '${name}' could not be put back (${(error as Error).message}): ` +
        `run 'ManageService ${name} reinstall' once the cause is fixed`,
    );
  }
}

/**
 * Makes a directory of the store (and its parents), private to its owner where modes count; true when this
 * call made it, false when it was there. A dry run says so instead.
 */
async function makeDirectory(context: CliContext, directory: string): Promise<boolean> {
  if (context.dryRun) {
    if (!pathExists(directory)) context.dryRun(`mkdir ${directory}${context.windows ? "" : " (mode 0700)"}`);
    return false;
  }
  // mkdir itself says whether it made the directory: a rollback removes only a directory this command made.
  try {
    await Deno.mkdir(directory, { mode: 0o700 });
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(path.dirname(directory), { recursive: true, mode: 0o700 });
  return await makeDirectory(context, directory);
}

/**
 * Makes a directory of the store and locks it to administrators (Windows) before anything is written into
 * it. An existing one is locked too: it may be older than servitor's locking, or made by someone else.
 */
async function makePrivateDirectory(context: CliContext, directory: string): Promise<boolean> {
  const made = await makeDirectory(context, directory);
  await context.security?.lock(directory);
  return made;
}

/** Writes a file of the store atomically, private to its owner; a dry run prints it instead. */
async function writeStoreFile(context: CliContext, file: string, text: string): Promise<void> {
  if (context.dryRun) {
    const body = text.trimEnd().split("\n").map((line) => `    ${line}`).join("\n");
    context.dryRun(`write ${file}${context.windows ? "" : " (mode 0600)"}:\n${body}`);
    return;
  }
  await writeFileAtomically(file, text);
}

/** A --config file: the stored configuration's schema; name and program may come from the command line. */
async function readConfigFile(file: string, name: string): Promise<ServiceSpec> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new CliError(`--config: ${file} can't be read: ${(error as Error).message}`, ExitCode.badValue);
  }
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (error) {
    throw new CliError(
      `--config: ${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
      ExitCode.badValue,
    );
  }
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  return parseSpec(YAML.stringify({ program: "?", ...record, name }), file);
}

/**
 * Writes the service's spec and install record into its directory, locked first (and the store's root);
 * returns how to undo it: the files as they were before (a service removed without --remove_install_args
 * keeps them), or no directory at all. A failure on the way is undone before it is thrown.
 */
async function storeService(
  context: CliContext,
  spec: ServiceSpec,
  record: InstallRecord,
): Promise<() => Promise<void>> {
  const directory = serviceDirectory(context.configRoot, spec.name, context.windows);
  /** The directories this command made, outermost first: only those are removed again. */
  const made: string[] = [];
  const before = new Map<string, string>();
  for (const file of [SPEC_FILE, INSTALL_FILE]) {
    try {
      before.set(file, await Deno.readTextFile(path.join(directory, file)));
    } catch { /* not there */ }
  }
  const undo = async () => {
    if (made.length) {
      await Deno.remove(made[0], { recursive: true }).catch(() => {});
      return;
    }
    for (const file of [SPEC_FILE, INSTALL_FILE]) {
      const text = before.get(file);
      if (text === undefined) await Deno.remove(path.join(directory, file)).catch(() => {});
      else await writeFileAtomically(path.join(directory, file), text);
    }
  };
  try {
    // ProgramData lets every user create folders: the root is locked as well as the service's directory.
    if (await makePrivateDirectory(context, context.configRoot)) made.push(context.configRoot);
    if (await makePrivateDirectory(context, directory)) made.push(directory);
    await writeStoreFile(context, path.join(directory, SPEC_FILE), stringifySpec(spec));
    await writeStoreFile(context, path.join(directory, INSTALL_FILE), installRecordText(record));
  } catch (error) {
    if (!context.dryRun) await undo();
    throw error;
  }
  return context.dryRun ? () => Promise.resolve() : undo;
}
