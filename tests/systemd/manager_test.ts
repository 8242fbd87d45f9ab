/**
 * The systemd backend against a real systemd (PID 1 of the test-bed): units it writes — for root, for
 * accounts of their own (DynamicUser=, User=) and for a user's own manager — pass `systemd-analyze verify`
 * silently and hand a program exactly its arguments; the host runs under it, is restarted by it, and leaves
 * nothing behind; start types, status, controls, list, query, --user.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk, assertRejects } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { notInSystemd, run, uniqueUnit, unitProcesses, unitProperty } from "./helpers.ts";
import { selfCommand } from "../../cli/self.ts";
import { type HostCommand, type ServiceManager, ServiceManagerError } from "../../service/manager.ts";
import { type Account, defaultSpec, type ServiceSpec } from "../../service/spec.ts";
import { defaultConfigRoot, writeSpec } from "../../service/store.ts";
import { connectSystemd, unitPath } from "../../systemd/manager.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
/**
 * A folder name with what a unit file must escape in a program's path; systemd refuses quotes and
 * backslashes there (systemd/escape.ts), so those are in QUOTED_NAME, for programs the host runs.
 */
const AWKWARD_NAME = "servitor ü 100% $HOME ;";
const QUOTED_NAME = `'q' "d" \\`;
const WANTS = "/etc/systemd/system/multi-user.target.wants";

/**
 * A fresh awkward folder holding copies of the fixtures (remove its parent at the end), below `parent`.
 * Anyone may read it: a service under an account of its own runs the fixtures too.
 */
async function awkwardFolder(parent?: string): Promise<string> {
  const top = await Deno.makeTempDir({ prefix: "servitor-", dir: parent });
  await Deno.chmod(top, 0o755);
  const folder = path.join(top, AWKWARD_NAME);
  await Deno.mkdir(folder, { mode: 0o755 });
  for (const fixture of ["args.sh", "signals.sh"]) {
    await Deno.copyFile(path.join(fixtures, fixture), path.join(folder, fixture));
    await Deno.chmod(path.join(folder, fixture), 0o755);
  }
  return folder;
}

/** Polls `probe` until it returns something other than undefined; fails naming `what` after `timeoutMs`. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  return eventually(probe, (value) => value !== undefined, timeoutMs, what) as Promise<T>;
}

/** The arguments args.sh wrote to `file`, once it has. */
function argumentsIn(file: string): Promise<string[]> {
  return waitFor(`the arguments in ${file}`, async () => {
    const text = await Deno.readTextFile(file).catch(() => undefined);
    return text === undefined ? undefined : text.split("\0").slice(0, -1);
  });
}

/** What `systemd-analyze verify` says about a unit file, on stderr: nothing when all is well. */
async function verify(file: string, user = false): Promise<string> {
  return (await run("systemd-analyze", ...(user ? ["--user"] : []), "verify", file)).stderr;
}

const alive = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);

/**
 * root's own user manager, for `--user` units: the test-bed has no PAM session for user@.service, so it is
 * started by hand, and ended with the scope (`await using`).
 */
async function startUserManager(): Promise<AsyncDisposable> {
  const runtime = "/run/user/0";
  await Deno.mkdir(runtime, { recursive: true, mode: 0o700 });
  const userManager = new Deno.Command("/lib/systemd/systemd", {
    args: ["--user", "--log-target=null"],
    env: { XDG_RUNTIME_DIR: runtime },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  Deno.env.set("XDG_RUNTIME_DIR", runtime);
  const stop = async () => {
    Deno.env.delete("XDG_RUNTIME_DIR");
    userManager.kill("SIGTERM");
    await userManager.status;
  };
  try {
    await waitFor(
      "the user manager",
      async () => (await run("systemctl", "--user", "show", "-p", "Version")).code === 0 || undefined,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { [Symbol.asyncDispose]: stop };
}

/** Stops and removes what a test made, whatever state it got to. */
async function cleanUp(manager: ServiceManager, names: string[]) {
  for (const name of names) {
    await manager.control(name, "stop").catch(() => {});
    await manager.remove(name).catch(() => {});
    await Deno.remove(path.join(defaultConfigRoot(false), name), { recursive: true }).catch(() => {});
  }
}

interface AwkwardCase {
  label: string;
  displayName: string;
  description: string;
  args: string[];
  /** The account (`User=`, `DynamicUser=yes`); root when not given. */
  account?: Account;
  /** A `--user` unit, run by root's own user manager. */
  user?: boolean;
}

const awkwardCases: AwkwardCase[] = [
  {
    label: "spaces and quotes",
    displayName: `Web "front" end`,
    description: `it's "quoted"`,
    args: ["two words", `say "hi"`, "it's", "", "  padded  "],
  },
  {
    label: "specifiers and variables",
    displayName: "100% of $HOME and %n",
    description: "50%% ${PATH} $$",
    args: ["100%", "%n%i%%", "$HOME", "${PATH}", "$$", "a;b", ";"],
  },
  {
    label: "backslashes, line breaks, prefixes",
    displayName: "C:\\dir\\",
    description: "line\nbreak\ttab \\",
    args: ["C:\\path\\", "back\\\\slash", "line\nbreak", "tab\there", "-x", "@y", "--opt=a b"],
  },
  {
    label: "non-ASCII",
    displayName: "Dienst für Größen ✓",
    description: "日本語の説明",
    args: ["ünïcödé", "日本語", "emoji 🚀", "€"],
  },
  {
    label: "LocalService: a dynamic user",
    displayName: "Local 100% service",
    description: `runs as "someone" of its own`,
    account: { kind: "local_service" },
    args: ["two words", "100%", "$HOME"],
  },
  {
    label: "NetworkService: a dynamic user",
    displayName: "Network service ü",
    description: "50%% ${PATH}",
    account: { kind: "network_service" },
    args: [`say "hi"`, "%n", "back\\slash"],
  },
  {
    label: "a named user",
    displayName: "as daemon",
    description: "User=daemon",
    account: { kind: "user", name: "daemon" },
    args: ["日本語", "", "line\nbreak"],
  },
  {
    label: "a --user unit",
    displayName: "Mein 100% $HOME-Dienst",
    description: `a user's "own"`,
    user: true,
    args: ["two words", "%i", "${PATH}", "ü"],
  },
];

/** What query() names the account of a case's service. */
function accountShown(awkward: AwkwardCase, name: string): string | undefined {
  switch (awkward.account?.kind) {
    case undefined:
      return awkward.user ? undefined : "root";
    case "user":
      return awkward.account.name;
    default:
      return `${name} (dynamic user)`;
  }
}

test("every unit passes systemd-analyze verify silently, and the program receives exactly its arguments", async () => {
  const system = connectSystemd();
  // Not below /tmp: a dynamic user's service has a /tmp of its own (PrivateTmp=, implied by DynamicUser=).
  const folder = await awkwardFolder("/srv");
  await using _userManager = await startUserManager();
  const user = connectSystemd({ user: true });
  const names = { system: [] as string[], user: [] as string[] };
  try {
    for (const awkward of awkwardCases) {
      const manager = awkward.user ? user : system;
      const name = uniqueUnit("servitor-awkward");
      names[awkward.user ? "user" : "system"].push(name);
      const spec = defaultSpec(name, path.join(folder, "args.sh"));
      spec.displayName = awkward.displayName;
      spec.description = awkward.description;
      spec.start = "manual";
      spec.account = awkward.account ?? spec.account;
      // The user manager has no journald unit of its own to depend on.
      spec.dependsOn = awkward.user ? [] : ["systemd-journald"];
      // systemd runs the program itself here, so that its ExecStart= is what carries the arguments. An
      // account of its own writes only in its LogsDirectory=, and gets the spec (which is in the unit as
      // LoadCredential=) from the store.
      const out = awkward.account
        ? path.join("/var/log/servitor", name, "arguments")
        : path.join(folder, `${name} out`);
      if (awkward.account) await writeSpec(defaultConfigRoot(false), spec);
      const host: HostCommand = { program: path.join(folder, "args.sh"), args: [out, ...awkward.args] };
      await manager.create(spec, host);
      assertEquals(await verify(unitPath(name, awkward.user), awkward.user), "", awkward.label);
      await manager.start(name);
      assertEquals(await argumentsIn(out), awkward.args, awkward.label);
      if (awkward.account) {
        const owner = (await Deno.stat(out)).uid;
        assertOk(
          owner !== null && owner !== 0,
          `${awkward.label}: the program ran as uid ${owner}, not root`,
        );
      }
      const installed = await manager.query(name);
      assertEquals(installed.displayName, awkward.displayName, awkward.label);
      assertEquals(installed.description, awkward.description, awkward.label);
      assertEquals(installed.dependsOn, spec.dependsOn, awkward.label);
      const account = accountShown(awkward, name);
      if (account !== undefined) assertEquals(installed.account, account, awkward.label);
    }
  } finally {
    await cleanUp(system, names.system);
    await cleanUp(user, names.user);
    for (const name of names.system) {
      for (const logs of [`/var/log/servitor/${name}`, `/var/log/private/servitor/${name}`]) {
        await Deno.remove(logs, { recursive: true }).catch(() => {});
      }
    }
    await Deno.remove(path.dirname(folder), { recursive: true });
  }
});

test("the host under systemd: runs the program, is restarted when killed, and stop and remove leave nothing", async () => {
  const manager = connectSystemd();
  const folder = await awkwardFolder();
  const name = uniqueUnit("servitor-host");
  const unit = `${name}.service`;
  const out = path.join(folder, "arguments");
  const args = ["two words", `say "hi"`, "ünï", "100%", "$HOME", "line\nbreak"];
  // The host, not systemd, runs this program: its path may hold anything.
  const quoted = path.join(folder, QUOTED_NAME);
  await Deno.mkdir(quoted);
  await Deno.copyFile(path.join(folder, "args.sh"), path.join(quoted, "args.sh"));
  await Deno.chmod(path.join(quoted, "args.sh"), 0o755);
  const spec: ServiceSpec = defaultSpec(name, path.join(quoted, "args.sh"), [out, ...args]);
  spec.output.stdout = path.join(folder, "stdout.txt");
  // A killed program is restarted at once (its run outlasts the throttle), a killed host after 100 ms.
  spec.throttleMs = 100;
  spec.recovery = { actions: [{ action: "restart", delayMs: 100 }], resetSeconds: 60 };
  const self = selfCommand();
  const host = { program: self.program, args: [...self.args, "host", "--service", name] };
  try {
    await writeSpec(defaultConfigRoot(false), spec);
    await manager.create(spec, host);
    assertEquals(await verify(unitPath(name)), "");
    assertOk(await Deno.lstat(path.join(WANTS, unit)).then(() => true, () => false), "enabled at boot");

    await manager.start(name);
    const first = await manager.status(name);
    assertEquals(first.state, "running");
    assertEquals(await argumentsIn(out), args);
    await waitFor("the program's output in its spec file", async () => {
      const text = await Deno.readTextFile(spec.output.stdout!).catch(() => "");
      return text.includes(`arguments written to ${out}`) || undefined;
    });

    // The host and the program, and nothing else, in the unit's cgroup; the same as the /proc scan finds.
    const processes = await manager.processes(name);
    assertEquals(processes, (await unitProcesses(unit)).sort((a, b) => a - b));
    const programs = processes.filter((pid) => pid !== first.pid);
    assertEquals(programs.length, 1, `one program beside the host: ${processes}`);

    // Killing the program: the host starts it again.
    await Deno.remove(out);
    Deno.kill(programs[0], "SIGKILL");
    await argumentsIn(out);
    const second = (await manager.processes(name)).filter((pid) => pid !== first.pid);
    assertEquals(second.length, 1);
    assertOk(second[0] !== programs[0], "a new program");
    assertEquals((await manager.status(name)).pid, first.pid, "the same host");

    // Killing the host: systemd starts it again (and its program with it).
    await Deno.remove(out);
    Deno.kill(first.pid!, "SIGKILL");
    const third = await waitFor("a new host", async () => {
      const status = await manager.status(name);
      return status.state === "running" && status.pid !== first.pid ? status : undefined;
    });
    await argumentsIn(out);
    assertEquals(await unitProperty(unit, "NRestarts"), "1");
    // The killed host's program went with it (PR_SET_PDEATHSIG, and the cgroup): no second copy runs.
    assertOk(!(await alive(second[0])), `the killed host's program ${second[0]} outlived it`);

    // Stop: the host stops the program its way, then exits cleanly; nothing is left in the cgroup.
    const before = await manager.processes(name);
    assertOk(before.includes(third.pid!), `the new host in the cgroup: ${before}`);
    await manager.control(name, "stop");
    const stopped = await manager.status(name);
    assertEquals(stopped, { state: "stopped", exitCode: { kind: "exit_status", code: 0 } });
    assertEquals(await manager.processes(name), []);
    for (const pid of [...processes, ...second, ...before]) {
      assertOk(!(await alive(pid)), `${pid} outlived stop`);
    }

    await manager.remove(name);
    assertOk(!(await manager.exists(name)), "gone for systemd");
    assertOk(!(await Deno.lstat(unitPath(name)).then(() => true, () => false)), "no unit file");
    assertOk(!(await Deno.lstat(path.join(WANTS, unit)).then(() => true, () => false)), "no enabled link");
  } finally {
    await cleanUp(manager, [name]);
    await Deno.remove(path.dirname(folder), { recursive: true });
  }
});

test("status: never started, running, failed with the host's exit code (and not restarted for it)", async () => {
  const manager = connectSystemd();
  const name = uniqueUnit("servitor-status");
  const self = selfCommand();
  // No stored spec: the host refuses to start (250), which systemd must not restart.
  const spec = defaultSpec(name, "/bin/true");
  spec.start = "manual";
  try {
    await manager.create(spec, { program: self.program, args: [...self.args, "host", "--service", name] });
    assertEquals(await manager.status(name), { state: "stopped" });
    await manager.start(name);
    const failed = await waitFor("the host's refusal", async () => {
      const status = await manager.status(name);
      return status.state === "stopped" ? status : undefined;
    });
    assertEquals(failed, { state: "stopped", exitCode: { kind: "exit_status", code: 250 } });
    assertEquals(await unitProperty(`${name}.service`, "ActiveState"), "failed");
    assertEquals(await unitProperty(`${name}.service`, "NRestarts"), "0");
    const error = await manager.status("servitor-no-such-unit").catch((e) => e);
    assertOk(error instanceof ServiceManagerError && error.failure === "no_such_service", `${error}`);
  } finally {
    await cleanUp(manager, [name]);
  }
});

test("start types: enabled at boot for auto and delayed only; disabled refuses a start; update follows", async () => {
  const manager = connectSystemd();
  const folder = await awkwardFolder();
  const names: Record<ServiceSpec["start"], string> = {
    auto: uniqueUnit("servitor-auto"),
    delayed: uniqueUnit("servitor-delayed"),
    manual: uniqueUnit("servitor-manual"),
    disabled: uniqueUnit("servitor-disabled"),
  };
  const host = (name: string) => ({ program: path.join(folder, "args.sh"), args: [path.join(folder, name)] });
  const linked = (name: string) =>
    Deno.lstat(path.join(WANTS, `${name}.service`)).then(() => true, () => false);
  try {
    for (const [start, name] of Object.entries(names) as [ServiceSpec["start"], string][]) {
      const spec = defaultSpec(name, "/bin/true");
      spec.start = start;
      await manager.create(spec, host(name));
      assertEquals(await verify(unitPath(name)), "", start);
      assertEquals(await linked(name), start === "auto" || start === "delayed", start);
      assertEquals((await manager.query(name)).start, start);
    }
    const refused = await manager.start(names.disabled).catch((e) => e);
    assertOk(refused instanceof ServiceManagerError && refused.failure === "refused", `${refused}`);

    const spec = defaultSpec(names.auto, "/bin/true");
    spec.start = "manual";
    spec.displayName = "now manual";
    await manager.update(spec, host(names.auto));
    assertEquals(await linked(names.auto), false);
    assertEquals((await manager.query(names.auto)).start, "manual");
    assertEquals((await manager.query(names.auto)).displayName, "now manual");
    spec.start = "auto";
    await manager.update(spec, host(names.auto));
    assertEquals(await linked(names.auto), true);

    const listed = await manager.list();
    for (const name of Object.values(names)) {
      assertOk(
        listed.some((service) => service.name === name && service.state === "stopped"),
        `${name} listed`,
      );
    }
    assertOk(!listed.some((service) => service.name === "systemd-journald"), "only servitor's units");
  } finally {
    await cleanUp(manager, Object.values(names));
    await Deno.remove(path.dirname(folder), { recursive: true });
  }
});

test("controls: rotate and continue reach the main process as SIGHUP and SIGUSR2; pause is refused", async () => {
  const manager = connectSystemd();
  const folder = await awkwardFolder();
  const name = uniqueUnit("servitor-signals");
  const out = path.join(folder, "signals");
  try {
    const spec = defaultSpec(name, "/bin/true");
    spec.start = "manual";
    await manager.create(spec, { program: path.join(folder, "signals.sh"), args: [out] });
    const notRunning = await manager.control(name, "rotate").catch((e) => e);
    assertOk(notRunning instanceof ServiceManagerError && notRunning.failure === "refused", `${notRunning}`);
    await manager.start(name);
    await waitFor("the program", () => Deno.readTextFile(out).catch(() => undefined));
    await manager.control(name, "rotate");
    await manager.control(name, "continue");
    await waitFor("both signals", async () => {
      const lines = (await Deno.readTextFile(out)).trim().split("\n");
      return lines.length === 3 ? lines : undefined;
    }).then((lines) => assertEquals(lines, ["ready", "HUP", "USR2"]));
    const pause = await manager.control(name, "pause").catch((e) => e);
    assertOk(pause instanceof ServiceManagerError && pause.failure === "refused", `${pause}`);
    assertMatch(pause.message, /no equivalent under systemd/);
  } finally {
    await cleanUp(manager, [name]);
    await Deno.remove(path.dirname(folder), { recursive: true });
  }
});

test("someone else's unit: exists, but servitor neither overwrites, changes nor removes it", async () => {
  const manager = connectSystemd();
  const journald = defaultSpec("systemd-journald", "/bin/true");
  assertOk(await manager.exists("systemd-journald"));
  const created = await manager.create(journald, { program: "/bin/true", args: [] }).catch((e) => e);
  assertOk(created instanceof ServiceManagerError && created.failure === "exists", `${created}`);
  assertMatch(created.message, /systemd-journald\.service exists already \(\/usr\/lib\/systemd\/system\//);
  await assertRejects(
    () => manager.update(journald, { program: "/bin/true", args: [] }),
    ServiceManagerError,
  );
  await assertRejects(() => manager.remove("systemd-journald"), ServiceManagerError);
  assertEquals(await manager.exists("servitor-never-installed"), false);
});

test("a dry run prints the file and the systemctl commands, and changes nothing", async () => {
  const lines: string[] = [];
  const manager = connectSystemd({ dryRun: (line) => lines.push(line) });
  const name = uniqueUnit("servitor-dry");
  await manager.create(defaultSpec(name, "/bin/true"), { program: "/bin/true", args: ["a b"] });
  assertEquals(lines[0], "mkdir -p /etc/systemd/system");
  assertMatch(
    lines[1],
    new RegExp(`^cat > /etc/systemd/system/${name}\\.service <<'EOF'\\n# Written by servitor`),
  );
  assertMatch(lines[1], /\nExecStart=\/bin\/true "a b"\n/);
  assertEquals(lines.slice(2), ["systemctl daemon-reload", `systemctl enable ${name}.service`]);
  assertEquals(await manager.exists(name), false);
});

test("--user: a user's own manager runs the unit from ~/.config/systemd/user", async () => {
  await using _userManager = await startUserManager();
  const manager = connectSystemd({ user: true });
  const folder = await awkwardFolder();
  const name = uniqueUnit("servitor-user");
  const out = path.join(folder, "arguments");
  try {
    await manager.create(defaultSpec(name, "/bin/true"), {
      program: path.join(folder, "args.sh"),
      args: [out, "as you"],
    });
    const home = Deno.env.get("HOME") ?? "/root";
    assertEquals(unitPath(name, true), `${home}/.config/systemd/user/${name}.service`);
    assertOk(
      await Deno.lstat(`${home}/.config/systemd/user/default.target.wants/${name}.service`),
      "enabled",
    );
    await manager.start(name);
    assertEquals((await manager.status(name)).state, "running");
    assertEquals(await argumentsIn(out), ["as you"]);
    assertEquals((await manager.processes(name)).length, 1);
    assertEquals((await manager.list()).map((service) => service.name), [name]);
  } finally {
    await cleanUp(manager, [name]);
    await Deno.remove(path.dirname(folder), { recursive: true });
  }
});
