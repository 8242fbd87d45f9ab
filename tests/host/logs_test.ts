/**
 * Logs at hand (cli/logs.ts, behind `ManageService <name> logs`): the last lines of a running service's
 * output, and following it across the host's online rotations, each line once.
 */
import path from "path";
import { assertEquals, assertOk } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { fixtures, startHost, storedService } from "./helpers.ts";
import { followFile, lastLines } from "../../cli/logs.ts";
import { rotatedFiles } from "../../host/rotation.ts";
import { numberedLines } from "./fixtures/output_lines.ts";

const linesFixture = path.join(fixtures, "output_lines.ts");
const expected = (count: number) => numberedLines("out", 0, count).slice(0, -1).split("\n");

Deno.test("following a service's output across online rotations sees every line once, in order", async () => {
  const count = 600;
  await using service = await storedService(Deno.execPath(), [
    "run",
    "-A",
    linesFixture,
    "slow",
    String(count),
    "5",
  ], (spec) => {
    spec.output.stdout = "out.log";
    spec.output.rotation.online = true;
    spec.output.rotation.bytes = 4096;
    spec.exit.default = "ignore";
  });
  const log = path.join(service.logs, "out.log");
  const seen: string[] = [];
  const stop = new AbortController();
  const following = followFile(log, (line) => seen.push(line), stop.signal, 20, 50);
  await using host = startHost(service.root, service.spec.name, { underSystemd: true });
  try {
    await eventually(() => seen.length, (n) => n >= count, 30_000);
  } finally {
    stop.abort();
    await following;
  }
  assertOk((await rotatedFiles(log)).length >= 3, "rotated several times while followed");
  assertEquals(seen, expected(count));
  // The last lines of the current file, as `logs -n 3` shows them.
  const tail = await lastLines(log, 3);
  assertEquals(tail, expected(count).slice(-3));
  host.signal("SIGTERM");
  await host.exit();
});

Deno.test("the last N lines: a last line without its newline counts, a missing file has none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = path.join(dir, "out.log");
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i + 1} ${"y".repeat(i % 40)}`);
    await Deno.writeTextFile(file, big.join("\n"));
    assertEquals(await lastLines(file, 2), big.slice(-2));
    assertEquals((await lastLines(file, 4000)).length, 4000, "more than one block read back");
    assertEquals(await lastLines(path.join(dir, "none.log"), 20), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
