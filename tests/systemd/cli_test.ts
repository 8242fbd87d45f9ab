/**
 * InstallService and ManageService on Linux, run as a person runs them (deno run cli/main.ts …), against a
 * real systemd: the same commands as on Windows.
 */
import path from "path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { eventually } from "../helpers.ts";
import {
  cgroupProcesses,
  installTicker,
  notInSystemd,
  run,
  ticker,
  uniqueUnit,
  unitProcesses,
  unitProperty,
} from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });
const stubborn = fileURLToPath(new URL("./fixtures/stubborn.sh", import.meta.url));
const starts = fileURLToPath(new URL("./fixtures/starts.sh", import.meta.url));

const exists = (file: string) => Deno.stat(file).then(() => true, () => false);
const readPid = (file: string) => Deno.readTextFile(file).then((text) => Number(text.trim()), () => 0);
const alive = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);

test("InstallService and every ManageService run mode drive systemd, output in its spec file", async () => {
  const name = uniqueUnit("servitor-cli");
  const unit = `${name}.service`;
  const pidFile = path.join(await Deno.makeTempDir(), "pid");
  await installTicker(name, pidFile, "--stdout", "%SERVICE%.out.txt");
  const unitFile = `/etc/systemd/system/${unit}`;
  assertOk(await exists(unitFile));
  assertOk(await exists(`/etc/systemd/system/multi-user.target.wants/${unit}`), "auto start: enabled");
  assertEquals((await Deno.stat(`/etc/servitor/${name}`)).mode! & 0o777, 0o700);

  await servitorOk("ManageService", name, "start");
  const output = `/var/log/servitor/${name}/${name}.out.txt`;
  await eventually(() => Deno.readTextFile(output).catch(() => ""), (text) => text.includes("tick 3"));
  const status = JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout);
  assertEquals([status.state, status.start], ["running", "auto"]);
  assertMatch((await servitorOk("ManageService", name, "status")).stdout, /^state\s+running/m);

  // Killing the program: the host restarts it. Killing the host: systemd restarts it.
  const first = await eventually(() => readPid(pidFile), (pid) => pid > 0);
  Deno.kill(first, "SIGKILL");
  const second = await eventually(() => readPid(pidFile), (pid) => pid > 0 && pid !== first);
  const host = Number(await unitProperty(unit, "MainPID"));
  Deno.kill(host, "SIGKILL");
  await eventually(
    () => unitProperty(unit, "MainPID").then(Number),
    (pid) => pid > 0 && pid !== host,
    30_000,
  );
  await eventually(() => readPid(pidFile), (pid) => pid > 0 && pid !== second);

  await servitorOk("ManageService", name, "stop_and_restart");
  assertEquals(await unitProperty(unit, "ActiveState"), "active");
  await servitorOk("ManageService", name, "stop");
  assertEquals(await unitProcesses(unit), [], "stop leaves nothing in the unit's cgroup");
  // A clean stop owes no reason: none is shown.
  assertOk(!/^(reason|error log)/m.test((await servitorOk("ManageService", name, "status")).stdout));

  await servitorOk("ManageService", name, "remove");
  assertOk(!await exists(unitFile));
  await servitorOk("ManageService", name, "reinstall");
  assertOk(await exists(unitFile));
  await servitorOk("ManageService", name, "start");
  await servitorOk("ManageService", name, "stop_and_reinstall");
  await servitorOk("ManageService", name, "start");
  await servitorOk("ManageService", name, "stop_and_remove", "--remove_install_args");
  assertOk(!await exists(unitFile), "no unit file");
  assertOk(!await exists(`/etc/systemd/system/multi-user.target.wants/${unit}`), "no enabled symlink");
  assertOk(!await exists(`/etc/servitor/${name}`), "no configuration");
  assertEquals((await servitor("ManageService", name, "status")).code, 6);
});

test("ManageService remove of a running service stops it first: no host or program is left running", async () => {
  const name = uniqueUnit("servitor-cli-remove");
  const unit = `${name}.service`;
  const pidFile = path.join(await Deno.makeTempDir(), "pid");
  await installTicker(name, pidFile, "--start", "manual");
  try {
    await servitorOk("ManageService", name, "start");
    const program = await eventually(() => readPid(pidFile), (pid) => pid > 0);
    const host = Number(await unitProperty(unit, "MainPID"));
    // Read while the unit is there: once it is gone systemd no longer names its group.
    const cgroup = await unitProperty(unit, "ControlGroup");
    assertOk(cgroup !== "", "the running unit has a control group");
    const running = await cgroupProcesses(cgroup);
    assertOk(
      running.includes(host) && running.includes(program),
      `host and program in the cgroup: ${running}`,
    );

    await servitorOk("ManageService", name, "remove");
    assertEquals(
      [await unitProperty(unit, "LoadState"), await unitProperty(unit, "ActiveState")],
      ["not-found", "inactive"],
      "systemd forgot the unit, and nothing of it runs",
    );
    assertEquals(await cgroupProcesses(cgroup), [], "the unit's cgroup is empty");
    assertOk(!await alive(host), `the host ${host} outlived remove`);
    assertOk(!await alive(program), `the program ${program} outlived remove`);
    assertEquals((await servitor("ManageService", name, "status")).code, 6);
  } finally {
    await run("systemctl", "stop", unit);
    await servitor("ManageService", name, "remove", "--remove_install_args");
    await Deno.remove(`/etc/servitor/${name}`, { recursive: true }).catch(() => {});
  }
});

test("ManageService stop of a program that ignores SIGINT and SIGTERM succeeds: the host's escalation ends it", async () => {
  const name = uniqueUnit("servitor-cli-stubborn");
  const unit = `${name}.service`;
  const folder = await Deno.makeTempDir();
  const pidFile = path.join(folder, "pid");
  const signals = path.join(folder, "signals");
  await servitorOk("InstallService", stubborn, pidFile, signals, "--service_name", name, "--start", "manual");
  try {
    await servitorOk("ManageService", name, "start");
    const program = await eventually(() => readPid(pidFile), (pid) => pid > 0);
    const cgroup = await unitProperty(unit, "ControlGroup");

    await servitorOk("ManageService", name, "stop");
    // Both polite steps reached the program and were ignored: only the last one, SIGKILL, ended it.
    assertEquals((await Deno.readTextFile(signals)).trim().split("\n"), ["INT", "TERM"]);
    // TimeoutStopSec= outlasted the escalation: systemd did not have to kill the host in the middle of it.
    assertEquals(
      [await unitProperty(unit, "ActiveState"), await unitProperty(unit, "Result")],
      ["inactive", "success"],
    );
    assertEquals(await cgroupProcesses(cgroup), [], "nothing is left in the unit's cgroup");
    assertOk(!await alive(program), `the program ${program} outlived stop`);
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    await Deno.remove(folder, { recursive: true });
  }
});

test("a throttled program shows PAUSED, and ManageService continue starts it again at once, long before its restart delay is over", async () => {
  const name = uniqueUnit("servitor-cli-continue");
  const folder = await Deno.makeTempDir();
  const log = path.join(folder, "starts");
  const lines = () => Deno.readTextFile(log).then((text) => text.trim().split("\n"), () => []);
  // The program exits at once; without continue the host would wait the 10 minutes of AppRestartDelay.
  await servitorOk(
    "InstallService",
    starts,
    log,
    "--service_name",
    name,
    "--start",
    "manual",
    "--restart_delay",
    "10m",
  );
  try {
    await servitorOk("ManageService", name, "start");
    const waiting = await eventually(
      async () => JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout),
      (status) => status.nextStartAt !== undefined,
    );
    // systemd sees the host running; the host says its program waits, and a person sees PAUSED, as on
    // Windows — in ManageService status and in nssm's status and statuscode (7).
    assertEquals(waiting.state, "paused");
    // Why, and where the full log is: the host's own words, in status and --json alike.
    const errorLog = `/var/log/servitor/${name}/${name}_ERROR_LOG.txt`;
    assertMatch(waiting.reason, /exited with code \d+ .*the next start is due at .*send continue/);
    assertEquals(waiting.errorLog, errorLog);
    const shown = (await servitorOk("ManageService", name, "status")).stdout;
    assertMatch(shown, /^reason\s+the program exited with code \d+ .*the next start is due at/m);
    assertOk(shown.includes(`error log    ${errorLog}\n`), shown);
    assertEquals((await servitorOk("status", name)).stdout, "SERVICE_PAUSED\n");
    const code = await servitor("statuscode", name);
    assertEquals([code.code, code.stdout], [7, "SERVICE_PAUSED\n"]);
    assertOk(Date.parse(waiting.nextStartAt) - Date.now() > 60_000, `next start at ${waiting.nextStartAt}`);
    assertEquals((await lines()).length, 1);

    await servitorOk("ManageService", name, "continue");
    await eventually(lines, (started) => started.length === 2, 30_000);
    await eventually(
      async () => JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout),
      (status) => status.restarts === 1,
    );
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    await Deno.remove(folder, { recursive: true });
  }
});

test("ManageService start of a service whose service.yaml is broken exits 14 with the reason, and status shows it with the error log", async () => {
  const name = uniqueUnit("servitor-cli-broken");
  const unit = `${name}.service`;
  await installTicker(name, "/dev/null", "--start", "manual");
  try {
    await Deno.writeTextFile(`/etc/servitor/${name}/service.yaml`, "name: [broken\n");
    const errorLog = `/var/log/servitor/${name}/${name}_ERROR_LOG.txt`;
    const start = await servitor("ManageService", name, "start");
    assertEquals(start.code, 14, `${start.stdout}${start.stderr}`);
    assertMatch(
      start.stderr,
      /stopped again right after starting: cannot start: .*service\.yaml is not valid YAML/,
    );
    assertOk(start.stderr.includes(`(${errorLog})`), start.stderr);
    assertEquals(start.stdout, "", "never 'is running'");

    // The unit is Type=notify: systemd itself calls the start failed, since the host never said READY=1.
    assertEquals((await run("systemctl", "start", unit)).code !== 0, true, "systemctl start fails too");
    assertEquals(await unitProperty(unit, "Result"), "exit-code");

    const status = await servitorOk("ManageService", name, "status");
    assertMatch(status.stdout, /^state\s+stopped/m);
    assertMatch(status.stdout, /^reason\s+cannot start: .*service\.yaml is not valid YAML/m);
    assertOk(status.stdout.includes(`error log    ${errorLog}\n`), status.stdout);
    assertMatch(status.stdout, /^exit code\s+250 /m);
    const json = JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout);
    assertMatch(json.reason, /^cannot start: .*service\.yaml is not valid YAML/);
    assertEquals(json.errorLog, errorLog);
    // nssm's status prints the state word alone, as NSSM does.
    assertEquals((await servitorOk("status", name)).stdout, "SERVICE_STOPPED\n");
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
    await Deno.remove(`/etc/servitor/${name}`, { recursive: true }).catch(() => {});
  }
});

test("systemd-analyze verify accepts the unit InstallService writes for awkward arguments", async () => {
  const name = uniqueUnit("servitor-cli-verify");
  await servitorOk(
    "InstallService",
    ticker,
    "two words",
    'say "hi"',
    "100%",
    "$HOME",
    "back\\slash",
    "ünïcode",
    "--service_name",
    name,
    "--description",
    'awkward: 100% $HOME "quoted" ü',
    "--start",
    "manual",
  );
  try {
    const verify = await run("systemd-analyze", "verify", `/etc/systemd/system/${name}.service`);
    assertEquals(verify.stderr, "", verify.stderr);
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
  }
});

/**
 * systemd gives a host under an account of its own its spec as a credential, the store staying root's alone.
 * That takes a systemd that hands units their credentials at all: the test-bed's does since it boots with
 * shared mount propagation (tests/testbed/testbed.sh), and the probe first says so if that ever breaks.
 */
test("a service installed for LocalService runs as an unprivileged user of its own, its spec out of reach", async () => {
  const probe = await run(
    "systemd-run",
    "--wait",
    "--pipe",
    "--quiet",
    "-p",
    "LoadCredential=probe:/etc/hostname",
    "sh",
    "-c",
    'cat "$CREDENTIALS_DIRECTORY/probe"',
  );
  assertEquals(
    [probe.code, probe.stdout],
    [0, (await Deno.readTextFile("/etc/hostname")).trim()],
    `systemd hands a unit its credentials (LoadCredential=): ${probe.stderr}`,
  );
  const name = uniqueUnit("servitor-cli-dynamic");
  const unit = `${name}.service`;
  await servitorOk(
    "InstallService",
    ticker,
    "/dev/null",
    "--service_name",
    name,
    "--account",
    "LocalService",
    "--stdout",
    "%SERVICE%.out.txt",
    "--start",
    "manual",
  );
  try {
    await servitorOk("ManageService", name, "start");
    const output = `/var/log/servitor/${name}/${name}.out.txt`;
    await eventually(() => Deno.readTextFile(output).catch(() => ""), (text) => text.includes("tick 2"));
    const host = Number(await unitProperty(unit, "MainPID"));
    const uid = (await Deno.readTextFile(`/proc/${host}/status`)).match(/^Uid:\s+(\d+)/m)?.[1];
    assertOk(uid !== undefined && uid !== "0", `the host runs as uid ${uid}`);
    assertEquals((await Deno.stat(`/etc/servitor/${name}`)).mode! & 0o777, 0o700, "the store stays root's");
    await servitorOk("ManageService", name, "stop");
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
  }
});

test("nssm's verbs drive systemd too: install, set, get, start, status, statuscode, dump, stop, remove; a Windows-only parameter says so; NSSM's words for a taken or missing name", async () => {
  const name = uniqueUnit("servitor-nssm");
  const unit = `${name}.service`;
  await servitorOk("install", name, ticker, "/dev/null");
  try {
    await servitorOk("set", name, "AppThrottle", "3000");
    assertEquals((await servitorOk("get", name, "AppThrottle")).stdout, "3000\n");
    await servitorOk("set", name, "DisplayName", "nssm on Linux");
    assertEquals((await servitorOk("get", name, "DisplayName")).stdout, "nssm on Linux\n");
    assertEquals(await unitProperty(unit, "Description"), "nssm on Linux", "the unit follows set");
    // A Windows-only parameter is kept, with one line saying it changes nothing here; a Linux one is quiet.
    const console = await servitorOk("set", name, "AppNoConsole", "1");
    assertMatch(
      console.stderr,
      /^servitor: AppNoConsole means nothing under systemd \(.*\): kept, but it changes nothing here\n$/,
    );
    assertEquals((await servitorOk("get", name, "AppNoConsole")).stdout, "1\n");
    assertEquals((await servitorOk("get", name, "AppThrottle")).stderr, "");
    await servitorOk("start", name);
    assertEquals((await servitorOk("status", name)).stdout, "SERVICE_RUNNING\n");
    // nssm's statuscode: the state's name, and its number as the exit code (SERVICE_RUNNING is 4).
    const code = await servitor("statuscode", name);
    assertEquals([code.code, code.stdout], [4, "SERVICE_RUNNING\n"]);
    assertMatch((await servitorOk("dump", name)).stdout, new RegExp(`set ${name} AppThrottle 3000`));
    await servitorOk("stop", name);
    assertEquals(await unitProcesses(unit), []);
    // NSSM's own words where it has the failure (tests/windows/nssm_messages_facts.md), Windows' sentences.
    assertEquals(await servitor("install", name, ticker), {
      code: 5,
      stdout: "",
      stderr: "Error creating service!\nCreateService(): The specified service already exists.\n\n",
    });
  } finally {
    await servitor("remove", name, "confirm");
  }
  assertOk(!await exists(`/etc/systemd/system/${unit}`));
  for (const [args, code] of [[["get", name, "Name"], 3], [["statuscode", name], 0]] as const) {
    assertEquals(await servitor(...args), {
      code,
      stdout: "",
      stderr:
        "Can't open service!\nOpenService(): The specified service does not exist as an installed service.\n\n",
    }, `${args.join(" ")} once it is removed`);
  }
});
