/**
 * Health checks and scheduled restarts (issue 15), with the host supervising real programs on loopback, run
 * as a person runs it in a console: what the host says on stderr, status.json, and the program's starts.
 */
import path from "path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { fixtures, startHost, storedService } from "./helpers.ts";
import { eventually, freePort, readLines } from "../helpers.ts";
import type { ServiceSpec } from "../../service/spec.ts";

const serverFixture = fileURLToPath(new URL("./fixtures/health_server.ts", import.meta.url));

/**
 * A stored service that is fixtures/health_server.ts on `port`: it answers 500 while `sick` is in the
 * service's root, and adds a line to `starts` there at each start. Checked as `health` says.
 */
function healthServer(port: number, health: NonNullable<ServiceSpec["health"]>) {
  return storedService(Deno.execPath(), [], (spec, root) => {
    spec.arguments = [
      "run",
      "-A",
      "--quiet",
      serverFixture,
      String(port),
      ...["sick", "starts"].map((file) => path.join(root, file)),
    ];
    spec.health = health;
  });
}

/** status.json as the host last wrote it. */
async function status(logs: string) {
  return JSON.parse(await Deno.readTextFile(path.join(logs, "status.json")).catch(() => "{}"));
}

Deno.test("health: an HTTP program that starts answering 500 is restarted after the retries, then healthy again", async () => {
  const port = freePort();
  await using service = await healthServer(port, {
    check: `http://127.0.0.1:${port}/health`,
    intervalMs: 300,
    timeoutMs: 2_000,
    retries: 2,
    startMs: 0,
    action: "restart",
  });
  await using host = startHost(service.root, service.spec.name);
  await host.waitFor(/health check http:\/\/127\.0\.0\.1:\d+\/health: healthy/);
  assertEquals((await status(service.logs)).health, "healthy");
  await Deno.writeTextFile(path.join(service.root, "sick"), "");
  await host.waitFor(
    /failed 2 times in a row \(last: HTTP 500 Internal Server Error\): unhealthy; restarting the program/,
  );
  await eventually(() => readLines(path.join(service.root, "starts")), (lines) => lines.length === 2);
  // A new run is starting again; its first good answer makes it healthy.
  await host.waitFor(/restarting it\n[\s\S]*\/health: healthy$/m);
  const after = await eventually(
    () => status(service.logs),
    (s) => s.health === "healthy" && s.counters?.started === 2,
  );
  assertEquals(after.state, "running");
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
  assertMatch(
    await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`)),
    /health check .* failed 2 times in a row \(last: HTTP 500/,
  );
});

Deno.test("health: a TCP check is healthy while the program listens, and unhealthy (refused) on a port nobody listens on", async () => {
  const port = freePort();
  const closed = freePort();
  await using service = await healthServer(port, {
    check: `tcp://127.0.0.1:${port}`,
    intervalMs: 200,
    timeoutMs: 1_000,
    retries: 1,
    startMs: 0,
    action: "none",
  });
  await using host = startHost(service.root, service.spec.name);
  await host.waitFor(/health check tcp:\/\/127\.0\.0\.1:\d+: healthy/);
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);

  await using refused = await storedService(path.join(fixtures, "counts_starts.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "starts")];
    spec.health = {
      check: `tcp://127.0.0.1:${closed}`,
      intervalMs: 200,
      timeoutMs: 1_000,
      retries: 2,
      startMs: 0,
      action: "none",
    };
  });
  await using second = startHost(refused.root, refused.spec.name);
  await second.waitFor(/failed 2 times in a row \(last: connection refused\): unhealthy$/m);
  await eventually(() => status(refused.logs), (s) => s.health === "unhealthy");
  // action none: the program runs on, never restarted.
  assertEquals((await readLines(path.join(refused.root, "starts"))).length, 1);
  second.signal("SIGTERM");
  assertEquals(await second.exit(), 0);
});

Deno.test("health: a command check runs with the hook variables, fails with its exit code, and is cut at its timeout", async () => {
  await using service = await storedService(path.join(fixtures, "counts_starts.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "starts")];
    // Healthy while `sick` is missing; `slow` makes it hang past the timeout.
    const check =
      `test "$SERVITOR_SERVICE_NAME" = ${spec.name} && test ! -e sick || exit 7; test ! -e slow || sleep 30`;
    spec.health = {
      check: `cmd:${check}`,
      intervalMs: 200,
      timeoutMs: 500,
      retries: 1,
      startMs: 0,
      action: "none",
    };
  });
  await using host = startHost(service.root, service.spec.name);
  await host.waitFor(/: healthy$/m);
  await Deno.writeTextFile(path.join(service.root, "sick"), "");
  await host.waitFor(/failed 1 times in a row \(last: exit code 7\): unhealthy$/m);
  await Deno.remove(path.join(service.root, "sick"));
  await host.waitFor(/healthy again$/m);
  await Deno.writeTextFile(path.join(service.root, "slow"), "");
  await host.waitFor(/\(last: no answer within 0\.5 s \(timeout\); the command was killed\): unhealthy$/m);
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
});

Deno.test("health: failures within the grace after a start don't count", async () => {
  await using service = await storedService(path.join(fixtures, "counts_starts.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "starts")];
    // Every check fails, and leaves a line: with retries 1, only the grace keeps the first ones from counting.
    spec.health = {
      check: "cmd:echo check >> checks; exit 1",
      intervalMs: 100,
      timeoutMs: 1_000,
      retries: 1,
      startMs: 1_500,
      action: "none",
    };
  });
  await using host = startHost(service.root, service.spec.name);
  const during = await eventually(() => status(service.logs), (s) => s.health !== undefined);
  assertEquals(during.health, "starting");
  await host.waitFor(/failed 1 times in a row \(last: exit code 1\): unhealthy$/m);
  const checks = await readLines(path.join(service.root, "checks"));
  assertOk(
    checks.length >= 4,
    `${checks.length} checks before unhealthy: the ones in the grace did not count`,
  );
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
});

Deno.test("scheduled restart: restart_every restarts the program gracefully, Stop/Pre told SCHEDULED", async () => {
  await using service = await storedService(path.join(fixtures, "counts_starts.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "starts")];
    spec.restartEveryMs = 2_000;
    spec.hooks["Stop/Pre"] = `echo "$SERVITOR_TRIGGER" >> ${path.join(root, "triggers")}`;
  });
  await using host = startHost(service.root, service.spec.name);
  await eventually(() => readLines(path.join(service.root, "starts")), (lines) => lines.length >= 2, 15_000);
  assertMatch(
    host.stderr,
    /scheduled restart \(every 2\.0 s\): stopping the program, then starting it again/,
  );
  assertEquals((await readLines(path.join(service.root, "triggers")))[0], "SCHEDULED");
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
});

Deno.test("scheduled restart: restart_at the next minute (local time) restarts the program then", async () => {
  const next = new Date(Date.now() + 60_000);
  const at = `${String(next.getHours()).padStart(2, "0")}:${String(next.getMinutes()).padStart(2, "0")}`;
  await using service = await storedService(path.join(fixtures, "counts_starts.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "starts")];
    spec.restartAt = at;
  });
  await using host = startHost(service.root, service.spec.name);
  await eventually(() => readLines(path.join(service.root, "starts")), (lines) => lines.length === 2, 75_000);
  assertMatch(host.stderr, new RegExp(`scheduled restart \\(at ${at}\\)`));
  // Not before that minute, by the host's own clock (its log's timestamps carry their offset).
  const [, day, time, offset] = /^(\S+) (\S+) (\S+) .*scheduled restart/m.exec(host.stderr)!;
  const restartedAt = new Date(`${day}T${time}${offset}`);
  const due = new Date(
    next.getFullYear(),
    next.getMonth(),
    next.getDate(),
    next.getHours(),
    next.getMinutes(),
  );
  assertOk(restartedAt >= due, `restarted at ${restartedAt.toISOString()}, due ${due.toISOString()}`);
  assertEquals(restartedAt.getMinutes(), due.getMinutes());
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
});
