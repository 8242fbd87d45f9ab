/**
 * A service's spec as JSON, already checked and complete (`service.checked.json` beside `service.yaml`),
 * stamped with a digest of the YAML it was made from and of servitor's version. Whoever writes service.yaml
 * writes it too (the lifecycle, service/store.ts writeSpec), and the host reads it instead of the YAML, so a
 * running host never loads the YAML parser and zod — its modules stay in memory for its whole life. The YAML
 * stays the one truth: the JSON is used only while its stamp matches the YAML on disk; a hand-edited YAML,
 * a store written by an older servitor or a missing JSON make the host read the YAML itself. The commands
 * that only read a spec read it the same way (./spec_reader.ts).
 * @module
 */
import type { ServiceSpec } from "./spec.ts";
import { VERSION } from "../cli/version.ts";

/** The checked form's file name, beside service.yaml. */
export const CHECKED_SPEC_FILE = "service.checked.json";

interface CheckedSpec {
  /** SHA-256 of servitor's version and the YAML's bytes (./store_layout.ts SPEC_FILE), hex. */
  stamp: string;
  spec: ServiceSpec;
}

/**
 * The stamp of a YAML text: with the version, so that a servitor whose schema completes a spec differently
 * never takes a form an older one wrote.
 */
async function stampOf(yaml: Uint8Array, version: string): Promise<string> {
  const head = new TextEncoder().encode(`servitor ${version}\n`);
  const both = new Uint8Array(head.length + yaml.length);
  both.set(head);
  both.set(yaml, head.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", both));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The checked form's text for `spec`, read from (or written as) `yaml`: the spec must be what the store's
 * reader makes of that YAML.
 *
 * @example
 * ```ts
 * import { checkedSpecText } from "./checked_spec.ts";
 * import { defaultSpec } from "./spec.ts";
 * import { stringifySpec } from "./store.ts";
 * const spec = defaultSpec("web", "/opt/web/server");
 * const json = await checkedSpecText(spec, stringifySpec(spec)); // written beside service.yaml
 * ```
 */
export async function checkedSpecText(spec: ServiceSpec, yaml: string, version = VERSION): Promise<string> {
  const form: CheckedSpec = { stamp: await stampOf(new TextEncoder().encode(yaml), version), spec };
  return JSON.stringify(form);
}

/**
 * The spec of the checked form at `checkedFile` when its stamp matches the YAML at `yamlFile`; undefined when
 * either can't be read, the JSON is not the checked form, or the stamp differs — the caller then reads the
 * YAML (service/store.ts readSpecFile), which also says what is wrong with it.
 */
export async function readCheckedSpec(
  yamlFile: string,
  checkedFile: string,
  version = VERSION,
): Promise<ServiceSpec | undefined> {
  try {
    const [yaml, json] = await Promise.all([Deno.readFile(yamlFile), Deno.readTextFile(checkedFile)]);
    const form = JSON.parse(json) as Partial<CheckedSpec>;
    if (typeof form?.stamp !== "string" || typeof form.spec !== "object" || form.spec === null) {
      return undefined;
    }
    return form.stamp === await stampOf(yaml, version) ? form.spec : undefined;
  } catch {
    return undefined;
  }
}
