/**
 * The stored configuration: one YAML file per service, `service.yaml`, in one machine-wide place
 * (Windows `%ProgramData%\servitor\<name>\`, Linux `/etc/servitor/<name>/`), read by the host and written by
 * the CLI. Every write is atomic (runsv's `*.new` then rename), so a crash never leaves half a file.
 * @module
 */
import path from "path";
import YAML from "yaml";
import {
  type Account,
  defaultSpec,
  type ExitAction,
  hookEvents,
  parseAffinity,
  type Priority,
  type ServiceSpec,
} from "./spec.ts";

export const SPEC_FILE = "service.yaml";

/** The configuration can't be used; `message` names the file and the culprit. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpecError";
  }
}

/** Where services are stored on this machine. */
export function defaultConfigRoot(windows = Deno.build.os === "windows"): string {
  if (!windows) return "/etc/servitor";
  return path.win32.join(Deno.env.get("ProgramData") ?? "C:\\ProgramData", "servitor");
}

const pathsFor = (windows: boolean) => windows ? path.win32 : path.posix;

/** The folder of one service's stored configuration. */
export function serviceDirectory(root: string, name: string, windows = Deno.build.os === "windows"): string {
  return pathsFor(windows).join(root, name);
}

/**
 * Where a service's logs go unless its spec says: beside its configuration on Windows; on Linux
 * /var/log/servitor/<name> for the machine-wide store (/etc is no place for logs), else beside it.
 */
export function logDirectoryFor(
  spec: ServiceSpec,
  root: string,
  windows = Deno.build.os === "windows",
): string {
  if (spec.logDirectory) return spec.logDirectory;
  if (!windows && root === "/etc/servitor") return path.posix.join("/var/log/servitor", spec.name);
  return pathsFor(windows).join(serviceDirectory(root, spec.name, windows), "logs");
}

/** Reads and checks a service's stored configuration. */
export function readSpec(root: string, name: string): Promise<ServiceSpec> {
  return readSpecFile(path.join(serviceDirectory(root, name), SPEC_FILE));
}

/** Reads and checks a spec file. */
export async function readSpecFile(file: string): Promise<ServiceSpec> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new SpecError(`${file} does not exist: install the service again (servitor InstallService …)`);
    }
    throw new SpecError(`${file} can't be read: ${(error as Error).message}`);
  }
  return parseSpec(text, file);
}

/** Writes a service's configuration atomically: a temporary file, flushed, then renamed over the old one. */
export async function writeSpec(root: string, spec: ServiceSpec): Promise<string> {
  const directory = serviceDirectory(root, spec.name);
  // Environment values may be secrets, and whoever can edit this file runs programs as the service account.
  await Deno.mkdir(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, SPEC_FILE);
  await writeFileAtomically(file, stringifySpec(spec));
  return file;
}

/**
 * Writes `text` to `file` so that readers see the old file or the new one, never a part. The temporary
 * file is always a new one (createNew): a leftover `.new` — from a crash, or planted by someone who could
 * write here before the directory was secured, who would still own it — is removed, never reused.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.new`;
  await Deno.remove(temporary).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const handle = await Deno.open(temporary, { write: true, createNew: true, mode: 0o600 });
  try {
    await handle.write(new TextEncoder().encode(text));
    await handle.sync();
  } finally {
    handle.close();
  }
  await renameOver(temporary, file);
}

/**
 * Renames `from` over `to`. On Windows the rename fails (access denied) while another process has `to`
 * open without sharing its deletion — a reader of status.json at that moment (seen under Wine: most writes
 * failed while a script polled the file) — so it is tried again for a while before it fails.
 */
async function renameOver(from: string, to: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    try {
      return await Deno.rename(from, to);
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied) || Date.now() > deadline) throw error;
      // A reader holds the file for a moment: the next try soon after is likely to find it closed.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** The YAML of a spec: every field, in the order of the type, so a diff of two reads well. */
export function stringifySpec(spec: ServiceSpec): string {
  return YAML.stringify(spec, { lineWidth: 0 });
}

/** Parses and checks a spec's YAML; anything missing takes NSSM's default. */
export function parseSpec(text: string, source: string): ServiceSpec {
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (error) {
    throw new SpecError(`${source} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const fail = (message: string): never => {
    throw new SpecError(`${source}: ${message}`);
  };
  if (!isRecord(data)) return fail("expected a mapping of settings");
  const name = data.name;
  const program = data.program;
  if (typeof name !== "string" || name === "") return fail("name: the service's name is missing");
  if (typeof program !== "string" || program === "") return fail("program: the program to run is missing");
  const spec = merge(defaultSpec(name, program), data, "", fail) as ServiceSpec;
  check(spec, fail);
  return spec;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Keys that may be absent from the defaults: their type is given here. */
const optionalKeys: Record<string, "string" | "string[]" | "object"> = {
  directory: "string",
  environment: "string[]",
  serviceEnvironment: "string[]",
  affinity: "string",
  logDirectory: "string",
  restartBudget: "object",
  recovery: "object",
  "output.stdin": "string",
  "output.stdout": "string",
  "output.stderr": "string",
};

/** Keys whose values are open-ended maps, checked by `check`. */
const openMaps = new Set(["exit.codes", "hooks", "account", "restartBudget", "recovery"]);

/** The defaults overlaid with `data`, every value of the type its default has. */
function merge(
  defaults: unknown,
  data: Record<string, unknown>,
  prefix: string,
  fail: (message: string) => never,
): unknown {
  const result: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(data)) {
    const where = prefix + key;
    const known = (defaults as Record<string, unknown>)[key];
    const optional = optionalKeys[where];
    if (known === undefined && !optional) fail(`${where}: unknown setting`);
    if (value === null || value === undefined) continue;
    if (openMaps.has(where)) {
      if (!isRecord(value)) fail(`${where}: expected a mapping`);
      result[key] = value;
      continue;
    }
    const type: string = optional ?? (Array.isArray(known) ? "string[]" : typeof known);
    if (type === "string[]") {
      if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
        fail(`${where}: expected a list of strings`);
      }
      result[key] = value;
    } else if (type === "object") {
      if (!isRecord(value)) fail(`${where}: expected a mapping`);
      result[key] = merge(known, value as Record<string, unknown>, `${where}.`, fail);
    } else {
      const actual: string = typeof value;
      if (actual !== type) fail(`${where}: expected a ${type}, not ${JSON.stringify(value)}`);
      if (type === "number" && (!Number.isInteger(value) || (value as number) < 0)) {
        fail(`${where}: expected a whole number of 0 or more, not ${value}`);
      }
      result[key] = value;
    }
  }
  return result;
}

const exitActions: readonly ExitAction[] = ["restart", "ignore", "exit", "suicide"];
const priorities: readonly Priority[] = [
  "realtime",
  "high",
  "above_normal",
  "normal",
  "below_normal",
  "idle",
];
const accountKinds: readonly Account["kind"][] = [
  "local_system",
  "local_service",
  "network_service",
  "virtual",
  "user",
];

/** Absolute as Linux (`/…`) or Windows (`C:\…`, `\\server\share\…`) reads it: the store is read on either. */
function isAbsolutePath(value: string): boolean {
  return /^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(value);
}

/** The checks a type can't express: enumerations, exit codes, hooks, affinity. */
function check(spec: ServiceSpec, fail: (message: string) => never): void {
  const oneOf = <T extends string>(where: string, value: unknown, allowed: readonly T[]) => {
    if (!allowed.includes(value as T)) fail(`${where}: "${value}" is not one of ${allowed.join(", ")}`);
  };
  // The host runs from wherever the service manager starts it: a relative path would name a different file.
  for (const key of ["program", "directory", "logDirectory"] as const) {
    const value = spec[key];
    if (value !== undefined && !isAbsolutePath(value)) {
      fail(`${key}: expected an absolute path, not ${JSON.stringify(value)}`);
    }
  }
  oneOf("start", spec.start, ["auto", "delayed", "manual", "disabled"] as const);
  oneOf("priority", spec.priority, priorities);
  oneOf("output.stdoutDisposition", spec.output.stdoutDisposition, ["append", "replace"] as const);
  oneOf("output.stderrDisposition", spec.output.stderrDisposition, ["append", "replace"] as const);
  oneOf("exit.default", spec.exit.default, exitActions);
  for (const [code, action] of Object.entries(spec.exit.codes)) {
    if (!/^-?\d+$/.test(code)) fail(`exit.codes: "${code}" is not an exit code`);
    oneOf(`exit.codes.${code}`, action, exitActions);
  }
  for (const [event, command] of Object.entries(spec.hooks)) {
    oneOf("hooks", event, hookEvents);
    if (typeof command !== "string") fail(`hooks.${event}: expected a command line`);
  }
  oneOf("account.kind", spec.account.kind, accountKinds);
  if (spec.account.kind === "user" && typeof spec.account.name !== "string") {
    fail("account.name: a user account needs its name");
  }
  if (spec.restartBudget) {
    const { restarts, seconds } = spec.restartBudget;
    if (!Number.isInteger(restarts) || restarts < 1 || !Number.isInteger(seconds) || seconds < 1) {
      fail("restartBudget: expected restarts and seconds, whole numbers of 1 or more");
    }
  }
  if (spec.recovery) {
    const { actions, resetSeconds } = spec.recovery;
    const kinds = ["restart", "reboot", "run_command", "none"];
    if (
      !Array.isArray(actions) ||
      actions.some((a) =>
        !isRecord(a) || !kinds.includes(a.action as string) || !Number.isInteger(a.delayMs)
      ) ||
      !Number.isInteger(resetSeconds)
    ) {
      fail("recovery: expected actions (action: restart|reboot|run_command|none, delayMs) and resetSeconds");
    }
  }
  if (spec.affinity !== undefined) {
    try {
      parseAffinity(spec.affinity);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  for (
    const entry of [...(spec.serviceEnvironment ?? []), ...(spec.environment ?? []), ...spec.environmentExtra]
  ) {
    if (!/^[^=]+=/.test(entry)) fail(`environment: "${entry}" is not KEY=VALUE`);
  }
}
