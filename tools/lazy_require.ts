/**
 * Rewrites a bundle (`deno task bundle`'s dist/servitor.js) so that its CommonJS `require` no longer imports
 * `node:module` at the top. `deno bundle` defines the bundle's `__require` with `createRequire` from
 * `node:module`, imported statically, for the one CommonJS package in it (dotenv, which requires Node's fs,
 * path, os and crypto). Importing `node:module` starts much of Deno's Node compatibility layer at every start
 * (measured for the bundle: 20–30 ms of each command under Wine, up to 0.7 MiB of a host on Linux), though
 * dotenv is loaded only where environment files are used. The rewritten `__require` asks
 * `process.getBuiltinModule` when it is called.
 *
 * That only does the same for Node's built-in modules, so the rewrite refuses a bundle in which `__require`
 * is called with anything else (esbuild bundles every other module itself).
 *
 * Usage: `deno run --allow-read --allow-write tools/lazy_require.ts dist/servitor.js`
 * @module
 */

const banner = 'import { createRequire as __deno_internal_createRequire } from "node:module";\n' +
  "var __require = __deno_internal_createRequire(import.meta.url);\n";
const lazyBanner =
  "var __require = (id) => globalThis.process.getBuiltinModule(id) ?? (() => { throw new Error(`require(${id}): not one of Node's built-in modules`); })();\n";

/** `source` with `deno bundle`'s `createRequire` banner replaced by a `__require` that loads nothing until it is called. */
export function lazyRequire(source: string): string {
  const calls = [...source.matchAll(/\b__require\(([^)]*)\)/g)].map((call) => call[1]);
  const notBuiltIn = calls.filter((argument) => !/^"node:[a-z_/]+"$/.test(argument));
  if (notBuiltIn.length > 0) {
    throw new Error(`the bundle requires what is not a Node built-in (${notBuiltIn.join(", ")})`);
  }
  if (!source.includes(banner)) {
    if (calls.length > 0 || source.includes("__deno_internal_createRequire")) {
      throw new Error("the bundle's createRequire banner is not the one this rewrite knows");
    }
    return source;
  }
  return source.replace(banner, lazyBanner);
}

if (import.meta.main) {
  for (const file of Deno.args) Deno.writeTextFileSync(file, lazyRequire(Deno.readTextFileSync(file)));
}
