/**
 * The stored configuration: one YAML file per service, `service.yaml`, in one machine-wide place
 * (Windows `%ProgramData%\servitor\<name>\`, Linux `/etc/servitor/<name>/`), read by the host and written by
 * the CLI. Every write is atomic (runsv's `*.new` then rename), so a crash never leaves half a file.
 * @module
 */
import path from "path";
import YAML, { LineCounter } from "yaml";
import { serviceSchema, settingIssues } from "./schema.ts";
import { completeSpec, type ServiceSpec } from "./spec.ts";
import { isRecord, lineOf, withoutNulls } from "./yaml_lines.ts";

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

/** The status.json a service's running host writes in its log directory (host/host.ts), read by status and the page. */
export function hostStatusFile(
  spec: ServiceSpec,
  root: string,
  windows = Deno.build.os === "windows",
): string {
  return path.join(logDirectoryFor(spec, root, windows), "status.json");
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

/**
 * Parses and checks a spec's YAML against the schema (./schema.ts); anything left out takes NSSM's default.
 * A key written with no value (`stdin:`) counts as left out. The error names the file, the line, the key and
 * what is expected.
 */
export function parseSpec(text: string, source: string): ServiceSpec {
  const lineCounter = new LineCounter();
  const document = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new SpecError(`${source} is not valid YAML: ${document.errors[0].message.split("\n")[0]}`);
  }
  const data = withoutNulls(document.toJS());
  if (!isRecord(data)) throw new SpecError(`${source}: expected a mapping of settings`);
  const issues = settingIssues(data);
  if (issues.length > 0) {
    const [first] = issues;
    const line = lineOf(document, lineCounter, first.path);
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    throw new SpecError(
      `${source}${line ? `:${line}` : ""}: ${first.path.join(".") || "(top)"}: ${first.message}${more}`,
    );
  }
  return completeSpec(serviceSchema.parse(data));
}
