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
import { groupFolder, parseMountinfo } from "../../host/cgroups.ts";

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
    const status = await eventually(
      async () => (await servitor("ManageService", name, "status")).stdout,
      (text) => /exceeded its memory limit of 32 MiB/.test(text),
      30_000,
      "status",
    );
    assertMatch(
      status,
      /the program exited with code 137 after \S+ s — it exceeded its memory limit of 32 MiB/,
    );
    const errorLog = (await servitorOk("ManageService", name, "logs", "--error_log")).stdout;
    assertMatch(errorLog, /exceeded its memory limit of 32 MiB/);
    const hookLines = await eventually(
      () => Deno.readTextFile(`${dir.path}/hook.txt`).catch(() => ""),
      (text) => text.includes("limit=max_memory=33554432"),
      20_000,
      "the Exit/Post hook's lines",
    );
    assertOk(hookLines.length > 0);

    // The limits are the program's group's, below the unit's own; the host is not in it.
    const unitGroup = await unitProperty(`${name}.service`, "ControlGroup");
    const mounts = parseMountinfo(await Deno.readTextFile(`/proc/${Deno.pid}/mountinfo`));
    const cpuMount = mounts.v1.cpu ?? mounts.unified!;
    const cpuGroup = `${groupFolder(cpuMount, unitGroup)}/program`;
    if (mounts.v1.cpu) {
      assertEquals((await Deno.readTextFile(`${cpuGroup}/cpu.cfs_quota_us`)).trim(), "50000");
    } else assertEquals((await Deno.readTextFile(`${cpuGroup}/cpu.max`)).trim(), "50000 100000");
    const hostPid = Number(await unitProperty(`${name}.service`, "MainPID"));
    const hostGroups = await Deno.readTextFile(`/proc/${hostPid}/cgroup`);
    assertOk(
      !hostGroups.includes(`${unitGroup}/program`),
      `the host is outside the program's group: ${hostGroups}`,
    );
  } finally {
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});
