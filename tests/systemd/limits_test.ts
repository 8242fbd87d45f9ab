/**
 * The program's memory and CPU limits under systemd (issue 15): the unit delegates its control group, the
 * host starts the program in a group of its own below it with the limits, and a program killed for going
 * past its memory limit is restarted, with the reason in status, the error log and the hooks.
 */
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually, tempDir } from "../helpers.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { notInSystemd, uniqueUnit, unitProperty } from "./helpers.ts";
import { groupFolder, parseMountinfo, parseProcCgroup } from "../../host/cgroups.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });
const hog = fileURLToPath(new URL("./fixtures/hog.sh", import.meta.url));

test("a program past --max_memory is killed and restarted; status, the error log and Exit/Post say why", async () => {
  await using dir = await tempDir();
  const name = uniqueUnit("servitor-hog");
  const hook = `${dir.path}/exit_post.sh`;
  await Deno.writeTextFile(hook, `#!/bin/sh\necho "limit=$SERVITOR_EXCEEDED_LIMIT" >>${dir.path}/hook.txt\n`);
  await Deno.chmod(hook, 0o755);
  await servitorOk(
    ...["InstallService", hog, "--service_name", name, "--start", "manual"],
    ...["--max_memory", "32M", "--max_cpu", "50"],
  );
  try {
    await servitorOk("set", name, "AppEvents", "Exit/Post", hook);
    assertMatch(await Deno.readTextFile(`/etc/systemd/system/${name}.service`), /^Delegate=yes$/m);
    await servitorOk("ManageService", name, "start");
    // Its first exit restarts it at once (a `last exit` row says why); its second, as quick, pauses it.
    const status = await eventually(
      async () => (await servitor("ManageService", name, "status")).stdout,
      (text) => /^state\s+paused/m.test(text),
      30_000,
      "status",
    );
    assertMatch(
      status,
      /^reason\s+the program exited with code 137 after \S+ s — it exceeded its memory limit of 32 MiB; the next start/m,
    );
    assertMatch(status, /^last exit\s+code 137 after \S+ s: it exceeded its memory limit of 32 MiB$/m);
    const errorLog = (await servitorOk("ManageService", name, "logs", "--error_log")).stdout;
    // Also the exit it was restarted after at once: a person must hear of it.
    assertMatch(errorLog, /code 137 after \S+ s — it exceeded its memory limit of 32 MiB; restarting it$/m);
    await eventually(
      () => Deno.readTextFile(`${dir.path}/hook.txt`).catch(() => ""),
      (text) => text.includes("limit=max_memory=33554432"),
      20_000,
      "the Exit/Post hook's lines",
    );
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});

test("the program runs in a control group of its own below the unit's, with its limits; the host outside it", async () => {
  const name = uniqueUnit("servitor-capped");
  await servitorOk(
    ...["InstallService", "/bin/sleep", "1000", "--service_name", name, "--start", "manual"],
    ...["--max_memory", "64M", "--max_cpu", "50"],
  );
  try {
    await servitorOk("ManageService", name, "start");
    const status = await eventually(
      async () => JSON.parse((await servitorOk("ManageService", name, "status", "--json")).stdout),
      (report) => report.programPid !== undefined,
      20_000,
      "the program's pid",
    );
    const unitGroup = await unitProperty(`${name}.service`, "ControlGroup");
    const mounts = parseMountinfo(await Deno.readTextFile(`/proc/${Deno.pid}/mountinfo`));
    const groups = parseProcCgroup(await Deno.readTextFile(`/proc/${status.programPid}/cgroup`));
    const folder = (controller: "memory" | "cpu") => {
      const mount = mounts.v1[controller] ?? mounts.unified!;
      const group = mounts.v1[controller] ? groups.v1[controller] : groups.unified!;
      assertEquals(group, `${unitGroup}/program`, `${controller}: the program's own group`);
      return groupFolder(mount, group)!;
    };
    const read = async (controller: "memory" | "cpu", file: string) =>
      (await Deno.readTextFile(`${folder(controller)}/${file}`)).trim();
    if (mounts.v1.memory) assertEquals(await read("memory", "memory.limit_in_bytes"), "67108864");
    else assertEquals(await read("memory", "memory.max"), "67108864");
    if (mounts.v1.cpu) assertEquals(await read("cpu", "cpu.cfs_quota_us"), "50000");
    else assertEquals(await read("cpu", "cpu.max"), "50000 100000");
    const host = parseProcCgroup(await Deno.readTextFile(`/proc/${status.pid}/cgroup`));
    assertOk(
      ![host.unified, ...Object.values(host.v1)].includes(`${unitGroup}/program`),
      "the host is outside the program's group",
    );
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});
