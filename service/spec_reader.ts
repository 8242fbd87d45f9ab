/**
 * A stored spec for whoever only reads it — the host, `ManageService X status` and `logs`: its checked form
 * (./checked_spec.ts) when that matches service.yaml, else service.yaml through the store's reader
 * (./store.ts), loaded only then. The YAML parser and zod stay out of a host's memory for its whole run, and
 * out of a status's start-up: under Wine, loading and running them was a third of `status`'s time above
 * Deno's own start-up. The lifecycle, which changes a spec, reads service.yaml itself.
 * @module
 */
import path from "path";
import type { ServiceSpec } from "./spec.ts";
import { CHECKED_SPEC_FILE, readCheckedSpec } from "./checked_spec.ts";
import { serviceDirectory, SPEC_FILE } from "./store_layout.ts";

/**
 * The spec stored in `directory`: its checked form when that matches service.yaml, else service.yaml read
 * and checked by the store's reader (./store.ts), loaded only then. Fails as that reader does (SpecError).
 *
 * @example
 * ```ts
 * import { readSpecIn } from "./spec_reader.ts";
 * const spec = await readSpecIn("/etc/servitor/web");
 * ```
 */
export async function readSpecIn(directory: string): Promise<ServiceSpec> {
  const file = path.join(directory, SPEC_FILE);
  const checked = await readCheckedSpec(file, path.join(directory, CHECKED_SPEC_FILE));
  if (checked) return checked;
  const { readSpecFile } = await import("./store.ts");
  return await readSpecFile(file);
}

/**
 * The stored spec of service `name` under `root`, for a reader that changes nothing (./store.ts readSpec
 * for the lifecycle, which reads service.yaml itself): as readSpecIn.
 *
 * @example
 * ```ts
 * import { readStoredSpec } from "./spec_reader.ts";
 * const spec = await readStoredSpec("/etc/servitor", "web");
 * ```
 */
export function readStoredSpec(root: string, name: string): Promise<ServiceSpec> {
  return readSpecIn(serviceDirectory(root, name));
}
