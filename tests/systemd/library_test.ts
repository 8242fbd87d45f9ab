/**
 * The library under a real systemd: the examples as `Type=notify` units are active only once they said
 * READY=1 (sd_notify), SIGTERM is stop and the stop is clean; a long stop callback extends the stop
 * timeout; a program that installs itself (installSelf) gets a `Type=notify` unit that behaves the same,
 * whichever way it sends sd_notify; the plain-loop example installs itself as a unit and removes it again.
 */
import path from "path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertOk } from "../assert.ts";
import { eventually, waitForLine } from "../helpers.ts";
import { cgroupProcesses, notInSystemd, run, uniqueUnit, unitProperty } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });
const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const slowStop = fileURLToPath(new URL("../windows/fixtures/library_slow_stop.ts", import.meta.url));
const selfService = fileURLToPath(new URL("./fixtures/self_service.ts", import.meta.url));
const deno = Deno.execPath();

/** A `Type=notify` unit running `script` with `args` under `deno run <flags>`; removed on dispose. */
async function notifyUnit(prefix: string, script: string, args: string[], options: {
  flags?: string[];
  service?: string[];
} = {}) {
  const name = `${uniqueUnit(prefix)}.service`;
  const file = `/etc/systemd/system/${name}`;
  const command = [deno, "run", ...(options.flags ?? ["--allow-all"]), script, ...args].join(" ");
  await Deno.writeTextFile(
    file,
    ["[Service]", "Type=notify", `ExecStart=${command}`, ...(options.service ?? []), ""].join("\n"),
  );
  assertEquals((await run("systemctl", "daemon-reload")).code, 0);
  return {
    name,
    property: (property: string) => unitProperty(name, property),
    async [Symbol.asyncDispose]() {
      await run("systemctl", "stop", name);
      await Deno.remove(file).catch(() => {});
      await run("systemctl", "daemon-reload");
      await run("systemctl", "reset-failed", name);
    },
  };
}

async function tempLog(name: string): Promise<string> {
  return path.join(await Deno.makeTempDir({ prefix: "servitor-library-" }), name);
}

test("the state-callback example as a Type=notify unit: activating through its start callback, active after READY=1, stopped cleanly", async () => {
  const log = await tempLog("callbacks.log");
  await using unit = await notifyUnit("servitor-lib-callbacks", path.join(examples, "state_callbacks.ts"), [
    log,
  ]);
  assertEquals((await run("systemctl", "start", "--no-block", unit.name)).code, 0);
  // Its start callback takes a second: systemd waits for READY=1 meanwhile.
  await waitForLine(log, "start_pending systemd []");
  assertEquals(await unit.property("ActiveState"), "activating");
  await waitForLine(log, "running");
  assertEquals(await unit.property("ActiveState"), "active");
  assertEquals(await unit.property("StatusText"), "running");

  assertEquals((await run("systemctl", "kill", "--signal=SIGUSR2", "--kill-whom=main", unit.name)).code, 0);
  await waitForLine(log, "user_control 128");

  const stop = await run("systemctl", "stop", unit.name);
  assertEquals(stop.code, 0, stop.stderr);
  assertEquals(
    [
      await unit.property("ActiveState"),
      await unit.property("Result"),
      await unit.property("ExecMainStatus"),
    ],
    ["inactive", "success", "0"],
  );
  const lines = (await Deno.readTextFile(log)).split("\n").filter((line) => line && line !== "tick");
  assertEquals(lines, ["start_pending systemd []", "running", "user_control 128", "stop_pending", "stopped"]);
});

for (
  const { label, flags } of [
    { label: "sd_notify through libc (--allow-ffi)", flags: ["--allow-all"] },
    {
      label: "sd_notify through systemd-notify (no --allow-ffi)",
      flags: ["--allow-read", "--allow-write", "--allow-env", "--allow-run"],
    },
  ]
) {
  test(`the plain-loop example as a Type=notify unit, ${label}: start returns once it is ready, stop is clean`, async () => {
    const log = await tempLog("plain.log");
    await using unit = await notifyUnit("servitor-lib-plain", path.join(examples, "plain_loop.ts"), [log], {
      flags,
      service: ["TimeoutStartSec=20"],
    });
    const start = await run("systemctl", "start", unit.name);
    assertEquals(start.code, 0, start.stderr);
    // A Type=notify unit is active only once READY=1 came; STATUS= came with it.
    assertEquals([await unit.property("ActiveState"), await unit.property("StatusText")], [
      "active",
      "running",
    ]);
    await waitForLine(log, "tick 2");
    assertEquals((await run("systemctl", "stop", unit.name)).code, 0);
    assertEquals([await unit.property("Result"), await unit.property("ExecMainStatus")], ["success", "0"]);
    const lines = (await Deno.readTextFile(log)).split("\n").filter(Boolean);
    assertEquals(lines[0], `running as systemd service PlainLoop`);
    assertEquals(lines.at(-1), "stopping: the service manager asked the service to stop");
  });
}

test("a stop callback longer than TimeoutStopSec= extends the timeout (EXTEND_TIMEOUT_USEC=) and the stop succeeds", async () => {
  const log = await tempLog("slow.log");
  await using unit = await notifyUnit("servitor-lib-slow", slowStop, [log], {
    service: ["TimeoutStopSec=2"],
  });
  assertEquals((await run("systemctl", "start", unit.name)).code, 0);
  const stopAt = Date.now();
  assertEquals((await run("systemctl", "stop", unit.name)).code, 0);
  assertOk(Date.now() - stopAt >= 5000, `stopped after ${Date.now() - stopAt} ms, before the callback ended`);
  assertEquals([await unit.property("Result"), await unit.property("ExecMainStatus")], ["success", "0"]);
  assertEquals((await Deno.readTextFile(log)).split("\n").filter(Boolean).slice(-2), [
    "more time",
    "stopped",
  ]);
});

test("the plain-loop example installs itself as a Type=notify unit, runs from it, and uninstalls it", async () => {
  const log = await tempLog("installed.log");
  const example = path.join(examples, "plain_loop.ts");
  const install = await run(deno, "run", "--allow-all", example, "install", log);
  assertEquals([install.code, install.stdout], [0, "PlainLoop is installed"], install.stderr);
  try {
    const execStart = await unitProperty("PlainLoop.service", "ExecStart");
    assertOk(execStart.includes(`${example} ${log}`), execStart);
    assertEquals(await unitProperty("PlainLoop.service", "Type"), "notify");
    assertEquals((await run("systemctl", "start", "PlainLoop.service")).code, 0);
    // start returned once the program said READY=1, with its STATUS=.
    assertEquals(
      [
        await unitProperty("PlainLoop.service", "ActiveState"),
        await unitProperty("PlainLoop.service", "StatusText"),
      ],
      ["active", "running"],
    );
    await waitForLine(log, "tick 2");
    assertEquals((await Deno.readTextFile(log)).split("\n")[0], "running as systemd service PlainLoop");
  } finally {
    const uninstall = await run(deno, "run", "--allow-all", example, "uninstall");
    assertEquals([uninstall.code, uninstall.stdout], [0, "PlainLoop is removed"], uninstall.stderr);
  }
  assertEquals(await unitProperty("PlainLoop.service", "LoadState"), "not-found");
  assertEquals(
    (await Deno.readTextFile(log)).split("\n").filter(Boolean).at(-1),
    "stopping: the service manager asked the service to stop",
  );
});

for (
  const { label, runFlags, account, notifyAccess } of [
    {
      label: "as root, sd_notify through libc",
      runFlags: undefined,
      account: undefined,
      notifyAccess: "main",
    },
    {
      label: "as another user, sd_notify through systemd-notify (no --allow-ffi)",
      runFlags: ["--allow-read", "--allow-write", "--allow-env", "--allow-run"],
      account: { kind: "user", name: "daemon" },
      notifyAccess: "all",
    },
  ]
) {
  test(`installSelf writes a Type=notify unit, ${label}: activating through the start callback, active after READY=1, stopped cleanly`, async () => {
    const folder = await Deno.makeTempDir({ prefix: "servitor-library-" });
    // The service may run as another user: it writes its log here.
    await Deno.chmod(folder, 0o777);
    const log = path.join(folder, "callbacks.log");
    const gate = path.join(folder, "gate");
    const name = uniqueUnit("servitor-lib-self");
    const unit = `${name}.service`;
    const options = { name, args: [log, gate], start: "manual", runFlags, account };
    const install = await run(deno, "run", "--allow-all", selfService, "install", JSON.stringify(options));
    assertEquals([install.code, install.stdout], [0, "installed"], install.stderr);
    try {
      const verify = await run("systemd-analyze", "verify", `/etc/systemd/system/${unit}`);
      assertEquals(verify.stderr, "", "systemd-analyze verify has nothing to say");
      assertEquals(
        [await unitProperty(unit, "Type"), await unitProperty(unit, "NotifyAccess")],
        ["notify", notifyAccess],
      );

      assertEquals((await run("systemctl", "start", "--no-block", unit)).code, 0);
      await waitForLine(log, "start_pending systemd");
      // The start callback waits for the gate: no READY=1 yet, so systemd says the start is still going on.
      assertEquals(await unitProperty(unit, "ActiveState"), "activating");
      await Deno.writeTextFile(gate, "");
      await waitForLine(log, "running");
      await eventually(() => unitProperty(unit, "ActiveState"), (state) => state === "active");
      // STATUS= came with READY=1: systemd heard it from the program.
      assertEquals(await unitProperty(unit, "StatusText"), "running");
      const cgroup = await unitProperty(unit, "ControlGroup");
      // The program and the child its running callback left.
      await eventually(() => cgroupProcesses(cgroup), (pids) => pids.length === 2);

      const stop = await run("systemctl", "stop", unit);
      assertEquals(stop.code, 0, stop.stderr);
      assertEquals(
        [
          await unitProperty(unit, "ActiveState"),
          await unitProperty(unit, "Result"),
          await unitProperty(unit, "ExecMainStatus"),
        ],
        ["inactive", "success", "0"],
      );
      assertEquals(await cgroupProcesses(cgroup), [], "the program and its child are gone");
      assertEquals((await Deno.readTextFile(log)).split("\n").filter(Boolean), [
        "start_pending systemd",
        "running",
        "stop_pending",
        "stopped",
      ]);
    } finally {
      const uninstall = await run(deno, "run", "--allow-all", selfService, "uninstall", name);
      assertEquals([uninstall.code, uninstall.stdout], [0, "removed"], uninstall.stderr);
      await Deno.remove(folder, { recursive: true });
    }
    assertEquals(await unitProperty(unit, "LoadState"), "not-found");
  });
}
