/**
 * Health checks under systemd (issue 15): a program whose HTTP check starts failing is restarted by its
 * host after the retries — systemd keeps seeing the host running — and status shows its health throughout.
 */
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch } from "../assert.ts";
import { eventually, freePort, readLines, tempDir } from "../helpers.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { notInSystemd, uniqueUnit, unitProperty } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });
const server = fileURLToPath(new URL("../host/fixtures/health_server.ts", import.meta.url));

test("a program whose health check fails is restarted by its host, and status shows its health", async () => {
  await using dir = await tempDir();
  const name = uniqueUnit("servitor-health");
  const port = freePort();
  await servitorOk(
    ...["InstallService", Deno.execPath(), "--service_name", name, "--start", "manual"],
    ...["--health", `http://127.0.0.1:${port}/health`, "--health_interval", "300ms"],
    ...["--health_timeout", "2s", "--health_retries", "2", "--health_start", "0"],
    ...["--", "run", "-A", "--quiet", server, String(port), `${dir.path}/sick`, `${dir.path}/starts`],
  );
  const statusText = async () => (await servitor("ManageService", name, "status")).stdout;
  try {
    await servitorOk("ManageService", name, "start");
    await eventually(statusText, (text) => /^health\s+healthy$/m.test(text), 20_000, "status");
    const hostPid = await unitProperty(`${name}.service`, "MainPID");
    await Deno.writeTextFile(`${dir.path}/sick`, "");
    await eventually(() => readLines(`${dir.path}/starts`), (lines) => lines.length === 2, 20_000, "starts");
    const after = await eventually(statusText, (text) => /^health\s+healthy$/m.test(text), 20_000, "status");
    assertMatch(after, /^state\s+running/m);
    assertMatch(after, /^restarts\s+1$/m);
    assertEquals(
      await unitProperty(`${name}.service`, "MainPID"),
      hostPid,
      "the same host: systemd saw nothing",
    );
    const errorLog = (await servitorOk("ManageService", name, "logs", "--error_log")).stdout;
    assertMatch(
      errorLog,
      /failed 2 times in a row \(last: HTTP 500[^)]*\): unhealthy; restarting the program/,
    );
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});
