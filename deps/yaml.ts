/**
 * The yaml package as its ES module build (the package's "default" export, which browsers get). Deno and
 * `deno bundle` resolve `npm:yaml` by its "node" condition, a CommonJS build: every start then paid for
 * Node's require machinery with its process and buffer modules, and from source under Wine ~930 file
 * look-ups in its folder. Same code, same version (package.json); the types are the package's.
 * deno.json maps `yaml` here.
 * @module
 */
// @ts-types="npm:yaml@2.9.1"
export * from "../node_modules/yaml/browser/dist/index.js";
// @ts-types="npm:yaml@2.9.1"
export { default } from "../node_modules/yaml/browser/index.js";
