/**
 * `ManageService <name> logs` under Wine's SCM (issue 15): the last lines of a running service's output as
 * its host writes them, and `-f` following new ones, through the real host and the real SCM.
 */
import path from "path";
import { assertEquals, assertOk } from "../assert.ts";
import { servitor, servitorLines, servitorOk } from "../servitor.ts";
import { eventually } from "../helpers.ts";
import { defaultConfigRoot } from "../../service/store.ts";
import { installArgsService, notWindows, uniqueName } from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });

test("logs -n shows a running service's last output lines, and -f follows the new ones", async () => {
  const name = uniqueName("servitor_logs");
  const args = path.win32.join(await Deno.makeTempDir(), "args.json");
  await installArgsService(name, args, ["--start", "manual", "--stdout", "%SERVICE%.out.txt"]);
  let follower: Deno.ChildProcess | undefined;
  try {
    await servitorOk("ManageService", name, "start");
    const output = path.win32.join(defaultConfigRoot(), name, "logs", `${name}.out.txt`);
    await eventually(() => Deno.readTextFile(output).catch(() => ""), (text) => text.includes("tick 4"));
    const shown = (await servitorOk("ManageService", name, "logs", "-n", "2")).stdout.trim().split(/\r?\n/);
    assertEquals(shown.length, 2, shown.join("|"));
    const first = Number(shown[0].split(" ")[1]);
    assertEquals(shown, [`tick ${first}`, `tick ${first + 1}`]);
    assertOk(first >= 3, "the last lines, not the first");

    const following = servitorLines("ManageService", name, "logs", "-f", "-n", "1");
    following.done.catch(() => {});
    follower = following.child;
    const seen = following.lines;
    // The last line there was, then each new one as the service writes it, in order and once.
    const lines = await eventually(
      () => [...seen],
      (lines) => lines.length >= 6,
      30_000,
      "the followed lines",
    );
    const ticks = lines.map((line) => Number(line.split(" ")[1]));
    assertEquals(ticks, ticks.map((_, i) => ticks[0] + i), lines.join("|"));
    assertOk(ticks[0] >= first + 1, "from where the file was, not its start");
  } finally {
    try {
      follower?.kill();
      await follower?.status;
    } catch { /* ended */ }
    await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
  }
});
