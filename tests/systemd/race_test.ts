/**
 * Commands on one service at once, against a real systemd: several InstallService of the same name run
 * together (two terminals, a configuration-management run that retries), and a remove racing an install.
 * Exactly one install wins; the others wait for its lock and then find its service (exit 7), or give up
 * as busy (exit 15); and afterwards the store and the unit are both there and agree, or both gone.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { notInSystemd, ticker, uniqueUnit, unitProperty } from "./helpers.ts";
import { readSpec } from "../../service/store.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notInSystemd, fn });

const exists = (file: string) => Deno.stat(file).then(() => true, () => false);
const RACERS = 5;
const ROUNDS = 3;
const REMOVE_ROUNDS = 12;
const STAGGER_MS = 40;

/** The unit and the store of `name` either both exist and agree, or are both gone; says which. */
async function assertWhole(name: string): Promise<"installed" | "absent"> {
  const unitFile = `/etc/systemd/system/${name}.service`;
  const storeDirectory = `/etc/servitor/${name}`;
  if (!await exists(unitFile)) {
    assertOk(!await exists(storeDirectory), `no unit, so no store: ${storeDirectory} is left`);
    return "absent";
  }
  assertEquals(await unitProperty(`${name}.service`, "LoadState"), "loaded");
  assertMatch(await Deno.readTextFile(unitFile), new RegExp(`host --service ${name}\\b`));
  const spec = await readSpec("/etc/servitor", name);
  assertEquals([spec.name, spec.program], [name, ticker], "the store holds the installed service");
  assertOk(await exists(`${storeDirectory}/install.yaml`), "and its install arguments, for reinstall");
  return "installed";
}

const outcome = (result: { code: number; stdout: string; stderr: string }) =>
  `${result.code}: ${result.stderr.trim()}`;

for (const timeout of [undefined, "0.05"]) {
  const how = timeout
    ? `with --timeout ${timeout}: the others find it or are told it is busy`
    : "the others wait";
  test(`${RACERS} InstallService of one name at once, ${ROUNDS} times: one installs it, ${how}`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = uniqueUnit("servitor-race");
      const extra = timeout ? ["--timeout", timeout] : [];
      const results = await Promise.all(
        Array.from(
          { length: RACERS },
          () => servitor("InstallService", ticker, "--service_name", name, ...extra),
        ),
      );
      const winners = results.filter((result) => result.code === 0);
      assertEquals(winners.length, 1, `round ${round}: one installs it:\n${results.map(outcome).join("\n")}`);
      for (const loser of results.filter((result) => result.code !== 0)) {
        if (loser.code === 15) {
          assertOk(timeout, `busy only with a short --timeout: ${outcome(loser)}`);
          assertMatch(
            loser.stderr,
            new RegExp(`'${name}' is busy: pid \\d+ \\(.*InstallService.*\\) since \\d{4}-`),
          );
        } else {
          assertEquals(loser.code, 7, `round ${round}: ${outcome(loser)}`);
          assertMatch(loser.stderr, new RegExp(`a service named '${name}' exists already`));
        }
        assertEquals(loser.stderr.trim().split("\n").at(-1)!.startsWith("servitor: "), true, "one line");
      }
      assertEquals(await assertWhole(name), "installed");
      await servitorOk("ManageService", name, "remove", "--remove_install_args");
      assertEquals(await assertWhole(name), "absent");
    }
  });
}

test(`ManageService remove racing InstallService of the same name, ${REMOVE_ROUNDS} times: one after the other, never half`, async () => {
  for (let round = 0; round < REMOVE_ROUNDS; round++) {
    const name = uniqueUnit("servitor-race-remove");
    await servitorOk("InstallService", ticker, "--service_name", name);
    // The install starts a little later each round, to meet the remove at another step of its work.
    const [removed, installed] = await Promise.all([
      servitor("ManageService", name, "remove", "--remove_install_args"),
      new Promise((resolve) => setTimeout(resolve, round * STAGGER_MS))
        .then(() => servitor("InstallService", ticker, "--service_name", name)),
    ]);
    assertEquals(removed.code, 0, outcome(removed));
    // The install went first (and found the service there) or second (and installed it anew).
    assertOk([0, 7].includes(installed.code), outcome(installed));
    assertEquals(await assertWhole(name), installed.code === 0 ? "installed" : "absent");
    if (installed.code === 0) await servitorOk("ManageService", name, "remove", "--remove_install_args");
  }
});

test(`nssm's verbs at once: of ${RACERS} install of one name one installs it; ${RACERS} set of different parameters all stay set`, async () => {
  const name = uniqueUnit("servitor-race-nssm");
  const installs = await Promise.all(Array.from({ length: RACERS }, () => servitor("install", name, ticker)));
  assertEquals(installs.filter((result) => result.code === 0).length, 1, installs.map(outcome).join("\n"));
  for (const loser of installs.filter((result) => result.code !== 0)) {
    assertEquals(loser.code, 5, outcome(loser));
    // NSSM's words for a taken name, as a single install of it says them (cli_test.ts) — after the lock's
    // line naming the holder, when the wait was long enough to be told.
    assertMatch(
      loser.stderr,
      /^(waiting for '[^']+': .* is changing it…\n)?Error creating service!\nCreateService\(\): The specified service already exists\.\n/,
    );
  }
  assertEquals(await assertWhole(name), "installed");
  // Each set reads the stored spec, changes one parameter and writes it back: one at a time, none is lost.
  const settings: [string, string][] = [
    ["AppThrottle", "2000"],
    ["AppRestartDelay", "3000"],
    ["AppStopMethodConsole", "2500"],
    ["AppRotateKeep", "4"],
    ["Description", "raced"],
  ];
  const sets = await Promise.all(
    settings.map(([parameter, value]) => servitor("set", name, parameter, value)),
  );
  assertEquals(sets.map((result) => result.code), settings.map(() => 0), sets.map(outcome).join("\n"));
  for (const [parameter, value] of settings) {
    assertEquals((await servitorOk("get", name, parameter)).stdout.trim(), value, parameter);
  }
  assertMatch(
    await Deno.readTextFile(`/etc/systemd/system/${name}.service`),
    /^Description="raced"$/m,
    "the unit has the stored description",
  );
  await servitorOk("ManageService", name, "remove", "--remove_install_args");
  assertEquals(await assertWhole(name), "absent");
});
