/**
 * The systemd unit servitor writes, as text: escaping, accounts, restart policy, stop timeout, start types,
 * paths. Whether systemd reads it back the same is the systemd tier's question (tests/systemd).
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { defaultSpec, type ServiceSpec } from "../../service/spec.ts";
import { ServiceManagerError } from "../../service/manager.ts";
import { execLine, execWord, freeText, shellWord } from "../../systemd/escape.ts";
import { unitName, unitPath, userConfigRoot } from "../../systemd/paths.ts";
import {
  parseUnitFile,
  privateTmpBindings,
  readUnit,
  renderUnit,
  restartPolicy,
  SELF_STOP_TIMEOUT_MS,
  SERVITOR_SECTION,
  START_MARGIN_MS,
  startTimeoutMs,
  stopTimeoutMs,
} from "../../systemd/unit.ts";
import { notifiesThroughLibc, type SelfCommandFacts } from "../../library/install_self.ts";
import { managedState, startMode, statusOf } from "../../systemd/manager.ts";
import { parseShow, systemctlError } from "../../systemd/systemctl.ts";

const host = { program: "/usr/local/bin/servitor", args: ["host", "--service", "web"] };

function spec(change: (spec: ServiceSpec) => void = () => {}): ServiceSpec {
  const result = defaultSpec("web", "/srv/web/server", ["--port", "8080"]);
  change(result);
  return result;
}

/** The values of a setting in the rendered unit. */
function setting(text: string, section: string, key: string): string[] {
  return (parseUnitFile(text).get(section) ?? []).filter(([name]) => name === key).map(([, value]) => value);
}

function refusal(fn: () => unknown): ServiceManagerError {
  try {
    fn();
  } catch (error) {
    assertOk(error instanceof ServiceManagerError, `a ServiceManagerError, not ${error}`);
    return error as ServiceManagerError;
  }
  throw new Error("it did not throw");
}

Deno.test("command-line words: plain ones bare, the rest quoted with C escapes, % and $ doubled", () => {
  const cases: [string, string][] = [
    ["/usr/bin/env", "/usr/bin/env"],
    ["--port=8080", "--port=8080"],
    ["two words", '"two words"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["it's", `"it's"`],
    ["C:\\path\\", '"C:\\\\path\\\\"'],
    ["100%", '"100%%"'],
    ["%n", '"%%n"'],
    ["$HOME", '"$$HOME"'],
    ["${HOME}", '"$${HOME}"'],
    ["ünïcode", '"ünïcode"'],
    ["line\nbreak\ttab", '"line\\nbreak\\ttab"'],
    ["bell\x07", '"bell\\x07"'],
    [";", '";"'],
    ["", '""'],
  ];
  for (const [word, expected] of cases) assertEquals(execWord(word), expected, JSON.stringify(word));
});

Deno.test("the program: quoted for spaces or a leading prefix character, $ left alone, quotes refused", () => {
  assertEquals(execWord("-rf"), "-rf");
  assertEquals(execWord("-rf", true), '"-rf"');
  assertEquals(execWord("@prog", true), '"@prog"');
  assertEquals(execLine("/opt/my app/run", ["a b", "c"]), '"/opt/my app/run" "a b" c');
  // systemd expands no variables in the executable's path, only specifiers.
  assertEquals(execWord("/opt/$HOME/100%/ü;", true), '"/opt/$HOME/100%%/ü;"');
  for (const bad of ["/opt/it's", '/opt/"x"', "C:\\x", "/opt/a\tb"]) {
    assertMatch(refusal(() => execWord(bad, true)).message, /quotes, backslashes or control characters/, bad);
  }
});

Deno.test("a NUL character can't reach a program: refused", () => {
  assertEquals(refusal(() => execWord("a\0b")).failure, "refused");
});

Deno.test("free text is one line with its specifiers escaped and no trailing backslash", () => {
  assertEquals(freeText("Web server\n100% up\r\n"), "Web server 100%% up");
  assertEquals(freeText("  ends in a backslash \\"), "ends in a backslash");
  assertEquals(freeText('quotes "stay" and $HOME too'), 'quotes "stay" and $HOME too');
});

Deno.test("dry-run lines quote for a shell", () => {
  assertEquals(shellWord("daemon-reload"), "daemon-reload");
  assertEquals(shellWord("/home/ann/it's here"), `'/home/ann/it'\\''s here'`);
});

Deno.test("a default spec: the host under Type=notify, guarded, stopped by the host's own escalation", () => {
  const text = renderUnit(spec(), host);
  assertEquals(setting(text, "Unit", "Description"), ["web"]);
  // systemctl start waits for the host's READY=1, sent by the host itself (a compiled servitor has --allow-ffi).
  assertEquals(setting(text, "Service", "Type"), ["notify"]);
  assertEquals(setting(text, "Service", "NotifyAccess"), ["main"]);
  // Starting the host, then launching the program (5 s), and a 30 s margin.
  assertEquals(setting(text, "Service", "TimeoutStartSec"), ["35000ms"]);
  assertEquals(setting(text, "Service", "ExecStart"), ["/usr/local/bin/servitor host --service web"]);
  assertEquals(setting(text, "Service", "Restart"), ["on-abnormal"]);
  assertEquals(setting(text, "Service", "RestartForceExitStatus"), ["253 254"]);
  assertEquals(setting(text, "Service", "RestartSec"), []);
  assertEquals(setting(text, "Service", "KillMode"), ["mixed"]);
  // SIGINT 1.5 s, SIGTERM 1.5 s, SIGKILL then 3 s, and a 5 s margin.
  assertEquals(setting(text, "Service", "TimeoutStopSec"), ["11000ms"]);
  assertEquals(setting(text, "Service", "User"), []);
  assertEquals(setting(text, "Service", "DynamicUser"), []);
  assertEquals(setting(text, "Install", "WantedBy"), ["multi-user.target"]);
  assertEquals(setting(text, SERVITOR_SECTION, "Start"), ["auto"]);
});

Deno.test("installSelf's unit: the program itself under Type=notify, restarted when it fails, none of the host's lines", () => {
  const program = { program: "/usr/bin/deno", args: ["run", "--allow-all", "/srv/my app/main.ts", "100%"] };
  const text = renderUnit(spec(), program, { selfService: { notifiesThroughLibc: true } });
  assertEquals(setting(text, "Service", "Type"), ["notify"]);
  assertEquals(setting(text, "Service", "NotifyAccess"), ["main"]);
  assertEquals(setting(text, "Service", "ExecStart"), [
    '/usr/bin/deno run --allow-all "/srv/my app/main.ts" "100%%"',
  ]);
  assertEquals(setting(text, "Service", "Restart"), ["on-failure"]);
  assertEquals(setting(text, "Service", "KillMode"), ["mixed"]);
  assertEquals(setting(text, "Service", "TimeoutStopSec"), [`${SELF_STOP_TIMEOUT_MS}ms`]);
  for (
    const key of ["RestartForceExitStatus", "RestartPreventExitStatus", "LoadCredential", "LogsDirectory"]
  ) {
    assertEquals(setting(text, "Service", key), [], key);
  }
  assertEquals(setting(text, "Service", "SyslogIdentifier"), ["web"]);
  assertEquals(setting(text, "Install", "WantedBy"), ["multi-user.target"]);
  // servitor still knows it for its own: list, query and uninstallSelf's remove.
  assertEquals(readUnit(text, "web").servitor, true);
  assertOk(!text.includes("servitor (set, InstallService)"), "no advice to change it with servitor's CLI");

  // Under an account of its own it keeps a Deno cache there, but reads no spec of the host's.
  const named = renderUnit(spec((s) => s.account = { kind: "user", name: "svc-web" }), program, {
    selfService: { notifiesThroughLibc: true },
  });
  assertEquals(setting(named, "Service", "User"), ["svc-web"]);
  assertEquals(setting(named, "Service", "Environment"), ["DENO_DIR=%C/servitor/web/deno"]);
  assertEquals(setting(named, "Service", "LoadCredential"), []);
  assertEquals(setting(named, "Service", "LogsDirectory"), []);
});

Deno.test("installSelf's unit lets systemd-notify speak for the program only where root's word is missing", () => {
  const access = (notifiesThroughLibc: boolean, change: (s: ServiceSpec) => void = () => {}, user = false) =>
    setting(
      renderUnit(spec(change), host, { user, selfService: { notifiesThroughLibc } }),
      "Service",
      "NotifyAccess",
    );
  // Through libc the message is the main process's own.
  assertEquals(access(true, () => {}, true), ["main"]);
  assertEquals(access(true, (s) => s.account = { kind: "local_service" }), ["main"]);
  // systemd-notify --pid= run by root names the main process; run by anyone else it is taken only with all.
  assertEquals(access(false), ["main"]);
  assertEquals(access(false, () => {}, true), ["all"]);
  assertEquals(access(false, (s) => s.account = { kind: "user", name: "svc-web" }), ["all"]);
  assertEquals(access(false, (s) => s.account = { kind: "virtual" }), ["all"]);
});

Deno.test("installSelf: a program sends sd_notify through libc only with --allow-ffi in full", () => {
  const facts = (runFlags: string[], standalone = false): SelfCommandFacts => ({
    standalone,
    execPath: "/usr/bin/deno",
    mainModule: "file:///srv/main.ts",
    runFlags,
  });
  assertEquals(notifiesThroughLibc(facts(["--allow-read", "--allow-ffi"]), false), true);
  assertEquals(notifiesThroughLibc(facts(["-A"]), false), true);
  assertEquals(notifiesThroughLibc(facts(["--allow-all"]), false), true);
  assertEquals(notifiesThroughLibc(facts(["--allow-read", "--allow-run"]), true), false);
  assertEquals(notifiesThroughLibc(facts(["--allow-ffi=/opt/lib.so"]), true), false);
  assertEquals(notifiesThroughLibc(facts(["-A", "--deny-ffi"]), true), false);
  // A compiled program runs with the permissions baked into it: this process's own.
  assertEquals(notifiesThroughLibc(facts([], true), true), true);
  assertEquals(notifiesThroughLibc(facts(["--allow-ffi"], true), false), false);
});

Deno.test("the host tells systemd it is ready itself where it may call libc; otherwise systemd-notify speaks for it where only root's word counts", () => {
  const access = (args: string[], change: (s: ServiceSpec) => void = () => {}, user = false) =>
    setting(
      renderUnit(spec(change), { program: "/usr/bin/deno", args }, { user }),
      "Service",
      "NotifyAccess",
    );
  const fromSource = (
    ...flags: string[]
  ) => ["run", ...flags, "/opt/servitor/cli/main.ts", "host", "--service", "web"];
  // cli/self.ts runs the host from source with --allow-ffi: the message is the main process's own.
  assertEquals(access(fromSource("--allow-ffi", "--allow-run")), ["main"]);
  assertEquals(access(fromSource("-A"), (s) => s.account = { kind: "local_service" }), ["main"]);
  assertEquals(access(fromSource("--allow-ffi", "--allow-run"), () => {}, true), ["main"]);
  // Without it, systemd-notify --pid= names the host: taken from root only, else with NotifyAccess=all.
  assertEquals(access(fromSource("--allow-run")), ["main"]);
  assertEquals(access(fromSource("--allow-run"), (s) => s.account = { kind: "virtual" }), ["all"]);
  assertEquals(access(fromSource("-A", "--deny-ffi"), () => {}, true), ["all"]);
  // A flag of the host's own command line, after the module, grants nothing.
  assertEquals(access([...fromSource("--allow-run"), "--allow-ffi"], () => {}, true), ["all"]);
});

Deno.test("the start timeout covers the host's start-up, a Start/Pre hook, rotation at start and the launch", () => {
  assertEquals(startTimeoutMs(spec()), 5_000 + START_MARGIN_MS);
  const slowHook = spec((s) => (s.hooks["Start/Pre"] = "/usr/local/bin/migrate", s.hookDeadlineMs = 600_000));
  assertEquals(startTimeoutMs(slowHook), 600_000 + 5_000 + START_MARGIN_MS);
  assertEquals(setting(renderUnit(slowHook, host), "Service", "TimeoutStartSec"), ["635000ms"]);
  assertEquals(startTimeoutMs(spec((s) => s.output.rotation.delayMs = 2_000)), 7_000 + START_MARGIN_MS);
});

Deno.test("the stop timeout covers skipped methods, longer waits and the stop hooks", () => {
  assertEquals(stopTimeoutMs(spec((s) => s.stop.skip = 1 | 2)), 3_000 + 5_000);
  assertEquals(stopTimeoutMs(spec((s) => (s.stop.consoleMs = 10_000, s.stop.windowMs = 20_000))), 38_000);
  assertEquals(
    stopTimeoutMs(spec((s) => (s.hooks["Stop/Pre"] = "/bin/true", s.hooks["Exit/Post"] = "/bin/true"))),
    2 * 60_000 + 11_000,
  );
});

Deno.test("restart policy: a crash, 253, 254 and Suicide's codes restart; Exit and the host's refusals don't", () => {
  assertEquals(restartPolicy(spec()), {
    restart: "on-abnormal",
    prevent: [],
    force: [253, 254],
    delayMs: undefined,
  });
  const withSuicide = restartPolicy(
    spec((s) => (s.exit.codes["3"] = "suicide", s.exit.codes["0"] = "suicide")),
  );
  // Suicide after exit code 0 ends the host with 1.
  assertEquals(withSuicide.force, [1, 3, 253, 254]);
  const suicideByDefault = restartPolicy(
    spec((s) => (s.exit.default = "suicide", s.exit.codes["7"] = "exit")),
  );
  assertEquals(suicideByDefault, {
    restart: "on-failure",
    prevent: [7, 250, 251, 252],
    force: [],
    delayMs: undefined,
  });
  const exitByDefault = restartPolicy(spec((s) => s.exit.default = "exit"));
  assertEquals(exitByDefault.restart, "on-abnormal");
});

Deno.test("recovery: its first restart delay is RestartSec=; without a restart action, no restart", () => {
  const delayed = spec((s) =>
    s.recovery = {
      actions: [{ action: "none", delayMs: 0 }, { action: "restart", delayMs: 2500 }],
      resetSeconds: 60,
    }
  );
  assertEquals(setting(renderUnit(delayed, host), "Service", "RestartSec"), ["2500ms"]);
  const never = spec((s) => s.recovery = { actions: [{ action: "none", delayMs: 0 }], resetSeconds: 0 });
  const text = renderUnit(never, host);
  assertEquals(setting(text, "Service", "Restart"), ["no"]);
  assertEquals(setting(text, "Service", "RestartForceExitStatus"), []);
});

Deno.test("accounts: root by default, a dynamic user for the Windows built-ins, User= for a user", () => {
  const account = (a: ServiceSpec["account"]) => renderUnit(spec((s) => s.account = a), host);
  for (const kind of ["local_service", "network_service", "virtual"] as const) {
    const text = account({ kind });
    assertEquals(setting(text, "Service", "DynamicUser"), ["yes"], kind);
    assertEquals(setting(text, "Service", "LogsDirectory"), ["servitor/web"], kind);
  }
  const named = account({ kind: "user", name: "svc-web" });
  assertEquals(setting(named, "Service", "User"), ["svc-web"]);
  // The store is root's alone: an account of its own gets its spec from systemd, as a credential.
  assertEquals(setting(named, "Service", "LoadCredential"), ["service.yaml:/etc/servitor/web/service.yaml"]);
  assertEquals(setting(account({ kind: "local_system" }), "Service", "LoadCredential"), []);
  assertEquals(setting(named, "Service", "LogsDirectory"), ["servitor/web"]);
  const ownLogs = renderUnit(
    spec((s) => (s.account = { kind: "virtual" }, s.logDirectory = "/srv/logs")),
    host,
  );
  assertEquals(setting(ownLogs, "Service", "LogsDirectory"), []);
  assertMatch(refusal(() => account({ kind: "user", name: "CORP\\ann" })).message, /not a Linux user name/);
});

Deno.test("start types: auto enabled at boot, delayed after the boot target, disabled refusing a start", () => {
  const start = (mode: ServiceSpec["start"], user = false) =>
    renderUnit(spec((s) => s.start = mode), host, { user });
  assertEquals(setting(start("auto"), "Unit", "After"), []);
  assertEquals(setting(start("delayed"), "Unit", "After"), ["multi-user.target"]);
  assertEquals(setting(start("delayed"), "Install", "WantedBy"), ["multi-user.target"]);
  assertEquals(parseUnitFile(start("manual")).has("Install"), false);
  assertEquals(parseUnitFile(start("disabled")).has("Install"), false);
  assertEquals(setting(start("disabled"), "Unit", "RefuseManualStart"), ["yes"]);
  assertEquals(setting(start("auto", true), "Install", "WantedBy"), ["default.target"]);
  assertEquals(setting(start("delayed", true), "Unit", "After"), ["default.target"]);
});

Deno.test("dependencies: plain names are services, units keep their type, Windows groups are refused", () => {
  const text = renderUnit(
    spec((s) => s.dependsOn = ["db", "network-online.target", "getty@tty1.service"]),
    host,
  );
  assertEquals(setting(text, "Unit", "Requires"), ["db.service network-online.target getty@tty1.service"]);
  assertEquals(setting(text, "Unit", "After"), ["db.service network-online.target getty@tty1.service"]);
  assertMatch(
    refusal(() => renderUnit(spec((s) => s.dependsOn = ["+NetworkProvider"]), host)).message,
    /group/,
  );
  assertMatch(
    refusal(() => renderUnit(spec((s) => s.dependsOn = ["my db"]), host)).message,
    /systemd service name/,
  );
});

Deno.test("service names are unit names: no spaces, no template @, nothing escaped behind a person's back", () => {
  assertEquals(unitName("web.api_2:x"), "web.api_2:x.service");
  for (const bad of ["my service", "web@1", "-web", "", "ü", "a".repeat(250)]) {
    assertEquals(refusal(() => unitName(bad)).failure, "refused", bad);
  }
});

Deno.test("--user: units in the user's config, the store beside them, no account of its own", () => {
  assertEquals(unitPath("web", false, {}), "/etc/systemd/system/web.service");
  assertEquals(unitPath("web", true, { HOME: "/home/ann" }), "/home/ann/.config/systemd/user/web.service");
  assertEquals(
    unitPath("web", true, { HOME: "/home/ann", XDG_CONFIG_HOME: "/cfg" }),
    "/cfg/systemd/user/web.service",
  );
  // A relative XDG_CONFIG_HOME is invalid (XDG Base Directory Specification): ignored.
  assertEquals(userConfigRoot({ HOME: "/home/ann", XDG_CONFIG_HOME: "cfg" }), "/home/ann/.config/servitor");
  assertEquals(userConfigRoot({ HOME: "/home/ann", XDG_CONFIG_HOME: "/cfg" }), "/cfg/servitor");
  const text = renderUnit(spec(), host, { user: true });
  assertEquals(setting(text, "Service", "User"), []);
  assertMatch(
    refusal(() => renderUnit(spec((s) => s.account = { kind: "user", name: "ann" }), host, { user: true }))
      .message,
    /--user service runs as the user/,
  );
});

Deno.test("what servitor writes reads back: names, description, start, dependencies, account, command", () => {
  const awkward = spec((s) => {
    s.displayName = 'Web "front" 100% ü';
    s.description = "Serves $HOME\nand more \\";
    s.start = "delayed";
    s.dependsOn = ["db", "network-online.target"];
    s.account = { kind: "user", name: "svc-web" };
  });
  const hostCommand = { program: "/opt/serv itor/servitor", args: ["host", "--service", "web"] };
  const text = renderUnit(awkward, hostCommand);
  assertEquals(setting(text, "Unit", "Description"), ['Web "front" 100%% ü']);
  const facts = readUnit(text, "web");
  assertEquals(facts, {
    servitor: true,
    displayName: 'Web "front" 100% ü',
    description: "Serves $HOME\nand more \\",
    start: "delayed",
    dependsOn: ["db", "network-online.target"],
    account: "svc-web",
    command: '"/opt/serv itor/servitor" host --service web',
    refusesManualStart: false,
  });
  assertEquals(
    readUnit("[Unit]\nDescription=Other's\n[Service]\nExecStart=/bin/true\n", "x").servitor,
    false,
  );
});

Deno.test("unit files parse as systemd reads them: comments, continuations, resets", () => {
  const sections = parseUnitFile(
    "# c\n[Unit]\n; c\nAfter=a.service \\\n  b.service\nAfter=\nAfter=c.service\nDescription=x\\\\\n",
  );
  assertEquals(sections.get("Unit"), [
    ["After", "a.service  b.service"],
    ["After", ""],
    ["After", "c.service"],
    ["Description", "x\\\\"],
  ]);
});

Deno.test("systemd's states map onto the SCM's; how the host ended is an exit status", () => {
  assertEquals(managedState("active"), "running");
  assertEquals(managedState("activating"), "start_pending");
  assertEquals(managedState("deactivating"), "stop_pending");
  assertEquals(managedState("failed"), "stopped");
  assertEquals(
    statusOf({ ActiveState: "active", MainPID: "42", ExecMainCode: "0", ExecMainStatus: "0" }),
    { state: "running", pid: 42 },
  );
  assertEquals(
    statusOf({ ActiveState: "failed", MainPID: "0", ExecMainCode: "1", ExecMainStatus: "250" }),
    { state: "stopped", exitCode: { kind: "exit_status", code: 250 } },
  );
  // Killed by SIGKILL (ExecMainCode 2, CLD_KILLED): 128 + 9.
  assertEquals(
    statusOf({ ActiveState: "inactive", MainPID: "0", ExecMainCode: "2", ExecMainStatus: "9" }).exitCode,
    { kind: "exit_status", code: 137 },
  );
  assertEquals(statusOf({ ActiveState: "inactive", MainPID: "0", ExecMainCode: "0" }), { state: "stopped" });
});

Deno.test("the start type comes from systemd's enablement, told apart by what servitor recorded", () => {
  assertEquals(startMode("enabled", "auto", false), "auto");
  assertEquals(startMode("enabled", "delayed", false), "delayed");
  assertEquals(startMode("enabled", undefined, false), "auto");
  assertEquals(startMode("static", "manual", false), "manual");
  assertEquals(startMode("disabled", undefined, false), "manual");
  assertEquals(startMode("static", "disabled", true), "disabled");
  assertEquals(startMode("masked", undefined, false), "disabled");
});

Deno.test("systemctl show's blocks, one per unit; its failures, one line of the right kind", () => {
  assertEquals(parseShow("A=1\nB=\n\nA=2\nB=x=y", 2), [{ A: "1", B: "" }, { A: "2", B: "x=y" }]);
  const failed = (stderr: string, code = 1) =>
    systemctlError(["start", "web.service"], { code, stdout: "", stderr });
  assertEquals(
    failed("Failed to start web.service: Unit web.service not found.", 5).failure,
    "no_such_service",
  );
  assertEquals(failed("Failed to start web.service: Access denied", 4).failure, "access_denied");
  const refused = failed(
    "Failed to start web.service: Operation refused, unit web.service may be requested by dependency only.",
    4,
  );
  assertEquals(refused.failure, "refused");
  const job = failed(
    'Job for web.service failed because the control process exited with error code.\nSee "systemctl status web.service" for details.',
  );
  assertEquals(job.failure, "failed");
  assertEquals(job.message.includes("\n"), false);
  assertMatch(
    job.message,
    /^systemctl start web\.service: Job for web\.service failed .* See "systemctl status/,
  );
});

Deno.test("a service with a private /tmp (LocalService) gets the /tmp folders it runs from bound in, read-only", () => {
  const host = {
    program: "/tmp/ci/main/node_modules/deno/deno",
    args: [
      "run",
      "/tmp/ci/main/cli/main.ts",
      "host",
      "--service",
      "web",
      "--config-root",
      "/var/tmp/st ore/x",
    ],
  };
  const spec = defaultSpec("web", "/usr/bin/web");
  assertEquals(privateTmpBindings(spec, host), [
    "BindReadOnlyPaths=/tmp/ci",
    'BindReadOnlyPaths="/var/tmp/st ore"',
  ]);
  assertEquals(privateTmpBindings(spec, { program: "/usr/local/bin/servitor", args: ["host"] }), []);
  spec.account = { kind: "local_service" };
  assertMatch(renderUnit(spec, host), /^DynamicUser=yes\nBindReadOnlyPaths=\/tmp\/ci\n/m);
  spec.account = { kind: "local_system" };
  assertEquals(/BindReadOnlyPaths/.test(renderUnit(spec, host)), false, "root sees the real /tmp");
});
