/**
 * The program's environment, as nssm-readme's "Environment variables" describes: AppEnvironment replaces
 * the service's environment, AppEnvironmentExtra adds to it, and each entry's %VARS% are expanded in order,
 * so an entry can use the ones before it ("PATH=C:\bin;%PATH%").
 * @module
 */

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
