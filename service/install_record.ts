/**
 * A service's install record (install.yaml beside its service.yaml): the install arguments as given and the
 * directory they were given in, kept so that `reinstall` installs it again as it was.
 * @module
 */
import path from "path";
import YAML from "yaml";
import { ServiceManagerError } from "./manager.ts";
import { serviceDirectory, SpecError } from "./store_layout.ts";

/** The install arguments as given, kept for `reinstall`, with the directory they were given in. */
export interface InstallRecord {
  args: string[];
  cwd: string;
  installedAt: string;
}

export const INSTALL_FILE = "install.yaml";

export function installRecordPath(root: string, name: string): string {
  return path.join(serviceDirectory(root, name), INSTALL_FILE);
}

/** The service's install record; "no such service" when it has none, a SpecError when it is damaged. */
export async function readInstallRecord(root: string, name: string): Promise<InstallRecord> {
  const file = installRecordPath(root, name);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    throw new ServiceManagerError(
      `no install arguments for '${name}' (${file}): install it with InstallService, or check the name`,
      "no_such_service",
    );
  }
  const record = YAML.parse(text) as InstallRecord;
  if (!Array.isArray(record?.args) || typeof record.cwd !== "string") {
    throw new SpecError(`${file} is damaged: install the service again with InstallService`);
  }
  return record;
}

/** The YAML of an install record, as install.yaml holds it. */
export function installRecordText(record: InstallRecord): string {
  return YAML.stringify(record);
}
