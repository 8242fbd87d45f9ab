/**
 * Health checks under Wine's SCM (issue 15): the host, started by services.exe, checks a real program over
 * loopback and restarts it through CreateProcessW and its job object when it turns unhealthy.
 */
import path from "path";
import { assertEquals, assertMatch } from "../assert.ts";
import { notWindows, waitForState } from "./helpers.ts";
import { hostedService } from "./hosted.ts";
import { eventually, eventuallyLines, freePort } from "../helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const server = path.win32.join(import.meta.dirname!, "..", "host", "fixtures", "health_server.ts");

test("an HTTP program that starts answering 500 is restarted after the retries; the error log says how it failed", async () => {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "servitor-health-" });
  const sick = path.win32.join(dir, "sick");
  const starts = path.win32.join(dir, "starts");
  using hosted = await hostedService("servitor_health", Deno.execPath(), [], (spec) => {
    spec.arguments = ["run", "-A", "--quiet", server, String(port), sick, starts];
    spec.health = {
      check: `http://127.0.0.1:${port}/health`,
      intervalMs: 300,
      timeoutMs: 3_000,
      retries: 2,
      startMs: 0,
      action: "restart",
    };
  });
  hosted.service.start();
  await waitForState(hosted.service, "running");
  await eventually(hosted.status, (s) => (s as { health?: string }).health === "healthy", 30_000, "healthy");
  await Deno.writeTextFile(sick, "");
  await eventuallyLines(starts, (lines) => lines.length === 2, 30_000);
  const after = await eventually(
    hosted.status,
    (s) => (s as { health?: string }).health === "healthy" && s.counters.started === 2,
    30_000,
    "healthy again after the restart",
  );
  assertEquals(after.state, "running");
  assertMatch(
    await Deno.readTextFile(hosted.errorLog),
    /health check http:\/\/127\.0\.0\.1:\d+\/health failed 2 times in a row \(last: HTTP 500 Internal Server Error\): unhealthy; restarting the program/,
  );
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped");
});

test("a TCP check of a port nobody listens on: unhealthy (connection refused), and with action none the program runs on", async () => {
  const closed = freePort();
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "servitor-health-" });
  const starts = path.win32.join(dir, "starts");
  using hosted = await hostedService("servitor_health", Deno.execPath(), [], (spec) => {
    spec.arguments = ["run", "-A", "--quiet", server, String(port), path.win32.join(dir, "sick"), starts];
    spec.health = {
      check: `tcp://127.0.0.1:${closed}`,
      intervalMs: 200,
      timeoutMs: 2_000,
      retries: 2,
      startMs: 0,
      action: "none",
    };
  });
  hosted.service.start();
  await waitForState(hosted.service, "running");
  await eventually(
    hosted.status,
    (s) => (s as { health?: string }).health === "unhealthy",
    30_000,
    "unhealthy",
  );
  assertMatch(
    await Deno.readTextFile(hosted.errorLog),
    /failed 2 times in a row \(last: connection refused\): unhealthy/,
  );
  assertEquals((await eventuallyLines(starts, (lines) => lines.length >= 1)).length, 1);
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped");
});
