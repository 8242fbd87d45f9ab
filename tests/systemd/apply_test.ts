/**
 * `servitor apply` and `export` against a real systemd: services described in files, made so, changed only
 * where the files changed, and nothing touched that servitor did not make.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { installTicker, notInSystemd, run, ticker, uniqueUnit, unitProperty } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });

const mtime = async (file: string) => (await Deno.stat(file)).mtime?.getTime();
const unitFile = (name: string) => `/etc/systemd/system/${name}.service`;
const specFile = (name: string) => `/etc/servitor/${name}/service.yaml`;

/** Writes `text` to a file of its own and applies it with `args`; returns the exit code and output. */
async function apply(text: string, ...args: string[]) {
  const file = path.join(await Deno.makeTempDir(), "services.yaml");
  await Deno.writeTextFile(file, text);
  return await servitor("apply", file, "--detailed-exitcodes", ...args);
}

/** Two services as a file describes them: a ticker writing its pid, and a second one. */
function servicesFile(
  names: [string, string],
  pidFiles: [string, string],
  extra = { first: "", second: "" },
) {
  return `services:
  ${names[0]}:
    program: ${ticker}
    arguments: [${pidFiles[0]}]
    description: the first${extra.first}
  ${names[1]}:
    program: ${ticker}
    arguments: [${pidFiles[1]}]${extra.second}
`;
}

test("apply creates, a second apply changes nothing, an edit changes only what was edited, --check changes nothing", async () => {
  const names: [string, string] = [uniqueUnit("apply-a"), uniqueUnit("apply-b")];
  const directory = await Deno.makeTempDir();
  const pidFiles: [string, string] = [path.join(directory, "a.pid"), path.join(directory, "b.pid")];
  try {
    const created = await apply(servicesFile(names, pidFiles), "--json");
    assertEquals(created.code, 2, created.stdout + created.stderr);
    const report = JSON.parse(created.stdout);
    assertEquals(report.services.map((service: { action: string }) => service.action), ["create", "create"]);
    for (const name of names) assertOk(await mtime(unitFile(name)) && await mtime(specFile(name)), name);

    // list --json: every servitor service's status object, these two among them.
    const listed = JSON.parse((await servitorOk("list", "--json")).stdout) as {
      name: string;
      state: string;
    }[];
    for (const name of names) {
      const entry = listed.find((service) => service.name === name);
      assertEquals(entry?.state, "stopped", JSON.stringify(listed));
    }

    // The same file again: nothing written, no service-manager change.
    const before = await Promise.all(names.flatMap((name) => [mtime(unitFile(name)), mtime(specFile(name))]));
    const again = await apply(servicesFile(names, pidFiles));
    assertEquals(again.code, 0, again.stdout + again.stderr);
    assertMatch(again.stdout, /0 created, 0 updated, 0 removed, 2 unchanged/);
    const after = await Promise.all(names.flatMap((name) => [mtime(unitFile(name)), mtime(specFile(name))]));
    assertEquals(after, before);

    // One edit, checked first: --check says what and changes nothing.
    const edited = servicesFile(names, pidFiles, { first: ", edited", second: "" });
    const checked = await apply(edited, "--check", "--diff");
    assertEquals(checked.code, 2, checked.stdout + checked.stderr);
    assertMatch(checked.stdout, new RegExp(`${names[0]}: would update \\(description\\)`));
    assertMatch(checked.stdout, /-description: the first\n\+description: the first, edited/);
    assertEquals(await mtime(specFile(names[0])), before[1]);
    const changed = await apply(edited);
    assertEquals(changed.code, 2, changed.stdout + changed.stderr);
    assertMatch(changed.stdout, /1 updated, 0 removed, 1 unchanged/);
    // The unit keeps the description in its [X-Servitor] section (Description= is the display name).
    assertMatch(await Deno.readTextFile(unitFile(names[0])), /the first, edited/);
    assertEquals(await mtime(specFile(names[1])), before[3], "the other service's file keeps its mtime");

    // The install record was kept in step: a reinstall makes the service as applied.
    await servitorOk("ManageService", names[0], "stop_and_reinstall");
    assertMatch(await Deno.readTextFile(specFile(names[0])), /description: the first, edited/);

    // export | apply changes nothing.
    const exported = await servitorOk("export", ...names);
    assertMatch(exported.stdout, /^# yaml-language-server: \$schema=/);
    const roundTrip = await apply(exported.stdout);
    assertEquals(roundTrip.code, 0, roundTrip.stdout + roundTrip.stderr);
  } finally {
    for (const name of names) {
      await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    }
  }
});

test("--restart restarts only the running services whose program settings changed", async () => {
  const names: [string, string] = [uniqueUnit("apply-r"), uniqueUnit("apply-s")];
  const directory = await Deno.makeTempDir();
  const pidFiles: [string, string] = [path.join(directory, "r.pid"), path.join(directory, "s.pid")];
  try {
    assertEquals((await apply(servicesFile(names, pidFiles))).code, 2);
    for (const name of names) await servitorOk("ManageService", name, "start");
    const hostPids = await Promise.all(names.map((name) => unitProperty(`${name}.service`, "MainPID")));
    // The first: only its description (the manager's); the second: its environment (the program's).
    const edited = servicesFile(names, pidFiles, {
      first: " (renamed)",
      second: "\n    environmentExtra: [MODE=fast]",
    });
    const pending = await apply(edited, "--check");
    assertMatch(
      pending.stdout,
      new RegExp(`${names[1]}: would update \\(environmentExtra\\); restart pending`),
    );
    const restarted = await apply(edited, "--restart", "--json");
    assertEquals(restarted.code, 2, restarted.stdout + restarted.stderr);
    const report = JSON.parse(restarted.stdout);
    assertEquals(report.services.map((service: { restart: string }) => service.restart), ["none", "done"]);
    assertEquals(await unitProperty(`${names[0]}.service`, "MainPID"), hostPids[0]);
    await eventually(
      () => unitProperty(`${names[1]}.service`, "MainPID"),
      (pid) => pid !== hostPids[1] && pid !== "0",
    );
  } finally {
    for (const name of names) {
      await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    }
  }
});

test("--prune removes servitor's services the files don't name, and never a unit servitor did not make", async () => {
  const kept = uniqueUnit("apply-kept");
  const pruned = uniqueUnit("apply-pruned");
  const foreign = uniqueUnit("not-servitors");
  await Deno.writeTextFile(unitFile(foreign), "[Service]\nExecStart=/bin/sleep 1000\n");
  await run("systemctl", "daemon-reload");
  try {
    await installTicker(pruned, "/dev/null");
    const file = `name: ${kept}\nprogram: ${ticker}\narguments: [/dev/null]\n`;
    const result = await apply(file, "--prune", "--json");
    assertEquals(result.code, 2, result.stdout + result.stderr);
    const actions = Object.fromEntries(
      JSON.parse(result.stdout).services.map((service: { name: string; action: string }) => [
        service.name,
        service.action,
      ]),
    );
    assertEquals(actions[kept], "create");
    assertEquals(actions[pruned], "remove");
    assertEquals(actions[foreign], undefined);
    assertOk(await mtime(unitFile(foreign)), "a unit servitor did not make stays");
    assertEquals((await servitor("ManageService", pruned, "status")).code, 6);
  } finally {
    await Deno.remove(unitFile(foreign)).catch(() => {});
    await servitor("ManageService", kept, "stop_and_remove", "--remove_install_args");
    await servitor("ManageService", pruned, "stop_and_remove", "--remove_install_args");
  }
});

test("an invalid file changes nothing: every error named by file, line and key, exit 3 (4 detailed)", async () => {
  const name = uniqueUnit("apply-bad");
  const text = `name: ${name}\nprogram: ${ticker}\nthrotleMs: 5\n---\nname: other\nprogram: relative/prog\n`;
  const file = path.join(await Deno.makeTempDir(), "bad.yaml");
  await Deno.writeTextFile(file, text);
  const plain = await servitor("apply", file);
  assertEquals(plain.code, 3, plain.stdout + plain.stderr);
  assertMatch(plain.stderr, /bad\.yaml:3: throtleMs: unknown setting/);
  assertMatch(plain.stderr, /bad\.yaml:6: program: expected an absolute path, not "relative\/prog"/);
  assertOk(!plain.stderr.includes("    at "), "no stack trace");
  assertEquals((await servitor("apply", file, "--detailed-exitcodes")).code, 4);
  assertEquals(await mtime(unitFile(name)).catch(() => undefined), undefined, "nothing was created");
});

test("--detailed-exitcodes: 6 when one service changed and another failed", async () => {
  const good = uniqueUnit("apply-good");
  const failing = uniqueUnit("apply-fails");
  // A dependency on a Windows load-order group has no counterpart in systemd: that service's create is
  // refused, the other's is done.
  const text =
    `name: ${good}\nprogram: ${ticker}\n---\nname: ${failing}\nprogram: ${ticker}\ndependsOn: ["+Network"]\n`;
  try {
    const result = await apply(text, "--json");
    assertEquals(result.code, 6, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout);
    assertEquals(report.services[0].action, "create");
    assertOk(report.services[1].error, "the failing service says why");
    assertOk(await mtime(unitFile(good)));
    assertEquals(
      await mtime(unitFile(failing)).catch(() => undefined),
      undefined,
      "the failed one is put back",
    );
  } finally {
    await servitor("ManageService", good, "stop_and_remove", "--remove_install_args");
    await servitor("ManageService", failing, "stop_and_remove", "--remove_install_args");
  }
});
