/**
 * `servitor apply` and `export` against Wine's SCM: services described in files, made so, changed only where
 * the files changed, and no service touched that servitor did not make.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { ServiceControlManager } from "../../ffi/scm.ts";
import { defaultConfigRoot } from "../../service/store.ts";
import { notWindows, uniqueName } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const fixture = path.win32.join(import.meta.dirname!, "fixtures", "cli_args.ts");

/** QueryServiceConfigW and QueryServiceConfig2W, as one comparable value. */
function config(name: string) {
  using scm = ServiceControlManager.connect({ access: "read" });
  using service = scm.open(name, "read");
  return { ...service.queryConfig(), ...service.queryConfig2() };
}

function exists(name: string): boolean {
  using scm = ServiceControlManager.connect({ access: "read" });
  return scm.list("all").some((service) => service.name === name);
}

const specFile = (name: string) => path.win32.join(defaultConfigRoot(), name, "service.yaml");
const mtime = async (file: string) => (await Deno.stat(file)).mtime?.getTime();

/** Writes `text` to a file of its own and applies it; returns the exit code and output. */
async function apply(text: string, ...args: string[]) {
  const file = path.win32.join(await Deno.makeTempDir(), "services.yaml");
  await Deno.writeTextFile(file, text);
  return await servitor("apply", file, "--detailed-exitcodes", ...args);
}

/** A service running the args fixture (it writes its arguments to `out` and stays up). */
function described(name: string, out: string, extra = "") {
  return `name: ${name}\nprogram: '${Deno.execPath()}'\narguments: [run, --allow-all, '${fixture}', '${out}']\n` +
    `start: manual\n${extra}`;
}

test("apply under the SCM: creates, changes nothing the second time, only what was edited, --check nothing, export | apply nothing", async () => {
  const [first, second] = [uniqueName("servitor_apply_a"), uniqueName("servitor_apply_b")];
  const directory = await Deno.makeTempDir();
  const outs = [path.win32.join(directory, "a.json"), path.win32.join(directory, "b.json")];
  const file = (extra = "") => `${described(first, outs[0], extra)}---\n${described(second, outs[1])}`;
  try {
    const created = await apply(file(), "--json");
    assertEquals(created.code, 2, created.stdout + created.stderr);
    assertOk(exists(first) && exists(second));
    const before = [config(first), config(second)];
    const mtimes = [await mtime(specFile(first)), await mtime(specFile(second))];

    const again = await apply(file());
    assertEquals(again.code, 0, again.stdout + again.stderr);
    assertEquals([config(first), config(second)], before);
    assertEquals([await mtime(specFile(first)), await mtime(specFile(second))], mtimes);

    const edited = file("description: edited by apply\n");
    const checked = await apply(edited, "--check", "--diff");
    assertEquals(checked.code, 2, checked.stdout + checked.stderr);
    assertMatch(checked.stdout, /\+description: edited by apply/);
    assertEquals(config(first), before[0], "--check changes nothing");
    const changed = await apply(edited);
    assertEquals(changed.code, 2, changed.stdout + changed.stderr);
    assertEquals(config(first).description, "edited by apply");
    assertEquals(config(second), before[1]);
    assertEquals(await mtime(specFile(second)), mtimes[1]);

    const exported = await servitorOk("export", first, second);
    const roundTrip = await apply(exported.stdout);
    assertEquals(roundTrip.code, 0, roundTrip.stdout + roundTrip.stderr);
  } finally {
    for (const name of [first, second]) {
      await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    }
  }
});

test("apply under the SCM: --restart restarts only the service whose program settings changed; --prune removes only servitor's; 6 when one fails", async () => {
  const [kept, changed, pruned] = [
    uniqueName("servitor_apply_kept"),
    uniqueName("servitor_apply_changed"),
    uniqueName("servitor_apply_pruned"),
  ];
  const directory = await Deno.makeTempDir();
  const out = (name: string) => path.win32.join(directory, `${name}.json`);
  // A service servitor did not make: created straight through the SCM, with no store entry.
  const foreign = uniqueName("not_servitors");
  {
    using scm = ServiceControlManager.connect({ access: "all" });
    scm.create({ name: foreign, binaryPath: `"${Deno.execPath()}" --version`, startType: "demand" }).close();
  }
  try {
    const file = (extra = "") =>
      `${described(kept, out(kept))}---\n${described(changed, out(changed), extra)}`;
    assertEquals((await apply(`${file()}---\n${described(pruned, out(pruned))}`)).code, 2);
    for (const name of [kept, changed]) await servitorOk("ManageService", name, "start");
    const pids = await Promise.all(
      [kept, changed].map(async (name) =>
        JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout).pid
      ),
    );

    const result = await apply(file("environmentExtra: [MODE=fast]\n"), "--restart", "--prune", "--json");
    assertEquals(result.code, 2, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout);
    const byName = Object.fromEntries(
      report.services.map((service: { name: string }) => [service.name.toLowerCase(), service]),
    );
    assertEquals(byName[changed.toLowerCase()].restart, "done");
    assertEquals(byName[kept.toLowerCase()].action, "unchanged");
    assertEquals(byName[pruned.toLowerCase()].action, "remove");
    assertEquals(byName[foreign.toLowerCase()], undefined);
    assertOk(exists(foreign), "a service servitor did not make stays");
    assertOk(!exists(pruned));
    const status = async (name: string) =>
      JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout);
    assertEquals((await status(kept)).pid, pids[0]);
    await eventually(() => status(changed), (now) => now.state === "running" && now.pid !== pids[1]);

    // A display name the SCM refuses (1078: another service's name): that service is not made, the other
    // is; changed and failed is 6.
    const [fresh, refused] = [uniqueName("servitor_apply_fresh"), uniqueName("servitor_apply_refused")];
    const failing = `${described(fresh, out(fresh))}---\n${
      described(refused, out(refused), `displayName: ${changed}\n`)
    }`;
    const mixed = await apply(failing, "--json");
    assertEquals(mixed.code, 6, mixed.stdout + mixed.stderr);
    assertOk(exists(fresh));
    assertOk(!exists(refused), "the refused one is not left half-made");
    assertEquals(
      await Deno.stat(path.win32.join(defaultConfigRoot(), refused)).catch(() => undefined),
      undefined,
    );
    await servitor("ManageService", fresh, "stop_and_remove", "--remove_install_args");
  } finally {
    for (const name of [kept, changed, pruned]) {
      await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    }
    using scm = ServiceControlManager.connect({ access: "all" });
    using service = scm.open(foreign, "all");
    service.delete();
  }
});

test("apply under the SCM: an invalid file changes nothing, each error with file, line and key, exit 4 with --detailed-exitcodes", async () => {
  const name = uniqueName("servitor_apply_bad");
  const result = await apply(`${described(name, "C:\\\\out.json", "throtleMs: 5\n")}`);
  assertEquals(result.code, 4, result.stdout + result.stderr);
  assertMatch(result.stderr, /services\.yaml:5: throtleMs: unknown setting/);
  assertOk(!exists(name));
});
