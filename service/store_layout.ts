/**
 * Where the store keeps a service's files, and how it writes one: what the host needs of the store without
 * its YAML reader (./store.ts), which the host loads only when it must read service.yaml itself.
 * @module
 */
import path from "path";
import type { ServiceSpec } from "./spec.ts";

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

/** A service's stored configuration, service.yaml in its folder. */
export function specFile(root: string, name: string, windows = Deno.build.os === "windows"): string {
  return pathsFor(windows).join(serviceDirectory(root, name, windows), SPEC_FILE);
}

/**
 * Where a service's logs go unless its spec says: beside its configuration on Windows; on Linux
 * /var/log/servitor/<name> for the machine-wide store (/etc is no place for logs), else beside it.
 */
export function logDirectoryFor(
  spec: Pick<ServiceSpec, "name" | "logDirectory">,
  root: string,
  windows = Deno.build.os === "windows",
): string {
  if (spec.logDirectory) return spec.logDirectory;
  if (!windows && root === "/etc/servitor") return path.posix.join("/var/log/servitor", spec.name);
  return pathsFor(windows).join(serviceDirectory(root, spec.name, windows), "logs");
}

/** The status.json a service's running host writes in its log directory (host/host.ts), read by status and the page. */
export function hostStatusFile(
  spec: Pick<ServiceSpec, "name" | "logDirectory">,
  root: string,
  windows = Deno.build.os === "windows",
): string {
  return path.join(logDirectoryFor(spec, root, windows), "status.json");
}

/** The host's error log in a service's log directory (host/log.ts writes it; status and logs read it). */
export function errorLogPath(logDirectory: string, service: string): string {
  return path.join(logDirectory, `${service}_ERROR_LOG.txt`);
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
