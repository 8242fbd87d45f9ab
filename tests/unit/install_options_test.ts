import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import {
  applyInstallOptions,
  installUsage,
  parseDuration,
  parseInstallArgs,
  parseRecovery,
  parseSize,
} from "../../cli/install_options.ts";
import { absoluteArguments, resolveProgram } from "../../cli/install.ts";
import { CliError } from "../../cli/errors.ts";
import { defaultSpec } from "../../service/spec.ts";

function failure(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("it did not fail");
}

Deno.test("what is not a servitor option goes to the program, in order, and -- hands over the rest", () => {
  const parsed = parseInstallArgs([
    "server.exe",
    "--port",
    "80",
    "--service_name",
    "web",
    "-v",
    "--display-name=Web server",
    "--",
    "--service_name",
    "kept",
  ]);
  assertEquals(parsed.program, "server.exe");
  assertEquals(parsed.programArgs, ["--port", "80", "-v", "--service_name", "kept"]);
  assertEquals(parsed.options, { service_name: "web", display_name: "Web server" });
});

Deno.test("InstallService <program> -h is a request for help, as OpenMSIStream documents it; a -h for the program goes after --", () => {
  for (const args of [["prog", "-h"], ["prog", "--help"], ["prog", "--port", "80", "-h"]]) {
    assertEquals(parseInstallArgs(args).help, true, args.join(" "));
  }
  // With a name to install under, a -h after the program stays the program's, as every other word does.
  const named = parseInstallArgs(["prog", "-h", "--service_name", "web"]);
  assertEquals([named.help, named.programArgs], [false, ["-h"]]);
  const handedOver = parseInstallArgs(["prog", "--", "-h"]);
  assertEquals([handedOver.help, handedOver.programArgs], [false, ["-h"]]);
  assertMatch(installUsage(), /\nA -h or --help meant for the program goes after --: /);
});

Deno.test("repeatable options collect every value; a missing value is a usage error", () => {
  const parsed = parseInstallArgs([
    "p",
    "--env",
    "A=1",
    "--env",
    "B=2",
    "--depends_on",
    "db",
    "--service_name",
    "s",
  ]);
  assertEquals(parsed.options.env, ["A=1", "B=2"]);
  assertEquals(failure(() => parseInstallArgs(["p", "--service_name"])).exitCode, 2);
  assertEquals(failure(() => parseInstallArgs(["--port", "1"])).exitCode, 2);
});

Deno.test("times and sizes take units; a bare number is milliseconds", () => {
  assertEquals([parseDuration("1500", "x"), parseDuration("5s", "x"), parseDuration("2m", "x")], [
    1500,
    5000,
    120000,
  ]);
  assertEquals(parseDuration("30", "x", "s"), 30000);
  assertEquals([parseSize("10M", "x"), parseSize("512k", "x"), parseSize("7", "x")], [10485760, 524288, 7]);
  assertMatch(failure(() => parseDuration("soon", "throttle")).message, /--throttle: 'soon' is not a time/);
});

Deno.test("--on_failure becomes the service manager's recovery, a day's reset by default", () => {
  assertEquals(parseRecovery("restart/5s,restart/30s,none", undefined), {
    actions: [
      { action: "restart", delayMs: 5000 },
      { action: "restart", delayMs: 30000 },
      { action: "none", delayMs: 0 },
    ],
    resetSeconds: 86400,
  });
  assertEquals(failure(() => parseRecovery("explode/5s", undefined)).exitCode, 3);
});

Deno.test("options land in NSSM's settings of the spec", () => {
  const spec = applyInstallOptions(defaultSpec("s", "/p"), {
    start: "delayed",
    account: "NT AUTHORITY\\LocalService",
    exit: ["0=exit", "default=ignore"],
    throttle: "3s",
    stop_timeout: "10s",
    hook: ["start/pre=/bin/check"],
    env: ["PATH=/opt:%PATH%"],
    rotate_online: true,
    rotate_bytes: "1M",
    priority: "BELOW_NORMAL_PRIORITY_CLASS",
    restart_budget: "5/10m",
  });
  assertEquals(spec.start, "delayed");
  assertEquals(spec.account, { kind: "local_service" });
  assertEquals(spec.exit, { default: "ignore", codes: { "0": "exit" } });
  assertEquals(spec.throttleMs, 3000);
  assertEquals([spec.stop.consoleMs, spec.stop.windowMs, spec.stop.threadsMs], [10000, 10000, 10000]);
  assertEquals(spec.hooks, { "Start/Pre": "/bin/check" });
  assertEquals(spec.environmentExtra, ["PATH=/opt:%PATH%"]);
  assertEquals([spec.output.rotation.files, spec.output.rotation.online, spec.output.rotation.bytes], [
    true,
    true,
    1048576,
  ]);
  assertEquals(spec.priority, "below_normal");
  assertEquals(spec.restartBudget, { restarts: 5, seconds: 600 });
});

Deno.test("a bad option value names the option and the value, with exit code 3", () => {
  for (
    const [options, message] of [
      [{ start: "sometimes" }, /--start: 'sometimes' is not one of auto, delayed, manual, disabled/],
      [{ exit: ["x=restart"] }, /--exit: 'x=restart' is not CODE=ACTION/],
      [{ hook: ["Start/Later=x"] }, /--hook: 'Start\/Later=x'/],
      [{ affinity: "2-1" }, /--affinity/],
      [{ env: ["NOVALUE"] }, /--env: 'NOVALUE' is not KEY=VALUE/],
    ] as const
  ) {
    const error = failure(() => applyInstallOptions(defaultSpec("s", "/p"), options as never));
    assertEquals(error.exitCode, 3);
    assertMatch(error.message, message);
  }
});

Deno.test("the options beyond NSSM land in the spec: env files, health check, limits, scheduled restarts", () => {
  const parsed = parseInstallArgs([
    "/srv/web",
    "--service_name",
    "web",
    "--env_file",
    "/etc/web/base.env",
    "--env-file=/etc/web/secrets.env",
    "--health",
    "http://127.0.0.1:8080/health",
    "--health_interval",
    "5s",
    "--health_timeout",
    "500ms",
    "--health_retries",
    "2",
    "--health_start",
    "1m",
    "--health_action",
    "none",
    "--max_memory",
    "512M",
    "--max_cpu",
    "150",
    "--restart_every",
    "1d",
    "--restart_at",
    "04:30, 16:00",
  ]);
  const spec = applyInstallOptions(defaultSpec("web", "/srv/web"), parsed.options, { cores: 2 });
  assertEquals(spec.envFiles, ["/etc/web/base.env", "/etc/web/secrets.env"]);
  assertEquals(spec.health, {
    check: "http://127.0.0.1:8080/health",
    intervalMs: 5000,
    timeoutMs: 500,
    retries: 2,
    startMs: 60_000,
    action: "none",
  });
  assertEquals([spec.maxMemoryBytes, spec.maxCpuPercent], [512 * 1024 ** 2, 150]);
  assertEquals([spec.restartEveryMs, spec.restartAt], [86_400_000, "04:30,16:00"]);
  // --health alone takes the defaults.
  assertEquals(applyInstallOptions(defaultSpec("s", "/p"), { health: "tcp://localhost:5432" }).health, {
    check: "tcp://localhost:5432",
    intervalMs: 10_000,
    timeoutMs: 3_000,
    retries: 3,
    startMs: 30_000,
    action: "restart",
  });
  assertMatch(installUsage(), /--max_cpu <value> .*percent of ONE core .*at most 100 × cores/);
});

Deno.test("bad values beyond NSSM: each one line naming the option, exit code 3", () => {
  for (
    const [options, message] of [
      [{ health: "ftp://host/" }, /--health: .*ftp: is not a health-check scheme/],
      [{ health: "tcp://host:70000" }, /--health: .*port 70000 is out of range/],
      [{ health: "http://host/a path" }, /--health: .*can't contain spaces/],
      [{ health: "tcp://h:1", health_interval: "0" }, /--health_interval: '0' must be more than 0/],
      [{ health: "tcp://h:1", health_retries: "0" }, /--health_retries: at least 1/],
      [
        { health: "tcp://h:1", health_action: "reboot" },
        /--health_action: 'reboot' is not one of restart, none/,
      ],
      [{ health_interval: "5s" }, /--health_interval needs a health check to tune: add --health/],
      [{ max_memory: "512K" }, /--max_memory: 512K is below 1M/],
      [{ max_memory: "lots" }, /--max_memory: 'lots' is not a size/],
      [
        { max_cpu: "300" },
        /--max_cpu: 300% of one core is more than this machine has \(2 cores: at most 200\)/,
      ],
      [{ max_cpu: "0" }, /--max_cpu: '0' is not a percentage of one core above 0/],
      [{ restart_at: "25:00" }, /--restart_at: "25:00" is not a time of day/],
      [{ restart_every: "500ms" }, /--restart_every: '500ms' is less than 1s/],
      [{ env_file: ["app.env"] }, /--env_file: 'app.env' is not an absolute path/],
    ] as const
  ) {
    const error = failure(() => applyInstallOptions(defaultSpec("s", "/p"), options as never, { cores: 2 }));
    assertEquals(error.exitCode, 3, String(message));
    assertMatch(error.message, message);
    assertOk(!error.message.includes("\n"), "one line");
  }
});

Deno.test("the program is found relative to the current directory or on PATH, with PATHEXT on Windows", () => {
  const files = new Set(["/home/me/app/run.sh", "/usr/bin/python3", "C:\\tools\\node.exe"]);
  const isFile = (file: string) => files.has(file);
  assertEquals(resolveProgram("app/run.sh", "/home/me", {}, false, isFile), "/home/me/app/run.sh");
  assertEquals(
    resolveProgram("python3", "/srv", { PATH: "/usr/local/bin:/usr/bin" }, false, isFile),
    "/usr/bin/python3",
  );
  assertEquals(resolveProgram("node", "C:\\srv", { Path: "C:\\tools" }, true, isFile), "C:\\tools\\node.exe");
  assertEquals(resolveProgram("missing", "/srv", { PATH: "/usr/bin" }, false, isFile), undefined);
});

Deno.test("program arguments naming existing relative paths become absolute, with a line saying so", () => {
  const { args, notes } = absoluteArguments(
    ["--config", "conf/app.yaml", "8080", "-v"],
    "/srv/app",
    false,
    (file) => file === "/srv/app/conf/app.yaml",
  );
  assertEquals(args, ["--config", "/srv/app/conf/app.yaml", "8080", "-v"]);
  assertEquals(notes.length, 1);
  assertOk(notes[0].includes("/srv/app/conf/app.yaml"));
});
