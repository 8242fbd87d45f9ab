/**
 * Desired state, the pure part: reading the files `servitor apply` takes into services (every error with its
 * file, line and key), what differs between a stored service and a desired one, and the short form
 * `servitor export` writes. No file system, no service manager: cli/apply.ts does those.
 * @module
 */
import YAML, { LineCounter } from "yaml";
import { serviceSchema, type SettingIssue, settingIssues } from "./schema.ts";
import { completeSpec, defaultSpec, type ServiceSpec } from "./spec.ts";
import { isRecord, lineOf, withoutNulls } from "./yaml_lines.ts";

/** One error in the input, located: the file, the 1-based line when known, the key path, what is wrong. */
export interface InputError {
  file: string;
  line?: number;
  key?: string;
  message: string;
}

/** A service as the input describes it, and where. */
export interface DesiredService {
  spec: ServiceSpec;
  /** Where its password comes from (an environment variable), for an account of a user: never the password. */
  passwordEnv?: string;
  file: string;
  line?: number;
}

/** One input file's text, named as the person gave it. */
export interface InputFile {
  file: string;
  text: string;
}

/** What the input describes: its services when `errors` is empty. */
export interface DesiredState {
  services: DesiredService[];
  errors: InputError[];
}

/**
 * Reads the input files: each YAML document one service in the stored configuration's schema, or a mapping
 * `services: {<name>: {…}}`. Every error of every file is listed; a duplicate name across files is one.
 */
export function readDesiredState(inputs: readonly InputFile[]): DesiredState {
  const services: DesiredService[] = [];
  const errors: InputError[] = [];
  const seen = new Map<string, DesiredService>();
  for (const { file, text } of inputs) {
    const lineCounter = new LineCounter();
    const documents = YAML.parseAllDocuments(text, { lineCounter, prettyErrors: false });
    const documentList = Array.isArray(documents) ? documents : [documents];
    for (const document of documentList) {
      if (document.errors.length > 0) {
        for (const error of document.errors) {
          errors.push({
            file,
            line: lineCounter.linePos(error.pos[0]).line,
            message: `not valid YAML: ${error.message.split("\n")[0]}`,
          });
        }
        continue;
      }
      const data = document.toJS();
      if (data === null || data === undefined) continue; // an empty document, such as after a last ---
      const lineAt = (path: (string | number)[]) => lineOf(document, lineCounter, path);
      if (!isRecord(data)) {
        errors.push({ file, line: lineAt([]), message: "expected a mapping of settings, or services: {…}" });
        continue;
      }
      const entries: { data: unknown; prefix: (string | number)[] }[] = [];
      if ("services" in data && !("program" in data)) {
        const extra = Object.keys(data).filter((key) => key !== "services");
        for (const key of extra) {
          errors.push({ file, line: lineAt([key]), key, message: "unknown key beside services" });
        }
        if (!isRecord(data.services)) {
          errors.push({
            file,
            line: lineAt(["services"]),
            key: "services",
            message: "expected a mapping of names",
          });
          continue;
        }
        for (const [name, settings] of Object.entries(data.services)) {
          if (!isRecord(settings)) {
            errors.push({
              file,
              line: lineAt(["services", name]),
              key: `services.${name}`,
              message: "expected a mapping of settings",
            });
            continue;
          }
          if (settings.name !== undefined && settings.name !== name) {
            errors.push({
              file,
              line: lineAt(["services", name, "name"]),
              key: `services.${name}.name`,
              message: `is ${JSON.stringify(settings.name)}, but the service is listed as ${
                JSON.stringify(name)
              }`,
            });
            continue;
          }
          entries.push({ data: { ...settings, name }, prefix: ["services", name] });
        }
      } else {
        entries.push({ data, prefix: [] });
      }
      for (const entry of entries) {
        const located = (issue: SettingIssue): InputError => {
          const path = [...entry.prefix, ...issue.path];
          return { file, line: lineAt(path), key: path.join("."), message: issue.message };
        };
        const settings = withoutNulls(entry.data) as Record<string, unknown>;
        const { passwordEnv, ...stored } = settings;
        const issues = settingIssues(stored);
        if (passwordEnv !== undefined && typeof passwordEnv !== "string") {
          issues.push({ path: ["passwordEnv"], message: "expected the name of an environment variable" });
        }
        if (issues.length > 0) {
          errors.push(...issues.map(located));
          continue;
        }
        const spec = completeSpec(serviceSchema.parse(stored));
        const line = lineAt(entry.prefix.length ? entry.prefix : ["name"]);
        const key = caseFolded(spec.name);
        const earlier = seen.get(key);
        if (earlier) {
          errors.push({
            file,
            line,
            key: entry.prefix.length ? entry.prefix.join(".") : "name",
            message: `the service ${JSON.stringify(spec.name)} is described twice (also ${earlier.file}` +
              `${earlier.line ? `:${earlier.line}` : ""})`,
          });
          continue;
        }
        const service: DesiredService = { spec, file, line, passwordEnv: passwordEnv as string | undefined };
        seen.set(key, service);
        services.push(service);
      }
    }
  }
  return { services, errors };
}

/** Service names compare as the SCM compares them: without regard to case. */
function caseFolded(name: string): string {
  return name.toLowerCase();
}

/** One changed setting: its key path, and its value before and after (undefined: not set). */
export interface SettingChange {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * Every setting that differs between `before` and `after`, as leaf key paths (a list is one value), in the
 * schema's order. Values that may be secrets are masked (see `maskSecrets`).
 */
export function diffSpecs(before: ServiceSpec | undefined, after: ServiceSpec | undefined): SettingChange[] {
  const changes: SettingChange[] = [];
  // A service made or removed whole is said as a person would write it: what differs from the defaults.
  if (before === undefined || after === undefined) {
    walk(before && minimalSettings(before), after && minimalSettings(after), "", changes);
  } else {
    walk(before, after, "", changes);
  }
  return changes.map((change) => ({
    path: change.path,
    before: maskSecrets(change.path, change.before),
    after: maskSecrets(change.path, change.after),
  }));
}

function walk(before: unknown, after: unknown, path: string, changes: SettingChange[]): void {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
    for (const key of keys) walk(before[key], after[key], path ? `${path}.${key}` : key, changes);
    return;
  }
  if (isRecord(before) || isRecord(after)) {
    // A section added or taken away whole (recovery, restartBudget): each of its leaves.
    const keys = Object.keys((isRecord(after) ? after : before) as Record<string, unknown>);
    if (before === undefined || after === undefined) {
      for (const key of keys) {
        walk(
          isRecord(before) ? before[key] : undefined,
          isRecord(after) ? after[key] : undefined,
          path ? `${path}.${key}` : key,
          changes,
        );
      }
      return;
    }
  }
  if (!sameValue(before, after)) changes.push({ path, before, after });
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** An environment variable's name that says its value is a secret. */
const secretName = /PASS(WORD|WD)?|TOKEN|SECRET|KEY|CREDENTIAL|AUTH|PRIVATE|CERT/i;

/**
 * `value` with what may be a secret masked: in the environment lists, the value of each KEY=VALUE whose key
 * looks secret (PASSWORD, TOKEN, SECRET, KEY …) becomes `***`.
 */
export function maskSecrets(path: string, value: unknown): unknown {
  if (!/^(environment|environmentExtra|serviceEnvironment)$/.test(path) || !Array.isArray(value)) {
    return value;
  }
  return value.map((entry) => {
    if (typeof entry !== "string") return entry;
    const equals = entry.indexOf("=");
    if (equals <= 0) return entry;
    const key = entry.slice(0, equals);
    return secretName.test(key) ? `${key}=***` : entry;
  });
}

/** The settings the service manager itself holds: changing these needs no restart of the program. */
const managerSettings = new Set([
  "displayName",
  "description",
  "start",
  "account",
  "dependsOn",
  "recovery",
  "preshutdownTimeoutMs",
]);

/** Whether a change to `path` reaches the program only when it is started again (everything the host reads). */
export function needsRestart(path: string): boolean {
  return !managerSettings.has(path.split(".")[0]);
}

/**
 * A service's settings as a person would keep them: the name, the program, and only what differs from
 * NSSM's defaults (the display name only when it isn't the name), in the schema's order.
 */
export function minimalSettings(spec: ServiceSpec): Record<string, unknown> {
  const defaults = defaultSpec(spec.name, spec.program) as unknown as Record<string, unknown>;
  const settings: Record<string, unknown> = { name: spec.name };
  if (spec.displayName !== spec.name) settings.displayName = spec.displayName;
  for (const [key, value] of Object.entries(spec)) {
    if (key === "name" || key === "displayName" || value === undefined) continue;
    if (key === "program") {
      settings.program = value;
      continue;
    }
    const reduced = differingPart(defaults[key], value);
    if (reduced !== undefined) settings[key] = reduced;
  }
  return settings;
}

/** The part of `value` that differs from `base`: whole values, or for mappings only their differing keys. */
function differingPart(base: unknown, value: unknown): unknown {
  if (isRecord(base) && isRecord(value) && !("kind" in value)) {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const reduced = differingPart(base[key], inner);
      if (reduced !== undefined) result[key] = reduced;
    }
    return Object.keys(result).length > 0 ? result : undefined;
  }
  return sameValue(base, value) ? undefined : value;
}

/**
 * The YAML `servitor export` prints: the schema line for editors, then one document per service in its
 * minimal form, which `servitor apply` takes back unchanged.
 */
export function exportText(specs: readonly ServiceSpec[], schemaReference: string): string {
  const documents = specs.map((spec) => YAML.stringify(minimalSettings(spec), { lineWidth: 0 }));
  return `# yaml-language-server: $schema=${schemaReference}\n${documents.join("---\n")}`;
}
