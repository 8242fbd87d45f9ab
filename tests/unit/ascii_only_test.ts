import { assertEquals } from "../assert.ts";
import { asciiOnly } from "../../tools/ascii_only.ts";

Deno.test("the bundle's ASCII rewrite leaves what the code means unchanged: strings, templates, regular expressions", () => {
  const source = [
    "// a comment — with a dash",
    'const text = "stop — now → é 😀";',
    "const template = `${text} … done`;",
    "const match = /[é…]/u.test('…');",
    "export default [text, template, match];",
  ].join("\n");
  const rewritten = asciiOnly(source);
  assertEquals(/[^\0-\x7f]/.test(rewritten), false, rewritten);
  const evaluate = (code: string) => new Function(code.replace("export default", "return"))();
  assertEquals(evaluate(rewritten), evaluate(source));
  assertEquals(evaluate(rewritten), ["stop — now → é 😀", "stop — now → é 😀 … done", true]);
  assertEquals(asciiOnly("plain ASCII\n"), "plain ASCII\n");
});
