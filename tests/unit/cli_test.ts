import { assertEquals, assertMatch, assertOk, assertRejects } from "../assert.ts";
import { createService } from "../../service/lifecycle.ts";
import { cliContext } from "../../cli/lifecycle_context.ts";
import { manageService } from "../../cli/manage.ts";
import { outputFile, shownState } from "../../cli/status.ts";
import { nssmState } from "../../cli/nssm.ts";
import { CliError } from "../../cli/errors.ts";
import type { CliContext } from "../../cli/context.ts";
import type { ServiceManager } from "../../service/manager.ts";
import { fakeManager } from "./fake_manager.ts";
import { defaultSpec } from "../../service/spec.ts";
import { commandLineFor, describeFailure, VERSION } from "../../cli/main.ts";
import {
  entryModule,
  hostV8Flags,
  invokedExecutable,
  PERMISSIONS,
  selfCommand,
  servitorCommand,
} from "../../cli/self.ts";
import { Win32Error } from "../../ffi/error.ts";
import { scmFailure } from "../../scm/errors.ts";
import { ServiceManagerError } from "../../service/manager.ts";
import { parseSpec } from "../../service/store.ts";
import { renderUnit } from "../../systemd/unit.ts";
import YAML from "yaml";

const main = new URL("../../cli/main.ts", import.meta.url).pathname;

async function servitor(...args: string[]) {
  return await servitorWith({}, ...args);
}

async function servitorWith(env: Record<string, string>, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
    env,
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

Deno.test("servitor --version prints the version and exits 0", async () => {
  const { code, stdout } = await servitor("--version");
  assertEquals([code, stdout.trim()], [0, VERSION]);
});

Deno.test("an unknown command is one line on stderr, exit code 2, no stack trace", async () => {
  const { code, stdout, stderr } = await servitor("Instal-Service");
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertEquals(stderr.trim().split("\n").length, 1);
  assertMatch(stderr, /^servitor: unknown command 'Instal-Service' \(see 'servitor --help'\)/);
});

Deno.test("the command word is matched without regard to case", async () => {
  assertEquals((await servitor("VERSION")).code, 0);
  assertEquals((await servitor("--HELP")).code, 0);
});

Deno.test("a Win32 failure leaves the SCM backend as a ServiceManagerError: one line, its exit code, and the system's code and message kept", () => {
  const failure = (fn: string, code: number, message = "…") =>
    scmFailure(new Win32Error(fn, code, message), "web") as ServiceManagerError;
  const denied = failure("OpenSCManagerW", 5, "Access is denied.");
  assertOk(denied instanceof ServiceManagerError);
  assertEquals(describeFailure(denied), {
    line: "access denied (OpenSCManagerW): run from an elevated prompt (Run as administrator)",
    exitCode: 4,
  });
  assertEquals(denied.system, { code: 5, message: "Access is denied.", call: "OpenSCManagerW" });
  assertEquals(describeFailure(failure("OpenServiceW", 1060)).exitCode, 6);
  assertEquals(describeFailure(failure("CreateServiceW", 1073)).exitCode, 7);
  assertEquals(describeFailure(failure("CreateServiceW", 1072)).exitCode, 7);
  assertEquals(failure("ControlService", 1062).failure, "not_running");
  assertEquals(describeFailure(failure("ControlService", 1062)).exitCode, 13);
  // Any other code: the function, the code, the system's message and any hint, as the manager's failure.
  assertEquals(
    describeFailure(failure("StartServiceW", 1069, "The service did not start due to a logon failure.")),
    {
      line: "StartServiceW failed with error 1069: The service did not start due to a logon failure. " +
        "(the account or its password was refused)",
      exitCode: 5,
    },
  );
  assertOk(describeFailure(new TypeError("boom")).line.includes("--debug"));
});

Deno.test("a compiled servitor named InstallService.exe or ManageService.exe is that command", () => {
  assertEquals(commandLineFor("C:\\bin\\InstallService.exe", ["p", "--service_name", "s"], true), [
    "installservice",
    "p",
    "--service_name",
    "s",
  ]);
  assertEquals(commandLineFor("/usr/local/bin/ManageService", ["s", "stop"], true), [
    "manageservice",
    "s",
    "stop",
  ]);
  assertEquals(commandLineFor("C:\\bin\\servitor.exe", ["--version"], true), ["--version"]);
  assertEquals(commandLineFor("/usr/bin/deno", ["--version"], false), ["--version"]);
});

Deno.test("a service installed through a copy named InstallService.exe starts: its ImagePath runs the host", () => {
  for (
    const copy of ["C:\\bin\\InstallService.exe", "C:\\bin\\MANAGESERVICE.EXE", "/usr/bin/InstallService"]
  ) {
    // What the service manager runs: the copy itself, `host --service X`.
    const self = selfCommand(true, copy);
    assertEquals(commandLineFor(self.program, [...self.args, "host", "--service", "X"], true), [
      "host",
      "--service",
      "X",
    ]);
    assertEquals(commandLineFor(copy, ["HOST", "-h"], true), ["HOST", "-h"]);
  }
});

Deno.test("a service installed from the sources runs cli/main.ts, one installed by the bundled build runs the bundle", () => {
  assertEquals(entryModule("/opt/servitor/cli/self.ts"), "/opt/servitor/cli/main.ts");
  assertEquals(entryModule("C:\\servitor\\cli\\self.ts"), "C:\\servitor\\cli\\main.ts");
  assertEquals(entryModule("/opt/servitor/dist/servitor.js"), "/opt/servitor/dist/servitor.js");
  const fromBundle = selfCommand(false, "/usr/bin/deno", entryModule("/opt/servitor/dist/servitor.js"));
  assertEquals(fromBundle.args, ["run", ...PERMISSIONS, "/opt/servitor/dist/servitor.js"]);
});

Deno.test("dump's commands through a copy named ManageService.exe run nssm's verbs, not ManageService", () => {
  const copy = "C:\\bin\\ManageService.exe";
  const dumped = servitorCommand(true, copy);
  assertEquals(dumped, { program: copy, args: ["servitor"] });
  assertEquals(commandLineFor(dumped.program, [...dumped.args, "install", "X", "C:\\p.exe"], true), [
    "install",
    "X",
    "C:\\p.exe",
  ]);
  assertEquals(
    commandLineFor(dumped.program, [...dumped.args, "set", "X", "Start", "SERVICE_AUTO_START"], true)[0],
    "set",
  );
  // servitor itself needs no such word.
  assertEquals(servitorCommand(true, "C:\\bin\\servitor.exe"), {
    program: "C:\\bin\\servitor.exe",
    args: [],
  });
});

Deno.test("a symbolic link named InstallService keeps its name on Linux (argv[0], not the resolved path)", () => {
  const args = ["prog", "--service_name", "s"];
  const link = "/usr/local/bin/InstallService\0prog\0--service_name\0s\0";
  assertEquals(invokedExecutable(link, args, "/opt/servitor/servitor"), "/usr/local/bin/InstallService");
  assertEquals(invokedExecutable("InstallService\0", [], "/opt/servitor/servitor"), "InstallService");
  // Anything but the exe's own argv (deno run …, baked-in arguments): the resolved path stands.
  const deno = "deno\0run\0-A\0cli/main.ts\0prog\0--service_name\0s\0";
  assertEquals(invokedExecutable(deno, args, "/usr/bin/deno"), "/usr/bin/deno");
  assertEquals(invokedExecutable(undefined, args, "C:\\servitor.exe"), "C:\\servitor.exe");
});

Deno.test("deno task compile and compile:linux run npm's deno with exactly the permissions and V8 flags the host runs with", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const task of ["compile", "compile:linux"]) {
    // A task with dependencies (the page's bundle) is an object with its command.
    const words: string[] = (config.tasks[task].command ?? config.tasks[task]).split(/\s+/);
    // A bare `deno` in a task is node_modules/.bin/deno, which Deno's task runner runs as a JavaScript bin.
    assertEquals(words.slice(0, 2), ["./node_modules/.bin/deno", "compile"], task);
    const permissions = words.filter((word) => /^(--allow-|-A$|--allow-all)/.test(word));
    assertEquals(permissions.toSorted(), PERMISSIONS.toSorted(), task);
    // The exe's V8 flags are fixed when it is compiled: the host's, as a host run from source gets them.
    const windows = task === "compile";
    assertEquals(words.filter((word) => word.startsWith("--v8-flags")), hostV8Flags(windows), task);
    // What a compiled exe runs is the bundled build, which the Windows tier tests under Wine's SCM.
    assertEquals(words.at(-1), "dist/servitor.js", task);
    assertEquals(config.tasks[task].dependencies, ["bundle"], task);
  }
});

Deno.test("-h of every command prints its usage and exits 0 with no service manager around", async () => {
  // No systemctl on PATH: any connection to a service manager would end in exit code 12.
  const none = { PATH: "/nonexistent" };
  const cases: [string[], RegExp][] = [
    [["InstallService", "-h"], /^Usage: servitor InstallService <program>/],
    [["installservice", "--service_name", "x", "--help"], /^Usage: servitor InstallService <program>/],
    [["InstallService", "/usr/bin/python3", "-h"], /^Usage: servitor InstallService <program>/],
    [["ManageService", "X", "-h"], /^Usage: servitor ManageService <name> <run_mode>/],
    [["ManageService", "X", "status", "--help"], /^Usage: servitor ManageService <name> <run_mode>/],
    [["get", "-h"], /^nssm's verbs/],
    [["STATUS", "--help"], /^nssm's verbs/],
    [["host", "-h"], /^Usage: servitor host --service <name>/],
    [["ui", "-h"], /^Usage: servitor ui \[--port N\]/],
  ];
  for (const [args, usage] of cases) {
    const { code, stdout, stderr } = await servitorWith(none, ...args);
    assertEquals([code, stderr], [0, ""], args.join(" "));
    assertMatch(stdout, usage);
  }
  // Without -h the same command does reach for the service manager, and says there is none.
  assertEquals((await servitorWith(none, "get", "X", "Start")).code, 12);
});

Deno.test(
  "InstallService --dry-run prints the store's files and the systemd unit, needs no systemd, and writes nothing",
  async () => {
    const root = await Deno.makeTempDir();
    const name = `servitor_dry_${Date.now()}`;
    try {
      // No systemctl on PATH: a dry run goes on without any service manager to ask.
      const { code, stdout, stderr } = await servitorWith(
        { PATH: "/nonexistent", SERVITOR_CONFIG_ROOT: root },
        ...["InstallService", "/bin/sleep", "100", "--service_name", name, "--on_failure", "restart/5s"],
        ...["--start", "manual", "--dry-run"],
      );
      assertEquals(code, 0, stderr);
      assertMatch(stderr, /^servitor: dry run: systemd is not installed .*can't be asked/);

      // The spec as the host would read it, and the install arguments as reinstall would (no --dry-run).
      const printed = (file: string) => {
        const match = new RegExp(`^write ${root}/${name}/${file} \\(mode 0600\\):\\n((?:    .*\\n)+)`, "m")
          .exec(stdout);
        assertOk(match, `${file} is not printed:\n${stdout}`);
        return match![1].replace(/^ {4}/gm, "");
      };
      const spec = parseSpec(printed("service.yaml"), "printed");
      assertEquals([spec.program, spec.arguments, spec.start], ["/bin/sleep", ["100"], "manual"]);
      assertEquals(
        (YAML.parse(printed("install.yaml")) as { args: string[] }).args,
        ["/bin/sleep", "100", "--service_name", name, "--on_failure", "restart/5s", "--start", "manual"],
      );

      // The unit file, exactly as systemd would get it, running servitor's host for this store.
      const unitFile = `/etc/systemd/system/${name}.service`;
      const unit = new RegExp(`^cat > ${unitFile} <<'EOF'\\n([\\s\\S]*?)^EOF$`, "m").exec(stdout);
      assertOk(unit, `no unit file printed:\n${stdout}`);
      const host = {
        program: Deno.execPath(),
        args: [
          "run",
          ...PERMISSIONS,
          ...hostV8Flags(),
          main,
          "host",
          "--service",
          name,
          "--config-root",
          root,
        ],
      };
      assertEquals(unit![1], renderUnit(spec, host));
      assertMatch(stdout, /^systemctl daemon-reload$/m);
      // Manual start: not enabled at boot.
      assertEquals(/systemctl enable/.test(stdout), false);

      // Nothing written: no store directory, no audit log, no unit.
      assertEquals([...Deno.readDirSync(root)], []);
      assertEquals(await Deno.stat(unitFile).then(() => true, () => false), false);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test("a recovery action systemd has no place for is named on stderr, and the install goes on", async () => {
  const root = await Deno.makeTempDir();
  try {
    const { code, stderr } = await servitorWith(
      { PATH: "/nonexistent", SERVITOR_CONFIG_ROOT: root },
      ...["InstallService", "/bin/sleep", "100", "--service_name", `servitor_reboot_${Date.now()}`],
      ...["--on_failure", "restart/5s,reboot", "--dry-run"],
    );
    assertEquals(code, 0, stderr);
    assertMatch(
      stderr,
      /^servitor: the recovery action reboot has no place in a systemd unit: ignored here$/m,
    );
    assertEquals(/run_command/.test(stderr), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A service manager that only records what it is asked to change; `fail` names a step that throws. */
function recordingManager(events: string[], fail?: "create"): ServiceManager {
  return fakeManager({
    create(spec) {
      events.push(`create ${spec.name}`);
      return fail === "create" ? Promise.reject(new Error("CreateServiceW refused")) : Promise.resolve();
    },
    remove(name) {
      events.push(`remove ${name}`);
      return Promise.resolve();
    },
    exists: () => Promise.resolve(false),
  });
}

Deno.test("the store and its service's directory are locked before anything is written into them, and opened to the account once the service exists", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const root = `${parent}/servitor`;
    const events: string[] = [];
    const shown = (file: string) => file.replace(`${parent}/`, "");
    const contents = (directory: string) =>
      [...Deno.readDirSync(directory)].map((entry) => entry.name).sort();
    const context = (fail?: "create" | "grant"): CliContext =>
      cliContext({
        manager: recordingManager(events, fail === "create" ? "create" : undefined),
        configRoot: root,
        windows: false,
        say() {},
        warn() {},
        audit() {},
        security: {
          lock(directory) {
            events.push(`lock ${shown(directory)} holding [${contents(directory)}]`);
            return Promise.resolve();
          },
          grant(directory, logs) {
            events.push(`grant ${shown(directory)} and ${shown(logs)}`);
            return fail === "grant"
              ? Promise.reject(new Error("LookupAccountNameW failed"))
              : Promise.resolve();
          },
        },
      });
    const record = { args: ["/bin/true", "--service_name", "locked"], cwd: "/", installedAt: "now" };

    await createService(context(), defaultSpec("locked", "/bin/true"), { record });
    // The service's lock comes first (service/lock.ts), its folder in the root secured as it is made.
    assertEquals(events, [
      "lock servitor holding []",
      "lock servitor/.locks holding []",
      "lock servitor holding [.locks]",
      "lock servitor/locked holding []",
      "create locked",
      "grant servitor/locked and servitor/locked/logs",
    ]);
    assertEquals(contents(`${root}/locked`), [
      "install.yaml",
      "logs",
      "service.checked.json",
      "service.yaml",
    ]);

    // A failure after the service was created deletes it, and the store goes with it.
    events.length = 0;
    await assertRejects(() => createService(context("grant"), defaultSpec("again", "/bin/true"), { record }));
    assertEquals(events.slice(-2), ["grant servitor/again and servitor/again/logs", "remove again"]);
    assertEquals(contents(root), [".locks", "locked"]);
    // A service folder made for a service that could not be created is not left behind.
    await assertRejects(() =>
      createService(context("create"), defaultSpec("never", "/bin/true"), { record })
    );
    assertEquals(contents(root), [".locks", "locked"]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a service name that can't be is exit code 8 for ManageService as for InstallService, with no service manager asked", async () => {
  const none = { PATH: "/nonexistent" };
  for (
    const args of [
      ["ManageService", "", "status"],
      ["ManageService", "a/b", "start"],
      ["manageservice", "x".repeat(257), "stop"],
      ["InstallService", "/bin/true", "--service_name", "a\\b"],
      // The store's own entries: `..` would make the store's parent the service's folder.
      ["InstallService", "/bin/true", "--service_name", ".."],
      ["ManageService", ".locks", "remove"],
      ["ManageService", "Servitor.log", "stop"],
    ]
  ) {
    const { code, stderr } = await servitorWith(none, ...args);
    assertEquals(code, 8, `${args.join(" ")}: ${stderr}`);
    assertMatch(stderr, /^servitor: '.*' can't be a service name: (a service name|servitor\.log)/);
  }
});

Deno.test("ManageService reinstall of a service that is still there points to stop_and_reinstall, exit code 7", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/present`);
    await Deno.writeTextFile(
      `${root}/present/install.yaml`,
      YAML.stringify({ args: ["/bin/true", "--service_name", "present"], cwd: "/", installedAt: "then" }),
    );
    const events: string[] = [];
    const context: CliContext = cliContext({
      manager: { ...recordingManager(events), exists: () => Promise.resolve(true) },
      configRoot: root,
      windows: false,
      say() {},
      warn() {},
      audit() {},
    });
    const error = await manageService(["present", "reinstall"], context).then(
      () => undefined,
      (error) => error,
    );
    assertOk(error instanceof CliError, String(error));
    assertEquals(error.exitCode, 7);
    assertEquals(
      error.message,
      "'present' is installed already: reinstall is for a removed service; to install it again from its " +
        "stored arguments, run 'ManageService present stop_and_reinstall'",
    );
    assertEquals(events, [], "nothing was created or removed");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("status names the output files the host writes, monikers expanded, or the spec where only the running host knows", () => {
  const spec = defaultSpec("web", "/opt/web/server", []);
  const logs = "/var/log/servitor/web";
  const file = (stdout: string | undefined, pid?: number, environment: Record<string, string> = {}) =>
    outputFile({ ...spec, output: { ...spec.output, stdout } }, "stdout", logs, false, pid, environment);
  assertEquals(file("%PROGRAM%.out.txt"), "/opt/web/server.out.txt");
  assertEquals(file("%SERVICE%.log"), "/var/log/servitor/web/web.log");
  // No spec: the host's own file, so output is never lost.
  assertEquals(file(undefined), "/var/log/servitor/web/web-stdout.log");
  assertEquals(file("%SERVICE%-%PID%.log", 4242), "/var/log/servitor/web/web-4242.log");
  assertEquals(file("%SHARED%/web.log", undefined, { SHARED: "/srv/shared" }), "/srv/shared/web.log");
  // Only the host knows these: the %PID% of a host that is not running, its %TIME%, its account's HOME.
  assertEquals(file("%SERVICE%-%PID%.log"), undefined);
  assertEquals(file("web-%TIME%.log", 4242), undefined);
  assertEquals(file("%HOME%/web.log", 4242, { HOME: "/home/admin" }), undefined);
  // The service's own environment is the host's too.
  const extra = {
    ...spec,
    environmentExtra: ["LOGS=/srv/logs"],
    output: { ...spec.output, stderr: "%LOGS%/e.log" },
  };
  assertEquals(outputFile(extra, "stderr", logs, false, undefined, {}), "/srv/logs/e.log");
  const windows = defaultSpec("web", "C:\\apps\\server.exe", []);
  windows.output.stdout = "%PROGRAM%.out.txt";
  assertEquals(outputFile(windows, "stdout", "C:\\logs", true, undefined, {}), "C:\\apps\\server.out.txt");
});

Deno.test("nssm's status names and statuscode numbers are winsvc.h's, SERVICE_STOPPED 1 to SERVICE_PAUSED 7", () => {
  const states = [
    "stopped",
    "start_pending",
    "stop_pending",
    "running",
    "continue_pending",
    "pause_pending",
    "paused",
  ] as const;
  assertEquals(states.map(nssmState), [
    ["SERVICE_STOPPED", 1],
    ["SERVICE_START_PENDING", 2],
    ["SERVICE_STOP_PENDING", 3],
    ["SERVICE_RUNNING", 4],
    ["SERVICE_CONTINUE_PENDING", 5],
    ["SERVICE_PAUSE_PENDING", 6],
    ["SERVICE_PAUSED", 7],
  ]);
});

Deno.test("a running host whose program is throttled shows PAUSED, believed only from that very host", () => {
  assertEquals(shownState({ state: "running", pid: 5 }, { state: "paused", hostPid: 5 }), "paused");
  assertEquals(shownState({ state: "running", pid: 6 }, { state: "paused", hostPid: 5 }), "running");
  assertEquals(shownState({ state: "running", pid: 5 }, { state: "running", hostPid: 5 }), "running");
  assertEquals(
    shownState({ state: "stop_pending", pid: 5 }, { state: "paused", hostPid: 5 }),
    "stop_pending",
  );
  assertEquals(shownState({ state: "running", pid: 5 }, {}), "running");
});
