import { assertEquals, assertThrows } from "../assert.ts";
import { lazyRequire } from "../../tools/lazy_require.ts";

const banner = 'import { createRequire as __deno_internal_createRequire } from "node:module";\n' +
  "var __require = __deno_internal_createRequire(import.meta.url);\n";

Deno.test("the bundle's require rewrite: no node:module import, and a built-in still loads when required", async () => {
  const source =
    `${banner}export const join = () => __require("node:path").win32.join("C:\\\\dir", "file.txt");\n`;
  const rewritten = lazyRequire(source);
  assertEquals(rewritten.includes("node:module"), false, rewritten);
  const module = await import(`data:text/javascript,${encodeURIComponent(rewritten)}`);
  assertEquals(module.join(), "C:\\dir\\file.txt");
  assertEquals(lazyRequire("export const plain = 1;\n"), "export const plain = 1;\n");
});

Deno.test("the bundle's require rewrite refuses a bundle that requires what is not a Node built-in", () => {
  assertThrows(() => lazyRequire(`${banner}__require("./local.js");\n`), Error, "./local.js");
  assertThrows(() => lazyRequire(`${banner}__require(name);\n`), Error, "name");
  assertThrows(() => lazyRequire('__require("node:fs");\n'), Error, "banner");
});
