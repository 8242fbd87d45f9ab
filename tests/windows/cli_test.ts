/**
 * InstallService and ManageService, run as a person runs them (deno.exe run cli/main.ts …), against Wine's SCM.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { main, servitor, servitorOk } from "../servitor.ts";
import { eventually } from "../helpers.ts";
import { ServiceControlManager } from "../../ffi/scm.ts";
import { defaultConfigRoot } from "../../service/store.ts";
import { directorySddl } from "../../ffi/security.ts";
import { installArgsService, notWindows, uniqueName } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
/** Wine writes HKLM\Software\Wine into every prefix; Windows has no such key. */
const underWine = !notWindows &&
  new Deno.Command("reg", { args: ["query", "HKLM\\Software\\Wine"], stdout: "null", stderr: "null" })
      .outputSync().code === 0;

function exists(name: string): boolean {
  using scm = ServiceControlManager.connect({ access: "read" });
  return scm.list("all").some((service) => service.name === name);
}

/** QueryServiceConfigW and QueryServiceConfig2W, as one comparable value. */
function config(name: string) {
  using scm = ServiceControlManager.connect({ access: "read" });
  using service = scm.open(name, "read");
  return { ...service.queryConfig(), ...service.queryConfig2() };
}

const store = (name: string) => path.win32.join(defaultConfigRoot(), name);
const storeExists = (name: string) => Deno.stat(store(name)).then(() => true, () => false);

test("a program with spaces and non-ASCII in its path receives exactly the arguments given", async () => {
  const dir = path.win32.join(await Deno.makeTempDir(), "servitor test ü");
  await Deno.mkdir(dir);
  const program = path.win32.join(dir, "deno copy.exe");
  await Deno.copyFile(Deno.execPath(), program);
  const out = path.win32.join(dir, "args.json");
  const hard = ["two words", 'say "hi"', "ünïcode", "back\\slash\\", ""];
  const name = uniqueName("servitor_cli_args");
  await installArgsService(name, out, ["--start", "manual"], { program, args: hard });
  try {
    await servitorOk("ManageService", name, "start");
    const received = await eventually(() => Deno.readTextFile(out).catch(() => ""), (text) => text !== "");
    assertEquals(JSON.parse(received), hard);
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});

test("install, start, status, stop, stop_and_restart, remove, reinstall, stop_and_reinstall, stop_and_remove", async () => {
  const name = uniqueName("servitor_cli_trip");
  const out = path.win32.join(await Deno.makeTempDir(), "args.json");
  const install = await installArgsService(name, out, [
    "--display_name",
    "servitor round trip",
    "--description",
    "a service installed by the CLI test",
    "--start",
    "delayed",
    "--stdout",
    "%SERVICE%.out.txt",
  ]);
  assertMatch(install.stdout, /^program: .*deno\.exe$/m);
  const installed = config(name);
  assertEquals(installed.displayName, "servitor round trip");
  assertEquals(installed.delayedAutoStart, true);
  assertMatch(installed.binaryPath, new RegExp(`^".*deno\\.exe" run .* host --service ${name}$`));
  // The service runs the build that installed it: the sources, or the bundled build (SERVITOR_UNDER_TEST).
  assertOk(installed.binaryPath.includes(` ${main} host `), installed.binaryPath);

  await servitorOk("ManageService", name, "start");
  const logs = path.win32.join(store(name), "logs");
  const output = path.win32.join(logs, `${name}.out.txt`);
  await eventually(() => Deno.readTextFile(output).catch(() => ""), (text) => text.includes("tick 2"));

  const status = await servitorOk("ManageService", name, "status");
  assertMatch(status.stdout, /^state\s+running \(host pid \d+\)$/m);
  assertMatch(status.stdout, /^start\s+delayed$/m);
  // The files the host writes, its spec expanded; stderr, with no spec, into the host's own file.
  assertMatch(status.stdout, new RegExp(`^stdout\\s+${RegExp.escape(output)}$`, "m"));
  const stderrFile = path.win32.join(logs, `${name}-stderr.log`);
  assertMatch(status.stdout, new RegExp(`^stderr\\s+${RegExp.escape(stderrFile)}$`, "m"));
  const json = JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout);
  assertEquals(
    [json.state, json.start, json.stdout, json.stdoutFile, json.stderrFile],
    ["running", "delayed", "%SERVICE%.out.txt", output, stderrFile],
  );
  assertOk(json.programPid > 0);

  await servitorOk("ManageService", name, "stop");
  assertEquals(
    JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout).state,
    "stopped",
  );

  await servitorOk("ManageService", name, "stop_and_restart");
  assertEquals(
    JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout).state,
    "running",
  );
  assertEquals(config(name), installed, "reinstalled from the stored arguments: the same service");

  // remove of a running service stops it first: otherwise the SCM only marks it for deletion.
  const removed = await servitorOk("ManageService", name, "remove");
  assertMatch(removed.stdout, /is running: stopping it first/);
  assertOk(!exists(name));
  assertOk(await storeExists(name), "remove keeps the install arguments");
  await servitorOk("ManageService", name, "reinstall");
  assertEquals(config(name), installed);

  await servitorOk("ManageService", name, "stop_and_reinstall");
  assertEquals(config(name), installed);
  await servitorOk("ManageService", name, "start");
  await servitorOk("ManageService", name, "stop_and_remove", "--remove_install_args");
  assertOk(!exists(name));
  assertOk(!await storeExists(name), "--remove_install_args removes the stored configuration");
});

test("each known error is one line with its exit code, and leaves nothing behind", async () => {
  const name = uniqueName("servitor_cli_err");
  const cases: [string[], number, RegExp][] = [
    [["ManageService", name, "status"], 6, /no service named/],
    [["InstallService", "Z:\\no\\such\\program.exe", "--service_name", name], 10, /was not found/],
    [["InstallService", Deno.execPath(), "--service_name", "bad/name"], 8, /can't be a service name/],
    [["InstallService", Deno.execPath(), "--service_name", ""], 8, /can't be a service name/],
    [["InstallService", Deno.execPath(), "--service_name", "x".repeat(257)], 8, /can't be a service name/],
    [
      ["InstallService", Deno.execPath(), "--service_name", name, "--start", "sometimes"],
      3,
      /--start: 'sometimes'/,
    ],
    [["InstallService", "--frobnicate", "--service_name", name], 2, /program comes first/],
    [["ManageService", name, "explode"], 2, /unknown run mode 'explode'/],
    [["ManageService", "bad/name", "status"], 8, /can't be a service name/],
  ];
  for (const [args, code, message] of cases) {
    const result = await servitor(...args);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertMatch(result.stderr, message);
    assertEquals(result.stderr.trim().split("\n").length, 1, `one line: ${result.stderr}`);
    assertOk(!exists(name) && !await storeExists(name), `${args.join(" ")} left something behind`);
  }

  await servitorOk("InstallService", Deno.execPath(), "--service_name", name, "--start", "manual");
  try {
    const again = await servitor("InstallService", Deno.execPath(), "--service_name", name);
    assertEquals(again.code, 7);
    assertMatch(again.stderr, /exists already: add --replace, or run 'ManageService .* reinstall'/);
    // reinstall is for a removed service: for one that is there, the hint is stop_and_reinstall.
    const reinstall = await servitor("ManageService", name, "reinstall");
    assertEquals(reinstall.code, 7);
    assertMatch(reinstall.stderr, new RegExp(`run 'ManageService ${name} stop_and_reinstall'$`, "m"));
    await servitorOk(
      "InstallService",
      Deno.execPath(),
      "--version",
      "--service_name",
      name,
      "--replace",
      "--start",
      "manual",
    );
    assertMatch(config(name).binaryPath, /host --service/);

    // A --replace whose new service the SCM refuses (a display name another service has: 1078, exit 7) leaves the
    // old one, as it was, rather than none.
    const before = config(name);
    const refused = await servitor(
      ...["InstallService", Deno.execPath(), "--service_name", name, "--replace"],
      ...["--display_name", "Remote Procedure Call (RPC)", "--start", "auto"],
    );
    assertEquals(refused.code, 7, refused.stderr);
    assertMatch(refused.stderr, /1078/);
    assertMatch(refused.stderr, new RegExp(`the previous '${name}' is back as it was`));
    assertOk(exists(name), "the old service is there again");
    assertEquals(config(name), before, "as it was");
    assertOk(await storeExists(name), "with its stored configuration");
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
  }
});

test("InstallService --dry-run prints the files, the SCM calls and the securing, and does none of them", async () => {
  const name = uniqueName("servitor_cli_dry");
  const dry = await servitorOk(
    ...["InstallService", Deno.execPath(), "--version", "--service_name", name, "--account", "LocalService"],
    ...["--description", "dry", "--on_failure", "restart/5s", "--dry-run"],
  );
  const directory = store(name);
  assertMatch(
    dry.stdout,
    new RegExp(`^write ${RegExp.escape(path.win32.join(directory, "service.yaml"))}:$`, "m"),
  );
  assertMatch(
    dry.stdout,
    new RegExp(`^write ${RegExp.escape(path.win32.join(directory, "install.yaml"))}:$`, "m"),
  );
  assertMatch(dry.stdout, new RegExp(`^CreateServiceW ${name}$`, "m"));
  assertMatch(dry.stdout, new RegExp(`^  ImagePath +".*deno\\.exe" run .* host --service ${name}$`, "m"));
  assertMatch(dry.stdout, /^ {2}ObjectName +NT AUTHORITY\\LocalService$/m);
  assertMatch(
    dry.stdout,
    new RegExp(`^ChangeServiceConfig2W ${name} SERVICE_CONFIG_DESCRIPTION "dry"$`, "m"),
  );
  assertMatch(
    dry.stdout,
    /^ChangeServiceConfig2W .* SERVICE_CONFIG_FAILURE_ACTIONS .*"restart","delay":5000/m,
  );
  assertMatch(dry.stdout, /^ChangeServiceConfig2W .* SERVICE_CONFIG_FAILURE_ACTIONS_FLAG true$/m);
  assertMatch(
    dry.stdout,
    new RegExp(`^secure ${RegExp.escape(directory)}: .*NT AUTHORITY\\\\LocalService read`, "m"),
  );
  assertOk(!exists(name) && !await storeExists(name), "a dry run created the service or its store");

  // An existing service: --replace --dry-run says it would delete it, and leaves it as it is.
  await servitorOk("InstallService", Deno.execPath(), "--service_name", name, "--start", "manual");
  try {
    const before = config(name);
    const replace = await servitorOk(
      ...["InstallService", Deno.execPath(), "--version", "--service_name", name, "--replace", "--dry-run"],
    );
    // Then the store, locked before it is written, as in a real install.
    assertMatch(
      replace.stdout,
      new RegExp(`^DeleteService ${name}\\nsecure ${RegExp.escape(defaultConfigRoot())}: `, "m"),
    );
    assertEquals(config(name), before);
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
  }
});

test("the store's root, the service's directory and its logs are the administrators', the account reading and writing its logs", async () => {
  const name = uniqueName("servitor_cli_acl");
  await servitorOk(
    ...["InstallService", Deno.execPath(), "--version", "--service_name", name, "--account", "LocalService"],
    ...["--start", "manual"],
  );
  try {
    const directory = store(name);
    const logs = path.win32.join(directory, "logs");
    const read = [defaultConfigRoot(), directory, logs].map((dir) => directorySddl(dir));
    if (underWine) {
      // Wine keeps no file security: it makes a descriptor up from the Unix owner and mode (security_test.ts).
      for (const sddl of read) assertMatch(sddl, /^O:S-1-5-21-[\d-]+D:\(A;OICI;FA;;;SY\)/);
      return;
    }
    const admins = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
    assertEquals(read, [admins, `${admins}(A;OICI;0x1200a9;;;LS)`, `${admins}(A;OICI;0x1301bf;;;LS)`]);
  } finally {
    await servitor("ManageService", name, "remove", "--remove_install_args");
  }
});
