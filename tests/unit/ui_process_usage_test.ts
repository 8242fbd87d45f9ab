import { assertEquals } from "../assert.ts";
import { parseStat } from "../../ui/process_usage.ts";

Deno.test("the page's CPU and memory columns read a program's parent, times and resident pages from /proc's stat, whatever its name holds", () => {
  const stat = "4242 (my (odd) prog) S 17 4242 4242 0 -1 4194560 120 0 0 0 31 9 0 0 20 0 1 0 991 9216 250";
  assertEquals(parseStat(stat), { parent: 17, ticks: 40, pages: 250 });
  assertEquals(parseStat(""), undefined);
});
