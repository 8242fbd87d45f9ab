/**
 * Rewrites a bundle (`deno task bundle`'s dist/servitor.js) in ASCII: each character past U+007F becomes a
 * `\uXXXX` escape. esbuild escapes them in string literals already, but keeps them in comments, and one
 * such character anywhere makes V8 hold the whole module's source — kept for the process's life — as a
 * two-byte string: twice the bytes. In comments, strings, regular expressions and identifiers the escape
 * reads the same to JavaScript.
 *
 * Usage: `deno run --allow-read --allow-write tools/ascii_only.ts dist/servitor.js`
 * @module
 */

/** `source` with every UTF-16 code unit past U+007F written as a `\uXXXX` escape. */
export function asciiOnly(source: string): string {
  return source.replace(/[^\0-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

if (import.meta.main) {
  for (const file of Deno.args) Deno.writeTextFileSync(file, asciiOnly(Deno.readTextFileSync(file)));
}
