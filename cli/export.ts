/**
 * `servitor export [<name>… | --all] [--json]`: servitor's services in exactly the form `servitor apply`
 * takes — the name, the program and only what differs from NSSM's defaults — so `export | apply` changes
 * nothing, and a service made by InstallService or nssm's `set` becomes a file a person would keep.
 * @module
 */
import { exportText, minimalSettings } from "../service/desired.ts";
import type { ServiceSpec } from "../service/spec.ts";
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
