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
import { CHECKED_SPEC_FILE, checkedSpecText } from "./checked_spec.ts";
import { serviceDirectory, SPEC_FILE, SpecError, specFile, writeFileAtomically } from "./store_layout.ts";

export {
  defaultConfigRoot,
  hostStatusFile,
  logDirectoryFor,
  serviceDirectory,
  SPEC_FILE,
  SpecError,
  specFile,
  writeFileAtomically,
} from "./store_layout.ts";

/** Reads and checks a service's stored configuration. */
export function readSpec(root: string, name: string): Promise<ServiceSpec> {
  return readSpecFile(specFile(root, name));
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

/**
 * Writes a service's configuration atomically: a temporary file, flushed, then renamed over the old one; and
 * its checked form for the host (./checked_spec.ts).
 */
export async function writeSpec(root: string, spec: ServiceSpec): Promise<string> {
  const directory = serviceDirectory(root, spec.name);
  // Environment values may be secrets, and whoever can edit this file runs programs as the service account.
  await Deno.mkdir(directory, { recursive: true, mode: 0o700 });
  const files = await specFiles(directory, spec);
  for (const [file, text] of files) await writeFileAtomically(file, text);
  return files[0][0];
}

/**
 * A spec's files in its folder, with their texts: service.yaml first, then its checked form for the host
 * (./checked_spec.ts) — written together, so the host finds the form matching the YAML.
 */
export async function specFiles(directory: string, spec: ServiceSpec): Promise<[string, string][]> {
  const yaml = stringifySpec(spec);
  return [
    [path.join(directory, SPEC_FILE), yaml],
    [path.join(directory, CHECKED_SPEC_FILE), await checkedSpecText(spec, yaml)],
  ];
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
