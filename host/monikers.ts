/**
 * Output specs such as `%PROGRAM%.out.txt` or `%TEMP%\%SERVICE%-%PID%.log`, expanded into paths at each
 * launch. Pure: the platform, the clock and the environment come in through a {@link MonikerContext}, so
 * both Windows and POSIX expansions are unit-tested on Linux.
 * @module
 */
import path from "path";

/** What a spec is expanded against. */
export interface MonikerContext {
  /** The program's path, as in ServiceSpec.program. */
  program: string;
  /** The service's name. */
  service: string;
  /** The host's process id. */
  hostPid: number;
  /** The launch time, for `%TIME%`. */
  now: Date;
  /** The environment the program gets. */
  environment: Record<string, string>;
  /** Windows rules: `\` paths and case-insensitive names. */
  windows: boolean;
}

/**
 * A file-name-safe UTC timestamp with milliseconds, `YYYYMMDDTHHMMSS.mmm`: the same form (and the same
 * clock) as NSSM's rotated-file suffix, so names sort in time order whatever the time zone or DST.
 *
 * @example
 * ```ts
 * import { compactTimestamp } from "./monikers.ts";
 * compactTimestamp(new Date("2013-12-21T11:39:39.457Z")); // "20131221T113939.457"
 * ```
 */
export function compactTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(date.getUTCFullYear()).padStart(4, "0")}${two(date.getUTCMonth() + 1)}${
    two(date.getUTCDate())
  }T${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}.${
    String(date.getUTCMilliseconds()).padStart(3, "0")
  }`;
}

/** A name between percent signs; anything else (a path piece such as `\logs\`) leaves the % as it is. */
const monikerName = /^[^\s%\\/:=]+$/;

/**
 * Expands `%PROGRAM%` (the program's path without its extension), `%PROGRAM_BASE%`, `%PROGRAM_DIR%`,
 * `%SERVICE%`, `%PID%` (the host's), `%TIME%` ({@link compactTimestamp}), `%TEMP%`, `%HOME%`,
 * `%PROGRAMDATA%` and any environment variable. Names are case-insensitive on Windows, as environment
 * names are there; an unknown name stays as written; `%%` is one `%`.
 *
 * @example
 * ```ts
 * import { expandSpec } from "./monikers.ts";
 * expandSpec("%PROGRAM%-%PID%.log", {
 *   program: "C:\\apps\\server.exe", service: "web", hostPid: 42, now: new Date(),
 *   environment: {}, windows: true,
 * }); // "C:\\apps\\server-42.log"
 * ```
 */
export function expandSpec(spec: string, context: MonikerContext): string {
  const lookup = lookupFor(context);
  let out = "";
  let at = 0;
  while (at < spec.length) {
    const open = spec.indexOf("%", at);
    if (open === -1) break;
    out += spec.slice(at, open);
    if (spec[open + 1] === "%") {
      out += "%";
      at = open + 2;
      continue;
    }
    const close = spec.indexOf("%", open + 1);
    const name = close === -1 ? "" : spec.slice(open + 1, close);
    if (!monikerName.test(name)) {
      // Not a name: this % is literal, and the next one may open a moniker.
      out += "%";
      at = open + 1;
      continue;
    }
    out += lookup(name) ?? `%${name}%`;
    at = close + 1;
  }
  return out + spec.slice(at);
}

/**
 * The path an output spec names at this launch: expanded, and resolved against `logDirectory` when
 * relative (with Windows or POSIX rules as `context.windows` says).
 *
 * @example
 * ```ts
 * import { resolveOutputPath } from "./monikers.ts";
 * const context = { program: "/opt/web/server", service: "web", hostPid: 42, now: new Date() };
 * resolveOutputPath("%SERVICE%.log", { ...context, environment: {}, windows: false }, "/var/log/servitor");
 * // "/var/log/servitor/web.log"
 * ```
 */
export function resolveOutputPath(spec: string, context: MonikerContext, logDirectory: string): string {
  const p = context.windows ? path.win32 : path.posix;
  const expanded = expandSpec(spec, context);
  return p.isAbsolute(expanded) ? expanded : p.join(logDirectory, expanded);
}

function lookupFor(context: MonikerContext): (name: string) => string | undefined {
  const { windows, environment } = context;
  const p = windows ? path.win32 : path.posix;
  const env = (name: string): string | undefined => {
    if (!windows) return Object.hasOwn(environment, name) ? nonEmpty(environment[name]) : undefined;
    const wanted = name.toUpperCase();
    for (const [key, value] of Object.entries(environment)) {
      if (key.toUpperCase() === wanted) return nonEmpty(value);
    }
    return undefined;
  };
  const programDir = p.dirname(context.program);
  const programBase = p.basename(context.program, p.extname(context.program));
  // Services run as LocalSystem (Windows) or root (Linux) unless told otherwise: their folders are the
  // fallbacks when the environment doesn't say.
  const systemRoot = () => env("SystemRoot") ?? "C:\\Windows";
  const builtins = new Map<string, () => string>(Object.entries({
    PROGRAM: () => context.program.slice(0, context.program.length - p.extname(context.program).length),
    PROGRAM_BASE: () => programBase,
    PROGRAM_DIR: () => programDir,
    SERVICE: () => context.service,
    PID: () => String(context.hostPid),
    TIME: () => compactTimestamp(context.now),
    TEMP: windows
      ? () => env("TEMP") ?? env("TMP") ?? `${systemRoot()}\\Temp`
      : () => env("TMPDIR") ?? "/tmp",
    HOME: windows
      ? () => env("USERPROFILE") ?? `${systemRoot()}\\System32\\config\\systemprofile`
      : () => env("HOME") ?? "/root",
    PROGRAMDATA: windows
      ? () => env("ProgramData") ?? env("ALLUSERSPROFILE") ?? "C:\\ProgramData"
      : () => "/var/lib",
  }));
  return (name) => {
    const builtin = builtins.get(windows ? name.toUpperCase() : name);
    return builtin ? builtin() : env(name);
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
