/**
 * Commands on one service at once, under Wine's SCM: the service lock between real processes (LockFileEx,
 * through Deno's FsFile.tryLock), and several InstallService of one name run together. Exactly one install
 * wins; the others wait for its lock and then find its service (exit 7); the store and the SCM's entry are
 * both there and agree. Fewer rounds than on Linux: every deno.exe start under Wine takes a while.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { servitor, servitorOk } from "../servitor.ts";
import { ServiceControlManager } from "../../ffi/scm.ts";
import { defaultConfigRoot, readSpec } from "../../service/store.ts";
import { withServiceLock } from "../../service/lock.ts";
import { ServiceManagerError } from "../../service/manager.ts";
import { notWindows, uniqueName } from "./helpers.ts";
import { waitForOutput } from "../helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const lockHolderScript = path.win32.join(import.meta.dirname!, "..", "unit", "fixtures", "lock_holder.ts");
const RACERS = 5;
const ROUNDS = 3;

/** A deno.exe process taking the lock as `mode` says (tests/unit/fixtures/lock_holder.ts). */
function lockHolder(root: string, name: string, mode: "hold" | "visit") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", lockHolderScript, root, name, mode],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Ends a process (TerminateProcess) unless it has ended already, and waits until it has. */
async function endProcess(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill();
  } catch {
    // It has exited already.
  }
  await child.status;
}

/** Resolves once the holder has printed "held" (it holds the lock); the rest of its output is dropped. */
const held = (child: Deno.ChildProcess) => waitForOutput(child, "held");

test("LockFileEx: processes racing for a service's lock go in one at a time; a waiting one is told who holds it", async () => {
  const root = await Deno.makeTempDir();
  const holders: Deno.ChildProcess[] = [];
  try {
    const children = Array.from({ length: RACERS }, () => lockHolder(root, "Worker", "visit"));
    await Promise.all(children.map((child) => child.stdin.close()));
    const results = await Promise.all(children.map((child) => child.output()));
    assertEquals(
      results.filter((result) => result.code !== 0).map((result) => new TextDecoder().decode(result.stderr)),
      [],
      "every one got in alone",
    );

    // Names are the same in any case on Windows, and so are their locks.
    const holder = lockHolder(root, "worker", "hold");
    holders.push(holder);
    await held(holder);
    let failure: unknown;
    await withServiceLock({ root, name: "WORKER", timeoutMs: 1_000 }, () => Promise.resolve())
      .catch((error) => failure = error);
    assertOk(failure instanceof ServiceManagerError && failure.failure === "busy", String(failure));
    assertMatch(
      (failure as Error).message,
      new RegExp(`^'WORKER' is busy: pid ${holder.pid} \\(.*lock_holder`),
    );
    // TerminateProcess: the lock goes with the process.
    await endProcess(holder);
    let inside = false;
    await withServiceLock({ root, name: "Worker", timeoutMs: 10_000 }, () => Promise.resolve(inside = true));
    assertOk(inside, "the killed holder's lock is free");
  } finally {
    // A holder left by a failed assertion would keep the lock file open, and its folder undeletable.
    for (const holder of holders) await endProcess(holder);
    await Deno.remove(root, { recursive: true });
  }
});

function scmEntry(name: string) {
  using scm = ServiceControlManager.connect({ access: "read" });
  if (!scm.list("all").some((service) => service.name === name)) return undefined;
  using service = scm.open(name, "read");
  return service.queryConfig();
}

test(`${RACERS} InstallService of one name at once, ${ROUNDS} times: one installs it, the others find it; store and SCM agree`, async () => {
  const program = Deno.execPath();
  for (let round = 0; round < ROUNDS; round++) {
    const name = uniqueName("servitor_race");
    const results = await Promise.all(
      Array.from({ length: RACERS }, () => servitor("InstallService", program, "--service_name", name)),
    );
    const outcomes = results.map((result) => `${result.code}: ${result.stderr.trim()}`).join("\n");
    try {
      assertEquals(results.filter((result) => result.code === 0).length, 1, `round ${round}:\n${outcomes}`);
      for (const loser of results.filter((result) => result.code !== 0)) {
        assertEquals(loser.code, 7, `round ${round}:\n${outcomes}`);
        assertMatch(loser.stderr, new RegExp(`a service named '${name}' exists already`));
      }
      const entry = scmEntry(name);
      assertOk(entry, "the SCM has it");
      assertMatch(entry!.binaryPath, new RegExp(` host --service ${name}\\b`));
      const spec = await readSpec(defaultConfigRoot(), name);
      assertEquals([spec.name, spec.program], [name, program], "the store holds the installed service");
    } finally {
      await servitor("ManageService", name, "remove", "--remove_install_args");
    }
    assertEquals(scmEntry(name), undefined);
    assertOk(!await Deno.stat(path.win32.join(defaultConfigRoot(), name)).then(() => true, () => false));
  }
});

test("InstallService waiting for another command's lock gives up after its --timeout as busy, exit 15", async () => {
  const name = uniqueName("servitor_busy");
  const holder = lockHolder(defaultConfigRoot(), name, "hold");
  await held(holder);
  try {
    const result = await servitor(
      "InstallService",
      Deno.execPath(),
      "--service_name",
      name,
      "--timeout",
      "1",
    );
    assertEquals(result.code, 15, result.stderr);
    assertMatch(
      result.stderr,
      new RegExp(`^servitor: '${name}' is busy: pid ${holder.pid} \\(.*\\) since \\d{4}-`),
    );
    assertEquals(scmEntry(name), undefined, "nothing installed");
  } finally {
    await holder.stdin.close();
    await holder.status;
  }
  await servitorOk("InstallService", Deno.execPath(), "--service_name", name);
  await servitorOk("ManageService", name, "remove", "--remove_install_args");
});
