/**
 * `servitor InstallService <program> [program options…] --service_name <name> [options…]`: stores the
 * service (its spec and the install arguments as given) and creates it with the service manager, whose
 * binary is servitor's own host. Nothing half-done: a failure after the store was written rolls it back.
 * @module
 */
import path from "path";
import YAML from "yaml";
import { defaultSpec, type ServiceSpec } from "../service/spec.ts";
import { parseSpec, readSpec } from "../service/store.ts";
import { loadEnvFileParser, parseEnvFile } from "../service/env_file.ts";
import { createService, putBack, removeService, withServiceLock } from "../service/lifecycle.ts";
import { pathExistsSync } from "../service/exists.ts";
import { checkServiceName, type CliContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";
import { settingIssues } from "../service/schema.ts";
import {
  applyInstallOptions,
  type InstallOptionValues,
  installUsage,
  parseInstallArgs,
} from "./install_options.ts";

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

/** Whether an argument names something on disk; an argument that can't be a path (too long a name) is no. */
function namesSomething(argument: string): boolean {
  try {
    return pathExistsSync(argument);
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
  exists: (file: string) => boolean = namesSomething,
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
  const paths = context.windows ? path.win32 : path.posix;
  if (Array.isArray(options.env_file)) {
    // The service reads them from elsewhere (System32, /): a relative path means the one here.
    options.env_file = options.env_file.map((file) => paths.resolve(cwd, file));
  }
  const spec = applyInstallOptions(start, options);
  // The options become settings that the store's schema checks too: what it would refuse at the host's
  // start is refused here, before anything is made.
  const [issue] = settingIssues(spec);
  if (issue) {
    throw new CliError(`InstallService: ${issue.path.join(".")}: ${issue.message}`, ExitCode.badValue);
  }
  await checkEnvFiles(spec.envFiles ?? []);
  const password = spec.account.kind === "user"
    ? await context.readPassword(spec.account.name, options.password_env as string | undefined)
    : undefined;

  // The check for an existing service, the create and its rollback, all with the service's lock held: a
  // second InstallService of the same name waits, then finds this one's service and leaves it be.
  return await withServiceLock(context, name, timeoutMs, async () => {
    // The service --replace removes, as stored: put back if the new one can't be created.
    let previous: ServiceSpec | undefined;
    if (await context.manager.exists(name)) {
      if (options.replace !== true) {
        throw new CliError(
          `a service named '${name}' exists already: add --replace, or run 'ManageService ${name} reinstall'`,
          ExitCode.serviceExists,
        );
      }
      previous = await readSpec(context.configRoot, name).catch(() => undefined);
      await removeService(context, name, { keepStore: true, quiet: true });
    }

    // What a dry run prints is what the real install would store: its arguments without --dry-run.
    const end = args.includes("--") ? args.indexOf("--") : args.length;
    const given = args.filter((arg, index) => index >= end || !/^--dry[-_]run$/.test(arg));
    const record = { args: given, cwd, installedAt: new Date().toISOString() };
    try {
      await createService(context, spec, { record, password });
    } catch (error) {
      context.audit(`InstallService ${name}: failed, nothing kept: ${(error as Error).message}`);
      if (previous) await putBack(context, previous);
      throw error;
    }
    context.audit(`InstallService ${name}: installed ${resolved} ${JSON.stringify(spec.arguments)}`);
    context.done(`installed '${name}' (start: ${spec.start}); start it with: ManageService ${name} start`);
    return ExitCode.ok;
  });
}

/**
 * The environment files that exist now, checked as the host will read them (a NUL, a malformed line): a
 * file that isn't there yet may be made before the service starts, and its start says so if not.
 */
async function checkEnvFiles(files: readonly string[]) {
  if (files.length > 0) await loadEnvFileParser();
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch {
      continue;
    }
    try {
      parseEnvFile(text, file);
    } catch (error) {
      throw new CliError(`--env_file: ${(error as Error).message}`, ExitCode.badValue);
    }
  }
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
