/**
 * YAML as a person wrote it: where a key is (its line, for an error that names it) and what a key with no
 * value means. Shared by the store (service.yaml) and desired state (the files `servitor apply` takes).
 * @module
 */
import type YAML from "yaml";
import type { LineCounter } from "yaml";

/** The 1-based line of the innermost node of `path` that the document has (the document's start for []). */
export function lineOf(
  document: YAML.Document,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = (length === 0 ? document.contents : document.getIn(path.slice(0, length), true)) as
      | { range?: [number, number, number] }
      | null
      | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** `data` without the keys whose value is null: a key written with nothing after it counts as left out. */
export function withoutNulls(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(withoutNulls);
  if (!isRecord(data)) return data;
  return Object.fromEntries(
    Object.entries(data).filter(([, value]) => value !== null).map((
      [key, value],
    ) => [key, withoutNulls(value)]),
  );
}

/** A YAML mapping (or JSON object), not a list or a scalar. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
