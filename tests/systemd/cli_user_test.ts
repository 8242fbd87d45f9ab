/**
 * `--user` as a person without root uses it: an ordinary user (useradd) with their own user manager runs
 * InstallService and ManageService through the CLI, with the real host. The service is theirs alone: their
 * manager runs it as them, its configuration and output are under their ~/.config, and nothing is written
 * under /etc or /var/log.
 *
 * The test-bed has no pam_systemd (Debian's libpam-systemd), which sets XDG_RUNTIME_DIR for a user's
 * manager on a real machine: a drop-in for user@UID.service sets it instead, and `loginctl enable-linger`
 * starts that manager as a real machine does. The user runs the project's own files where they may read
 * them (a checkout with the usual umask 022), else a copy of it in the test-bed's /tmp, which nobody keeps.
 */
import path from "path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { notInSystemd, run, uniqueUnit } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });
const project = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = "cli/main.ts";
const TICKER = "tests/systemd/fixtures/ticker.sh";

const exists = (file: string) => Deno.lstat(file).then(() => true, () => false);
const alive = (pid: number) => Deno.stat(`/proc/${pid}`).then(() => true, () => false);
const readPid = (file: string) => Deno.readTextFile(file).then((text) => Number(text.trim()), () => 0);
/** The real user id a process runs as, from /proc. */
const uidOf = async (pid: number) =>
  Number((await Deno.readTextFile(`/proc/${pid}/status`)).match(/^Uid:\s+(\d+)/m)?.[1]);

async function runOk(program: string, ...args: string[]) {
  const result = await run(program, ...args);
  assertEquals(result.code, 0, `${program} ${args.join(" ")}: ${result.stderr}`);
  return result;
}

/** An ordinary user, their user manager running (with linger), removed again on dispose. */
interface OrdinaryUser extends AsyncDisposable {
  name: string;
  uid: number;
  home: string;
  /** Runs a command as this user, in their home, with the environment a login of theirs has. */
  run(program: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

async function ordinaryUser(name: string): Promise<OrdinaryUser> {
  await runOk("useradd", "--create-home", "--shell", "/bin/sh", name);
  const uid = Number((await runOk("id", "-u", name)).stdout);
  const home = `/home/${name}`;
  const runtime = `/run/user/${uid}`;
  const dropIn = `/run/systemd/system/user@${uid}.service.d`;
  const dispose = async () => {
    await run("loginctl", "disable-linger", name);
    await run("systemctl", "stop", `user@${uid}.service`);
    await Deno.remove(dropIn, { recursive: true }).catch(() => {});
    await run("systemctl", "daemon-reload");
    await run("userdel", "--remove", name);
  };
  try {
    await Deno.mkdir(dropIn, { recursive: true });
    await Deno.writeTextFile(
      path.join(dropIn, "runtime.conf"),
      `[Service]\nEnvironment=XDG_RUNTIME_DIR=${runtime}\n`,
    );
    await runOk("systemctl", "daemon-reload");
    // logind makes /run/user/UID theirs and starts user@UID.service, which start then waits for.
    await runOk("loginctl", "enable-linger", name);
    await runOk("systemctl", "start", `user@${uid}.service`);
  } catch (error) {
    await dispose();
    throw error;
  }
  const environment = [
    `HOME=${home}`,
    `USER=${name}`,
    `LOGNAME=${name}`,
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "LANG=C.UTF-8",
    `XDG_RUNTIME_DIR=${runtime}`,
  ];
  return {
    name,
    uid,
    home,
    async run(program: string, ...args: string[]) {
      const { code, stdout, stderr } = await new Deno.Command("setpriv", {
        args: [
          `--reuid=${name}`,
          `--regid=${name}`,
          "--init-groups",
          "--",
          "env",
          "-i",
          ...environment,
          program,
          ...args,
        ],
        cwd: home,
        stdin: "null",
      }).output();
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      return { code, stdout: decode(stdout), stderr: decode(stderr) };
    },
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * The project as `user` may run it: where it is, when they can read it and run its deno; else a copy any
 * user may read, in the test-bed's /tmp (a tmpfs of this run). The project itself is never changed: it is
 * bound in from the machine outside.
 */
async function projectFor(user: OrdinaryUser): Promise<{ root: string; deno: string } & AsyncDisposable> {
  const deno = Deno.execPath();
  const readable = await user.run("test", "-r", path.join(project, MAIN), "-a", "-x", deno);
  if (readable.code === 0) return { root: project, deno, [Symbol.asyncDispose]: async () => {} };
  console.log(`${user.name} can't read ${project}: they run a copy of it`);
  const copy = await Deno.makeTempDir({ prefix: "servitor-project-" });
  for await (const entry of Deno.readDir(project)) {
    if (entry.name !== ".git") await runOk("cp", "-R", path.join(project, entry.name), copy);
  }
  await runOk("chmod", "-R", "a+rX", copy);
  const copiedDeno = path.join(copy, "node_modules", "deno", "deno");
  return {
    root: copy,
    deno: await exists(copiedDeno) ? copiedDeno : deno,
    [Symbol.asyncDispose]: () => Deno.remove(copy, { recursive: true }),
  };
}

test("InstallService --user by an ordinary user: their own manager runs the host and program as them, configuration and output under their ~/.config, nothing under /etc", async () => {
  await using user = await ordinaryUser("servitor-ann");
  await using checkout = await projectFor(user);
  const servitor = (...args: string[]) =>
    user.run(checkout.deno, "run", "--allow-all", path.join(checkout.root, MAIN), ...args);
  const servitorOk = async (...args: string[]) => {
    const result = await servitor(...args);
    assertEquals(result.code, 0, `servitor ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
    return result;
  };
  const status = async (name: string) =>
    JSON.parse((await servitorOk("ManageService", name, "status", "--json", "--user")).stdout);

  const name = uniqueUnit("servitor-user-cli");
  const unit = `${name}.service`;
  const store = path.join(user.home, ".config", "servitor", name);
  const unitFile = path.join(user.home, ".config", "systemd", "user", unit);
  const enabled = path.join(user.home, ".config", "systemd", "user", "default.target.wants", unit);
  const pidFile = path.join(user.home, "ticker.pid");
  try {
    // Without --user, the machine's services: one line saying what to do, and nothing written.
    const refused = await servitor(
      "InstallService",
      path.join(checkout.root, TICKER),
      pidFile,
      "--service_name",
      name,
    );
    assertEquals(refused.code, 4, refused.stderr);
    assertMatch(refused.stderr, /^[^\n]*sudo[^\n]*--user[^\n]*\n$/);
    assertOk(!await exists(store) && !await exists(`/etc/servitor/${name}`), "nothing stored");

    await servitorOk(
      "InstallService",
      path.join(checkout.root, TICKER),
      pidFile,
      "--service_name",
      name,
      "--stdout",
      "%SERVICE%.out.txt",
      "--user",
    );
    assertOk(await exists(unitFile), `the unit is in their ~/.config/systemd/user`);
    assertOk(await exists(enabled), "auto start: enabled for their manager");
    const stored = await Deno.stat(store);
    assertEquals(
      [stored.uid, stored.mode! & 0o777],
      [user.uid, 0o700],
      "their configuration is theirs alone",
    );
    assertEquals((await Deno.stat(path.join(store, "service.yaml"))).uid, user.uid);
    for (
      const machine of [`/etc/servitor/${name}`, `/etc/systemd/system/${unit}`, `/var/log/servitor/${name}`]
    ) {
      assertOk(!await exists(machine), `nothing of theirs under ${machine}`);
    }

    await servitorOk("ManageService", name, "start", "--user");
    const output = path.join(store, "logs", `${name}.out.txt`);
    await eventually(() => Deno.readTextFile(output).catch(() => ""), (text) => text.includes("tick 3"));
    assertEquals((await Deno.stat(output)).uid, user.uid, "they own the output file");
    const running = await status(name);
    assertEquals(
      [running.state, running.start, running.account, running.logDirectory],
      ["running", "auto", user.name, path.join(store, "logs")],
    );
    // The host is servitor's, run by their manager as them; so is the program under it.
    const host = running.pid as number;
    const program = await eventually(() => readPid(pidFile), (pid) => pid > 0);
    assertMatch(
      (await Deno.readTextFile(`/proc/${host}/cmdline`)).replaceAll("\0", " "),
      new RegExp(` host --service ${name} --config-root ${path.dirname(store)} $`),
    );
    assertEquals([await uidOf(host), await uidOf(program)], [user.uid, user.uid]);
    assertMatch((await servitorOk("ManageService", name, "status", "--user")).stdout, /^state\s+running/m);

    await servitorOk("ManageService", name, "stop", "--user");
    assertEquals((await status(name)).state, "stopped");
    assertOk(!await alive(host), `the host ${host} outlived stop`);
    assertOk(!await alive(program), `the program ${program} outlived stop`);

    await servitorOk("ManageService", name, "remove", "--remove_install_args", "--user");
    assertOk(!await exists(unitFile), "no unit file");
    assertOk(!await exists(enabled), "no enabled symlink");
    assertOk(!await exists(store), "no configuration");
    assertEquals((await servitor("ManageService", name, "status", "--user")).code, 6);
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args", "--user");
  }
});
