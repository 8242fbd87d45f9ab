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
