/**
 * `servitor export [<name>… | --all] [--json]`: servitor's services in exactly the form `servitor apply`
 * takes — the name, the program and only what differs from NSSM's defaults — so `export | apply` changes
 * nothing, and a service made by InstallService or nssm's `set` becomes a file a person would keep.
 * @module
 */
import path from "path";
import { exportText, minimalSettings } from "../service/desired.ts";
import { listServitorServices, readStoredService } from "../service/lifecycle.ts";
import { ServiceManagerError } from "../service/manager.ts";
import { serviceJsonSchema } from "../service/schema.ts";
import type { ServiceSpec } from "../service/spec.ts";
import { writeFileAtomically } from "../service/store_layout.ts";
import type { CliContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

export const exportUsage = `Usage: servitor export [<name>… | --all] [--json] [--user]

Prints services in the form 'servitor apply' takes, leaving out what is NSSM's default: keep it in git, edit
it, apply it. --json prints {"services": {<name>: {…}}}, which apply takes too.`;

export interface ExportOptions {
  names: string[];
  all: boolean;
  json: boolean;
  user: boolean;
}

export function parseExportArgs(args: readonly string[]): ExportOptions {
  const options: ExportOptions = { names: [], all: false, json: false, user: false };
  for (const arg of args) {
    if (arg === "--all") options.all = true;
    else if (arg === "--json") options.json = true;
    else if (arg === "--user") options.user = true;
    else if (arg.startsWith("--")) {
      throw new CliError(`export: unknown option '${arg}' (see 'servitor export -h')`, ExitCode.usage);
    } else options.names.push(arg);
  }
  if (options.all === (options.names.length > 0)) {
    throw new CliError("export: name the services, or give --all (not both)", ExitCode.usage);
  }
  return options;
}

/** The text export prints for `specs`: YAML with the schema line for editors, or the JSON form. */
export function exportOutput(specs: readonly ServiceSpec[], json: boolean, schemaReference: string): string {
  if (!json) return exportText(specs, schemaReference).trimEnd();
  const services = Object.fromEntries(specs.map((spec) => {
    const { name: _, ...settings } = minimalSettings(spec);
    return [spec.name, settings];
  }));
  return JSON.stringify({ services }, null, 2);
}

/** Where export's schema line points: the JSON Schema kept in the store's root, written there when missing. */
async function schemaReference(context: CliContext): Promise<string> {
  const file = path.join(context.configRoot, "service.schema.json");
  const text = `${JSON.stringify(serviceJsonSchema(), null, 2)}\n`;
  // Best effort: an export by someone who can't write the store still prints, with the line pointing there.
  if (await Deno.readTextFile(file).catch(() => undefined) !== text) {
    await writeFileAtomically(file, text).catch(() => {});
  }
  return file;
}

/** Runs export: the named services (or all of servitor's), in apply's form. */
export async function runExport(options: ExportOptions, context: CliContext): Promise<number> {
  const names = options.all
    ? (await listServitorServices(context)).map((service) => service.name).sort()
    : options.names;
  const specs: ServiceSpec[] = [];
  for (const name of names) {
    if (!await context.manager.exists(name)) {
      throw new ServiceManagerError(`no service named '${name}'`, "no_such_service");
    }
    specs.push((await readStoredService(context, name)).spec);
  }
  context.say(exportOutput(specs, options.json, await schemaReference(context)));
  return ExitCode.ok;
}

/** `servitor list --json`: every servitor service's status, each the object `ManageService X status --json` prints. */
export async function listJson(context: CliContext): Promise<number> {
  const { statusReport } = await import("./status.ts");
  const names = (await listServitorServices(context)).map((service) => service.name).sort();
  const reports = [];
  for (const name of names) reports.push((await statusReport(name, context)).report);
  context.say(JSON.stringify(reports, null, 2));
  return ExitCode.ok;
}
