/**
 * The program's environment, as nssm-readme's "Environment variables" describes: AppEnvironment replaces
 * the service's environment, AppEnvironmentExtra adds to it, and each entry's %VARS% are expanded in order,
 * so an entry can use the ones before it ("PATH=C:\bin;%PATH%"). servitor's environment files
 * (AppEnvironmentFile) come last: system, service block, AppEnvironment/AppEnvironmentExtra, then each file.
 * @module
 */
import { EnvFileError, parseEnvFile } from "../service/env_file.ts";

/** Expands %NAME% from `environment`; an unknown name stays as written, `%%` is not special. */
export function expandVariables(text: string, environment: Record<string, string>, windows: boolean): string {
  return text.replace(/%([^%=\s]+)%/g, (whole, name: string) => lookup(environment, name, windows) ?? whole);
}

/** A variable's value; Windows names are case-insensitive. */
export function lookup(
  environment: Record<string, string>,
  name: string,
  windows: boolean,
): string | undefined {
  if (name in environment) return environment[name];
  if (!windows) return undefined;
  const upper = name.toUpperCase();
  const key = Object.keys(environment).find((candidate) => candidate.toUpperCase() === upper);
  return key === undefined ? undefined : environment[key];
}

/** Sets a variable, replacing any spelling of the same name on Windows. */
function assign(environment: Record<string, string>, name: string, value: string, windows: boolean) {
  if (windows) {
    const upper = name.toUpperCase();
    for (const key of Object.keys(environment)) if (key.toUpperCase() === upper) delete environment[key];
  }
  environment[name] = value;
}

/**
 * The service's environment: the system's with the service's own block merged in — sorted first, as the SCM
 * sorts it, so an entry can use only the system's variables and those sorting before it.
 */
export function serviceEnvironment(
  system: Record<string, string>,
  block: readonly string[] | undefined,
  windows: boolean,
): Record<string, string> {
  if (!block?.length) return system;
  const sorted = [...block].sort((a, b) =>
    a.toUpperCase() < b.toUpperCase() ? -1 : a.toUpperCase() > b.toUpperCase() ? 1 : 0
  );
  return programEnvironment(system, undefined, sorted, windows);
}

/** The program's environment from the service's own and the spec's two lists. */
export function programEnvironment(
  service: Record<string, string>,
  replace: readonly string[] | undefined,
  extra: readonly string[],
  windows: boolean,
): Record<string, string> {
  const result: Record<string, string> = replace ? {} : { ...service };
  for (const entry of [...(replace ?? []), ...extra]) {
    const equals = entry.indexOf("=");
    if (equals <= 0) continue; // the store refuses these; a hand-edited file must not crash the host
    const name = entry.slice(0, equals);
    assign(result, name, expandVariables(entry.slice(equals + 1), result, windows), windows);
  }
  return result;
}

/**
 * The program's environment with its environment files (AppEnvironmentFile) read now, in order, each file's
 * values over what came before (later files win) — read at every start, so a changed file takes effect at
 * the next restart. Values are taken as written: no %VARS% expansion, so a secret with a `%` stays whole.
 * Throws an EnvFileError naming the file (and line) when one is missing, unreadable or malformed; its
 * message never holds a value.
 *
 * @example
 * ```ts
 * import { withEnvFiles } from "./environment.ts";
 * const environment = withEnvFiles({ PATH: "/usr/bin" }, ["/etc/web/app.env"], false);
 * ```
 */
export function withEnvFiles(
  environment: Record<string, string>,
  files: readonly string[],
  windows: boolean,
  read: (file: string) => string = Deno.readTextFileSync,
): Record<string, string> {
  if (files.length === 0) return environment;
  const result = { ...environment };
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch (error) {
      throw new EnvFileError(
        `the environment file ${file} can't be read (${fileProblem(error)}) — check AppEnvironmentFile`,
      );
    }
    for (const [name, value] of Object.entries(parseEnvFile(text, file))) {
      assign(result, name, value, windows);
    }
  }
  return result;
}

/** Why a file can't be read, in a few words (Deno's messages name the path again, and the syscall). */
function fileProblem(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "a directory, not a file";
  if (error instanceof TypeError) return "not UTF-8 text";
  return (error as Error).message;
}
