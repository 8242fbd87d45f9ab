/**
 * Beyond NSSM on Linux, end to end (issue 15): InstallService's options for environment files, health checks,
 * limits and scheduled restarts stored and exported; bad ones refused with nothing installed; and
 * `ManageService <name> logs` reading and following a service's output and its error log.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { servitor, servitorLines, servitorOk } from "../servitor.ts";
import { installTicker, notInSystemd, uniqueUnit } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });
const exists = (file: string) => Deno.stat(file).then(() => true, () => false);

test("InstallService stores the settings beyond NSSM in service.yaml, and export shows them", async () => {
  const name = uniqueUnit("servitor-beyond");
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.env`, "PORT=8080\n");
  await servitorOk(
    ...["InstallService", "/bin/sleep", "100", "--service_name", name, "--start", "manual"],
    ...["--env_file", `${dir}/app.env`, "--env_file", `${dir}/later.env`],
    ...["--health", "http://127.0.0.1:8080/health", "--health_interval", "5s", "--health_retries", "2"],
    ...["--health_action", "none", "--max_memory", "512M", "--max_cpu", "50"],
    ...["--restart_every", "1d", "--restart_at", "04:30"],
  );
  try {
    const stored = await Deno.readTextFile(`/etc/servitor/${name}/service.yaml`);
    for (
      const line of [
        /envFiles:\n\s+- \S+\/app\.env\n\s+- \S+\/later\.env/,
        /check: http:\/\/127\.0\.0\.1:8080\/health/,
        /intervalMs: 5000/,
        /retries: 2/,
        /action: none/,
        /maxMemoryBytes: 536870912/,
        /maxCpuPercent: 50/,
        /restartEveryMs: 86400000/,
        /restartAt: "?04:30"?/,
      ]
    ) assertMatch(stored, line);
    const exported = (await servitorOk("export", name)).stdout;
    assertMatch(exported, /health:\n\s+check: http:\/\/127\.0\.0\.1:8080\/health\n\s+intervalMs: 5000/);
    assertMatch(exported, /maxMemoryBytes: 536870912/);
    assertMatch(exported, /restartAt: "?04:30"?/);
    assertMatch(exported, /app\.env/);
    assertOk(!exported.includes("PORT=8080"), "an env file's values are not the export's business");
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
    await Deno.remove(dir, { recursive: true });
  }
});

test("bad values beyond NSSM: one line each, exit 3, nothing installed", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/nul.env`, "A=1\nB=\0\n");
  const cases: [string[], RegExp][] = [
    [["--health", "gopher://h/"], /--health: .*gopher: is not a health-check scheme/],
    [["--health", "tcp://h:70000"], /port 70000 is out of range/],
    [["--health", "http://h/a b"], /can't contain spaces/],
    [["--health", "tcp://h:1", "--health_interval", "0"], /--health_interval: '0' must be more than 0/],
    [["--max_memory", "100K"], /--max_memory: 100K is below 1M/],
    [["--max_cpu", "100000"], /--max_cpu: 100000% of one core is more than this machine has/],
    [["--restart_at", "25:00"], /--restart_at: "25:00" is not a time of day/],
    [["--env_file", `${dir}/nul.env`], /--env_file: \S+nul\.env:2: contains a NUL/],
  ];
  try {
    for (const [options, message] of cases) {
      const name = uniqueUnit("servitor-bad");
      const result = await servitor(
        "InstallService",
        "/bin/sleep",
        "100",
        "--service_name",
        name,
        ...options,
      );
      assertEquals(result.code, 3, options.join(" "));
      assertMatch(result.stderr, message);
      assertEquals(result.stderr.trim().split("\n").length, 1, `one line: ${result.stderr}`);
      assertOk(!await exists(`/etc/servitor/${name}`), "nothing stored");
      assertOk(!await exists(`/etc/systemd/system/${name}.service`), "no unit");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("logs -n shows the last lines of a running service's output; --error_log its error log", async () => {
  const name = uniqueUnit("servitor-logs");
  const pidFile = `${await Deno.makeTempDir()}/pid`;
  await installTicker(name, pidFile, "--stdout", "%SERVICE%.out.txt");
  try {
    await servitorOk("ManageService", name, "start");
    const output = `/var/log/servitor/${name}/${name}.out.txt`;
    await eventually(() => Deno.readTextFile(output).catch(() => ""), (text) => text.includes("tick 5"));
    const shown = (await servitorOk("ManageService", name, "logs", "-n", "3")).stdout.trim().split("\n");
    assertEquals(shown.length, 3);
    const first = Number(shown[0].split(" ")[1]);
    assertEquals(shown, [`tick ${first}`, `tick ${first + 1}`, `tick ${first + 2}`]);
    assertOk(first >= 3, "the last lines, not the first");
    await servitorOk("ManageService", name, "stop");
    // Stopped, the same file.
    assertMatch((await servitorOk("ManageService", name, "logs", "-n", "1")).stdout, /^tick \d+\n$/);
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
  }

  // A start that fails on a missing environment file: the error log says why, and logs --error_log shows it.
  const failing = uniqueUnit("servitor-logs-err");
  await servitorOk(
    ...["InstallService", "/bin/sleep", "100", "--service_name", failing, "--start", "manual"],
    ...["--env_file", "/nonexistent/app.env"],
  );
  try {
    const start = await servitor("ManageService", failing, "start");
    assertEquals(start.code, 14, start.stderr);
    const errorLog = (await servitorOk("ManageService", failing, "logs", "--error_log")).stdout;
    assertMatch(errorLog, /environment file \/nonexistent\/app\.env can't be read \(no such file\)/);
  } finally {
    await servitor("ManageService", failing, "remove", "--remove_install_args");
  }
});

test("logs -f follows the output across online rotations, every line once, until Ctrl-C", async () => {
  const name = uniqueUnit("servitor-follow");
  const count = 300;
  const script =
    `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); echo "line $i"; sleep 0.02; done; exec sleep 1000`;
  await servitorOk(
    ...["InstallService", "/bin/sh", "-c", script, "--service_name", name, "--start", "manual"],
    ...["--stdout", "out.log", "--rotate_online", "--rotate_bytes", "512"],
  );
  const { child: follower, lines: seen, done: reading, stderr } = servitorLines(
    ...["ManageService", name, "logs", "-f", "-n", "0"],
  );
  try {
    await servitorOk("ManageService", name, "start");
    await eventually(() => Promise.resolve(seen.length), (n) => n >= count, 60_000);
    follower.kill("SIGINT");
    assertEquals((await follower.status).code, 0, await stderr);
    await reading;
    assertEquals(seen, Array.from({ length: count }, (_, i) => `line ${i + 1}`));
    const rotated = [...Deno.readDirSync(`/var/log/servitor/${name}`)].filter((entry) =>
      entry.name.startsWith("out-")
    );
    assertOk(rotated.length >= 3, `rotated while followed: ${rotated.map((entry) => entry.name)}`);
  } finally {
    try {
      follower.kill("SIGKILL");
    } catch { /* gone */ }
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});
