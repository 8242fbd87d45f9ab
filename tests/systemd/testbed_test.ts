/**
 * The systemd tier's own ground: a real systemd is PID 1 here, units written to /etc/systemd/system run in
 * their own cgroup, and stopping one ends every process in it. The systemd backend relies on each of these.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { notInSystemd, run, uniqueUnit, unitProcesses, unitProperty } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });

test("systemd is PID 1 and answers over its own bus", async () => {
  assertEquals((await Deno.readTextFile("/proc/1/comm")).trim(), "systemd");
  assertOk(/^\d+/.test(await unitProperty("", "Version").then((v) => v || "0")), "a systemd version");
  assertOk(["running", "degraded"].includes((await run("systemctl", "is-system-running")).stdout));
});

test("a unit written to /etc/systemd/system starts, runs in its cgroup, and stop ends its whole tree", async () => {
  const name = uniqueUnit("servitor-probe");
  const unitFile = `/etc/systemd/system/${name}.service`;
  // The service forks a grandchild that would outlive a naive kill of the main process.
  await Deno.writeTextFile(
    unitFile,
    `[Unit]\nDescription=servitor test-bed probe\n\n[Service]\nExecStart=/bin/sh -c 'sleep 300 & exec sleep 301'\n`,
  );
  try {
    assertEquals((await run("systemctl", "daemon-reload")).code, 0);
    assertEquals((await run("systemctl", "start", `${name}.service`)).code, 0);
    assertEquals(await unitProperty(`${name}.service`, "ActiveState"), "active");
    const mainPid = Number(await unitProperty(`${name}.service`, "MainPID"));
    assertOk(mainPid > 1, `a main PID, not ${mainPid}`);
    const procs = await unitProcesses(`${name}.service`);
    assertEquals(procs.length, 2, `the unit's cgroup holds both sleeps: ${procs}`);

    assertEquals((await run("systemctl", "stop", `${name}.service`)).code, 0);
    assertEquals(await unitProperty(`${name}.service`, "ActiveState"), "inactive");
    for (const pid of procs) {
      assertOk(
        !(await Deno.stat(`/proc/${pid}`).then(() => true, () => false)),
        `process ${pid} outlived stop`,
      );
    }
  } finally {
    await Deno.remove(unitFile).catch(() => {});
    await run("systemctl", "daemon-reload");
  }
});

// It can exit 0 for this one (../shared/notes/testbed.md): stderr is what tells.
test("systemd-analyze verify reports a unit's bad Restart= value on stderr", async () => {
  const file = `/tmp/${uniqueUnit("servitor-broken")}.service`;
  await Deno.writeTextFile(file, "[Service]\nExecStart=/bin/true\nRestart=sometimes\n");
  const verify = await run("systemd-analyze", "verify", file);
  assertOk(verify.stderr.includes("Restart"), `stderr names the bad Restart= value: ${verify.stderr}`);
});
