/**
 * Environment files (AppEnvironmentFile) under Wine's SCM: the program sees a file's values over
 * AppEnvironmentExtra's, CRLF lines and quotes as dotenv reads them; a missing file stops the service with
 * 251 and an error-log line naming it, once.
 */
import path from "path";
import { assertEquals, assertOk } from "../assert.ts";
import { notWindows, waitForState } from "./helpers.ts";
import { eventuallyLines, readLines, sleep } from "../helpers.ts";
import { hostedService, refusedStart } from "./hosted.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });

/** deno eval printing two variables, then staying up until stopped. */
const printer = [
  "eval",
  "console.log(`A=${Deno.env.get('ENVTEST_A')} B=${Deno.env.get('ENVTEST_B')}`); setInterval(() => {}, 60_000)",
];

test("a service with an environment file sees its values, over AppEnvironmentExtra's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-env-" });
  const file = path.win32.join(dir, "app.env");
  await Deno.writeTextFile(file, 'ENVTEST_A=from the file\r\nENVTEST_B="quoted # not a comment"\r\n');
  using hosted = await hostedService("servitor_env_file", Deno.execPath(), printer, (spec) => {
    spec.environmentExtra.push("ENVTEST_A=extra");
    spec.envFiles = [file];
    spec.output.stdout = "out.txt";
  });
  hosted.service.start();
  await waitForState(hosted.service, "running", 30_000);
  const lines = await eventuallyLines(path.win32.join(hosted.logs, "out.txt"), (lines) => lines.length > 0);
  assertEquals(lines[0], "A=from the file B=quoted # not a comment");
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 30_000);
});

test("a missing environment file stops the service with 251 and names the file, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-env-" });
  const missing = path.win32.join(dir, "gone.env");
  using hosted = await hostedService("servitor_env_file_missing", Deno.execPath(), printer, (spec) => {
    spec.envFiles = [missing];
  });
  const { line } = await refusedStart(hosted, 251);
  assertOk(line.includes(`environment file ${missing} can't be read (no such file)`), line);
  await sleep(3_000);
  assertEquals(
    (await readLines(hosted.errorLog)).filter((l) => l.includes("cannot start")).length,
    1,
    "once",
  );
});
