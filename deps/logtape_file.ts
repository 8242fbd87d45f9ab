/**
 * @logtape/file's file sink, its Deno build (what the package's own `#filesink` import picks under Deno),
 * without the package's entry module, which also imports its Node stream sink: `node:fs` and `node:events`
 * then loaded for every command, and a bundle hoists them to its top. Same version (package.json); the
 * types are the package's. deno.json maps `@logtape/file` here.
 * @module
 */
// @ts-types="npm:@logtape/file@2.3.10"
export { getFileSink } from "../node_modules/@logtape/file/dist/filesink.deno.js";
