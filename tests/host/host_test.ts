/**
 * The host supervising real programs on Linux, run as a person runs it in a console: signals to the host
 * are the service manager's controls (SIGINT/SIGTERM stop, SIGUSR2 continue; SIGHUP rotates under systemd).
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { alive, fixtures, startHost, storedService } from "./helpers.ts";
import { eventually, readLines, sleep } from "../helpers.ts";
import { HostExitCode } from "../../service/vocabulary.ts";
import { runHost } from "../../host/host.ts";
import { posixLauncher } from "../../host/launcher_posix.ts";
import type { Launcher } from "../../host/launcher.ts";
import type { ControlAnswer, IncomingControl, ServiceSession, StatusReport } from "../../protocol/session.ts";
import { rotatedFiles } from "../../host/rotation.ts";

const sh = (name: string) => path.join(fixtures, name);

Deno.test("a program that dies at once restarts after 0, 2 and 4 s, then at once after a long run", async () => {
  await using service = await storedService(sh("restarts.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "starts")];
    spec.throttleMs = 500; // the 1 s run counts as a healthy one
  });
  await using host = startHost(service.root, service.spec.name);
  const starts = await eventually(
    () => readLines(path.join(service.root, "starts")),
    (lines) => lines.length >= 5,
    20_000,
  );
  const gaps = starts.map(Number).slice(1).map((at, i) => at - Number(starts[i]));
  // Runs 1–3 die at once: restart at once, then after 2 s, then 4 s; run 4 lives 1 s, and the restart is immediate.
  const expected = [0, 2000, 4000, 1000];
  for (const [i, gap] of gaps.slice(0, 4).entries()) {
    assertOk(Math.abs(gap - expected[i]) < 600, `gap ${i + 1} was ${gap} ms, expected about ${expected[i]}`);
  }
  assertMatch(host.stderr, /paused — the program exited with code 1 after .*next start is due/);
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  // "Stuck in Paused": the error log says why, though nothing failed in the host.
  assertMatch(
    await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`)),
    /WRN.*the program exited with code 1 after \d+\.\d s; the next start is due at .* \(in 2\.0 s\)/,
  );
});

Deno.test("AppExit Ignore: the program is not restarted and the host keeps running", async () => {
  await using service = await storedService(sh("exit_with.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "runs"), "3"];
    spec.exit.codes["3"] = "ignore";
  });
  await using host = startHost(service.root, service.spec.name);
  await host.waitFor(/exited with code 3/);
  await sleep(800);
  assertEquals((await readLines(path.join(service.root, "runs"))).length, 1);
  const status = JSON.parse(await Deno.readTextFile(path.join(service.logs, "status.json")));
  assertEquals(status.state, "running");
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
});

Deno.test("AppExit Exit: the service stops with the program's exit code", async () => {
  await using service = await storedService(sh("exit_with.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "runs"), "4"];
    spec.exit.default = "exit";
  });
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), 4);
  assertMatch(host.stderr, /stopped/);
  assertEquals((await readLines(path.join(service.root, "runs"))).length, 1);
});

Deno.test("AppExit Suicide: the host dies with the code and never reports STOPPED", async () => {
  await using service = await storedService(sh("exit_with.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "runs"), "6"];
    spec.exit.codes["6"] = "suicide";
  });
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), 6);
  assertOk(!/: stopped/.test(host.stderr), host.stderr);
});

for (const stubborn of ["int", "term"] as const) {
  const ignores = stubborn === "int" ? "SIGINT" : "SIGINT and SIGTERM";
  Deno.test(`stop escalates past a program that ignores ${ignores}, and leaves no grandchild`, async () => {
    await using service = await storedService(sh("stubborn.sh"), [], (spec, root) => {
      spec.arguments = [path.join(root, "signals"), stubborn];
      spec.stop.consoleMs = 600;
      spec.stop.windowMs = 600;
    });
    const signals = path.join(service.root, "signals");
    await using host = startHost(service.root, service.spec.name);
    const lines = await eventually(
      () => readLines(signals),
      (lines) => lines.some((l) => l.startsWith("ready")),
    );
    const grandchild = Number(lines.find((line) => line.startsWith("grandchild"))!.split(" ")[1]);
    assertOk(alive(grandchild));
    const stopAt = Date.now();
    host.signal("SIGINT");
    assertEquals(await host.exit(), 0);
    const elapsed = Date.now() - stopAt;
    const got = (await readLines(signals)).map((line) => line.split(" ")[0]).filter((s) =>
      s === "INT" || s === "TERM"
    );
    assertEquals(got, ["INT", "TERM"]);
    // Ignoring both takes the SIGINT wait and the SIGTERM wait before SIGKILL; the SIGINT wait alone otherwise.
    const least = stubborn === "int" ? 600 : 1200;
    assertOk(elapsed >= least && elapsed < least + 2500, `the stop took ${elapsed} ms`);
    await eventually(() => alive(grandchild), (isAlive) => !isAlive, 3000);
  });
}

Deno.test("the program's output lands in its spec file, relative to the log directory", async () => {
  await using service = await storedService(sh("chatty.sh"), [], (spec) => {
    spec.output.stdout = "%SERVICE%.out.txt";
    spec.output.stderr = "%SERVICE%.out.txt";
  });
  await using host = startHost(service.root, service.spec.name);
  const file = path.join(service.logs, `${service.spec.name}.out.txt`);
  await eventually(() => readLines(file), (lines) => lines.includes("line 3"));
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  const lines = await readLines(file);
  assertOk(lines.includes("to stderr"), "stderr interleaved into the same file");
  assertEquals(
    lines.filter((line) => line.startsWith("line")),
    lines.filter((l) => l.startsWith("line")).map((_, i) => `line ${i + 1}`),
  );
});

Deno.test("hooks run in NSSM's order with NSSM's variables, and Start/Pre exiting 99 aborts the start", async () => {
  await using service = await storedService(sh("chatty.sh"), [], (spec, root) => {
    const record =
      `echo "$NSSM_EVENT/$NSSM_ACTION $SERVITOR_SERVICE_NAME $NSSM_THROTTLE_COUNT" >> ${root}/hooks`;
    for (const event of ["Start/Pre", "Start/Post", "Stop/Pre", "Exit/Post"] as const) {
      spec.hooks[event] = record;
    }
  });
  await using host = startHost(service.root, service.spec.name);
  await eventually(() => readLines(path.join(service.root, "hooks")), (lines) => lines.length >= 2);
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  const name = service.spec.name;
  // NSSM_THROTTLE_COUNT as NSSM 2.24 showed it: raised before the start, reset once past AppThrottle.
  assertEquals(await readLines(path.join(service.root, "hooks")), [
    `Start/Pre ${name} 1`,
    `Start/Post ${name} 0`,
    `Stop/Pre ${name} 0`,
    `Exit/Post ${name} 0`,
  ]);

  await using aborted = await storedService(sh("exit_with.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "runs"), "0"];
    spec.hooks["Start/Pre"] = "exit 99";
    spec.hooks["Exit/Post"] =
      `echo "$NSSM_EVENT/$NSSM_ACTION $NSSM_EXITCODE $NSSM_EXIT_COUNT [$NSSM_APPLICATION_PID]" >> ${root}/hooks`;
  });
  await using abortedHost = startHost(aborted.root, aborted.spec.name);
  assertEquals(await abortedHost.exit(), HostExitCode.startAborted);
  assertEquals(await readLines(path.join(aborted.root, "runs")), []);
  // As NSSM: Exit/Post still runs after the abort, exit code 0 and one exit counted.
  assertEquals(await readLines(path.join(aborted.root, "hooks")), ["Exit/Post 0 1 []"]);
  assertMatch(
    await Deno.readTextFile(path.join(aborted.logs, `${aborted.spec.name}_ERROR_LOG.txt`)),
    /Start\/Pre hook exited with 99/,
  );
});

Deno.test("AppRedirectHook: Start/Post's and Stop/Pre's output lands in the output file, Exit/Post's not (as NSSM)", async () => {
  await using service = await storedService(sh("chatty.sh"), [], (spec, root) => {
    spec.output.stdout = "out.log";
    spec.output.redirectHooks = true;
    for (const event of ["Start/Post", "Stop/Pre", "Exit/Post"] as const) {
      spec.hooks[event] = `echo "hook $NSSM_EVENT/$NSSM_ACTION"; echo ran >> ${root}/ran`;
    }
  });
  await using host = startHost(service.root, service.spec.name);
  const file = path.join(service.logs, "out.log");
  await eventually(() => readLines(file), (lines) => lines.includes("hook Start/Post"));
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  await eventually(() => readLines(path.join(service.root, "ran")), (lines) => lines.length === 3);
  const hooks = (await readLines(file)).filter((line) => line.startsWith("hook"));
  assertEquals(hooks, ["hook Start/Post", "hook Stop/Pre"]);
});

Deno.test({
  name:
    "AppAffinity naming processors the machine lacks: the program runs on those it has, not in a restart loop",
  ignore: navigator.hardwareConcurrency >= 64,
  async fn() {
    for (const [affinity, expected] of [["0,63", "0"], ["63", undefined]] as const) {
      await using service = await storedService("/bin/sh", [], (spec, root) => {
        spec.arguments = ["-c", `grep Cpus_allowed_list /proc/self/status >> ${root}/cpus; exec sleep 100`];
        spec.affinity = affinity;
      });
      await using host = startHost(service.root, service.spec.name);
      const lines = await eventually(() => readLines(path.join(service.root, "cpus")), (l) => l.length >= 1);
      const all = /Cpus_allowed_list:\s*(\S+)/.exec(await Deno.readTextFile("/proc/self/status"))![1];
      assertEquals(lines[0].split(/\s+/)[1], expected ?? all);
      await sleep(500);
      assertEquals(
        (await readLines(path.join(service.root, "cpus"))).length,
        1,
        "started once, not restarted",
      );
      assertMatch(host.stderr, /AppAffinity .*no processor 63/);
      host.signal("SIGINT");
      assertEquals(await host.exit(), 0);
    }
  },
});

Deno.test("a missing program stops the host at once with the reason in the error log", async () => {
  await using service = await storedService("/nonexistent/program", []);
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), HostExitCode.launchFailed);
  assertMatch(
    await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`)),
    /cannot start \/nonexistent\/program/,
  );
});

Deno.test("a corrupt configuration is one clear error and a service-specific code, not a crash", async () => {
  await using service = await storedService("/bin/true", []);
  await Deno.writeTextFile(path.join(service.root, service.spec.name, "service.yaml"), "name: [broken\n");
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), HostExitCode.configuration);
  assertMatch(host.stderr, /not valid YAML/);
  assertOk(!/at .*\.ts:\d+/.test(host.stderr), "no stack trace");
});

Deno.test("a hand edit of service.yaml is what the host runs, though the checked form beside it is older", async () => {
  await using service = await storedService("/bin/echo", ["as installed"], (spec) => {
    spec.output.stdout = "out.log";
    spec.exit.default = "exit";
  });
  const file = path.join(service.root, service.spec.name, "service.yaml");
  await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("as installed", "as edited"));
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), 0);
  assertEquals(await readLines(path.join(service.logs, "out.log")), ["as edited"]);
});

Deno.test("run from a console, the host shows the program's output and Ctrl-C stops it", async () => {
  await using service = await storedService(sh("chatty.sh"), []);
  await using host = startHost(service.root, service.spec.name);
  await eventually(() => host.stdout, (text) => text.includes("line 2"));
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  assertMatch(host.stderr, /running[\s\S]*stop pending[\s\S]*stopped/);
});

Deno.test("under systemd, SIGHUP (user control 128) rotates the output now, at a line boundary", async () => {
  await using service = await storedService(sh("chatty.sh"), [], (spec) => {
    spec.output.stdout = "out.log";
    spec.output.rotation.online = true;
  });
  await using host = startHost(service.root, service.spec.name, { underSystemd: true });
  const file = path.join(service.logs, "out.log");
  await eventually(() => readLines(file), (lines) => lines.includes("line 3"));
  host.signal("SIGHUP");
  const rotated = await eventually(() => rotatedFiles(file), (files) => files.length === 1);
  await eventually(() => readLines(file), (lines) => lines.length >= 2);
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  const all = [...await readLines(rotated[0].path), ...await readLines(file)];
  assertEquals(all, all.map((_, i) => `line ${i + 1}`), "every line once, in order, none split");
});

Deno.test("with online rotation the program's stdout pipe holds 1 MiB (the host widened it), so a fast writer waits less", async () => {
  await using service = await storedService(Deno.execPath(), [
    "run",
    "--allow-ffi",
    `${fixtures}pipe_capacity.ts`,
  ], (spec) => {
    spec.output.stdout = "out.log";
    spec.output.rotation.online = true;
  });
  await using host = startHost(service.root, service.spec.name);
  const file = path.join(service.logs, "out.log");
  const lines = await eventually(
    () => readLines(file),
    (lines) => lines.some((line) => line.startsWith("stdout")),
  );
  assertEquals(lines.find((line) => line.startsWith("stdout")), `stdout pipe capacity ${1024 * 1024}`);
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
});

Deno.test("under a service manager the program writes its log itself: both streams in one file, an awkward path, and the host's own lines", async () => {
  const awkward = `logs "quoted" $HOME \`x\` ü`;
  await using service = await storedService(sh("chatty.sh"), [], (spec) => {
    spec.output.stdout = `${awkward}/both.log`;
    spec.output.stderr = `${awkward}/both.log`;
    spec.output.redirectHooks = true;
    spec.hooks["Start/Post"] = "echo hook says hello";
  });
  await using host = startHost(service.root, service.spec.name, { underSystemd: true });
  const file = path.join(service.logs, awkward, "both.log");
  // Start/Post runs once the program has outlived AppThrottle, as NSSM's.
  await eventually(() => readLines(file), (lines) => lines.includes("hook says hello"));
  // The program itself holds the file (no copy through the host): its own open file descriptors show it.
  const status = JSON.parse(await Deno.readTextFile(path.join(service.logs, "status.json")));
  const descriptors = [...Deno.readDirSync(`/proc/${status.programPid}/fd`)]
    .map((entry) => Deno.readLinkSync(`/proc/${status.programPid}/fd/${entry.name}`));
  assertOk(descriptors.includes(file), `the program writes ${file} itself: ${descriptors.join(", ")}`);
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
  const lines = await readLines(file);
  assertOk(lines.includes("to stderr"), "stderr is in the shared file");
  const numbered = lines.filter((line) => line.startsWith("line "));
  assertEquals(numbered, numbered.map((_, i) => `line ${i + 1}`), "every line once, in order");
});

/**
 * A service manager's session that records what the host reports (`check` may throw, as SetServiceStatus
 * can fail) and lets go once STOPPED is reported.
 */
function recordingSession(name: string, check: (status: StatusReport) => void = () => {}) {
  const reports: StatusReport[] = [];
  let closed!: () => void;
  const session: ServiceSession = {
    kind: "scm",
    name,
    args: [],
    closed: new Promise((resolve) => closed = resolve),
    get last() {
      return reports.at(-1);
    },
    report(status) {
      check(status);
      reports.push(status);
      if (status.state === "stopped") closed();
    },
  };
  return { session, reports };
}

Deno.test("an internal error ends the program's tree, reports STOPPED 254 and says why in the error log", async () => {
  await using service = await storedService(sh("stubborn.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "signals"), "term"]; // ignores SIGINT and SIGTERM: only a kill ends it
  });
  const systemLog: string[] = [];
  let handler: ((control: IncomingControl) => ControlAnswer) | undefined;
  // A session whose STOP_PENDING report fails, as SetServiceStatus could: the host is left unable to go on.
  const { session, reports } = recordingSession(service.spec.name, (status) => {
    if (status.state === "stop_pending") throw new Error("SetServiceStatus failed (simulated)");
  });
  const outcome = runHost({ name: service.spec.name, configRoot: service.root }, {
    windows: false,
    launcher: posixLauncher,
    exe: "servitor",
    version: "test",
    systemLog: (level, message) => systemLog.push(`${level}: ${message}`),
    connect: (_name, onControl) => {
      handler = onControl;
      return Promise.resolve(session);
    },
  });
  const lines = await eventually(
    () => readLines(path.join(service.root, "signals")),
    (lines) => lines.some((l) => l.startsWith("ready")),
  );
  const grandchild = Number(lines.find((line) => line.startsWith("grandchild"))!.split(" ")[1]);
  handler!({ kind: "stop" });
  assertEquals(await outcome, { code: HostExitCode.internal, suicide: false });
  assertEquals(reports.at(-1)?.state, "stopped");
  assertEquals(reports.at(-1)?.exitCode, { kind: "service_specific", code: HostExitCode.internal });
  const errorLog = await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`));
  assertMatch(errorLog, /internal error: .*SetServiceStatus failed \(simulated\)/);
  assertOk(systemLog.some((line) => /^error: .*internal error/.test(line)), "the Event Log hears it too");
  await eventually(() => alive(grandchild), (isAlive) => !isAlive, 5000);
  const status = JSON.parse(await Deno.readTextFile(path.join(service.logs, "status.json")));
  assertEquals(status.state, "stopped");
});

Deno.test("a failure while the host watches the program stops the service with 254, not RUNNING for ever", async () => {
  await using service = await storedService(sh("exit_with.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "runs"), "1"];
  });
  const { session, reports } = recordingSession(service.spec.name);
  // The program runs for real; releasing it after its exit fails, as a handle the system refuses to close.
  const launcher: Launcher = {
    methods: posixLauncher.methods,
    limit: () => undefined,
    launch(options) {
      const program = posixLauncher.launch(options);
      return {
        pid: program.pid,
        stdout: program.stdout,
        stderr: program.stderr,
        exited: program.exited,
        stop: (method, tree) => program.stop(method, tree),
        exceededMemoryLimit: () => false,
        async [Symbol.asyncDispose]() {
          await program[Symbol.asyncDispose]();
          throw new Error("CloseHandle failed (simulated)");
        },
      };
    },
  };
  const outcome = runHost({ name: service.spec.name, configRoot: service.root }, {
    windows: false,
    launcher,
    exe: "servitor",
    version: "test",
    connect: () => Promise.resolve(session),
  });
  // Before, the failure was swallowed and the service stayed RUNNING: give up waiting after a while.
  await eventually(() => reports.at(-1)?.state, (state) => state === "stopped", 15_000);
  assertEquals((await outcome).code, HostExitCode.internal);
  assertEquals(reports.at(-1)?.exitCode, { kind: "service_specific", code: HostExitCode.internal });
  assertMatch(
    await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`)),
    /internal error: CloseHandle failed \(simulated\)/,
  );
});

Deno.test("a session that can report nothing at all still ends the host with 254, not a hang", async () => {
  await using service = await storedService("/bin/sleep", ["100"]);
  const session: ServiceSession = {
    kind: "scm",
    name: service.spec.name,
    args: [],
    closed: new Promise(() => {}), // never lets go: STOPPED was never heard
    last: undefined,
    report() {
      throw new Error("SetServiceStatus failed (simulated)");
    },
  };
  const outcome = runHost({ name: service.spec.name, configRoot: service.root }, {
    windows: false,
    launcher: posixLauncher,
    exe: "servitor",
    version: "test",
    connect: () => Promise.resolve(session),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise((resolve) => timer = setTimeout(() => resolve("hung"), 15_000));
  const result = await Promise.race([outcome, hung]);
  clearTimeout(timer);
  assertEquals(result, { code: HostExitCode.internal, suicide: false });
  const errorLog = await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`));
  assertMatch(errorLog, /internal error: SetServiceStatus failed/);
  assertMatch(errorLog, /STOPPED could not be reported/);
});

Deno.test("limits where the host has no control group of its own (a console): one warning, and the program runs", async () => {
  await using service = await storedService(sh("exit_with.sh"), [], (spec, root) => {
    spec.arguments = [path.join(root, "runs"), "0"];
    spec.exit.default = "ignore";
    spec.maxMemoryBytes = 64 * 1024 ** 2;
    spec.maxCpuPercent = 50;
  });
  await using host = startHost(service.root, service.spec.name);
  await host.waitFor(/exited with code 0/);
  const warning =
    "the memory and CPU limits are not enforced: the host is not run by systemd, so it has no " +
    "control group of its own";
  assertOk(host.stderr.includes(warning), host.stderr);
  assertEquals((await readLines(path.join(service.root, "runs"))).length, 1);
  const errorLog = await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`));
  assertEquals(errorLog.split("\n").filter((line) => line.includes("not enforced")).length, 1, errorLog);
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0);
});
