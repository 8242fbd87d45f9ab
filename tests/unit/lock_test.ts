/**
 * The service lock (service/lock.ts) between real processes: one command at a time on a service, a second
 * one waiting for it or told who is busy with it, and no lock outliving the process that held it.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { createHash } from "node:crypto";
import { LOCK_DIRECTORY, lockKey, readHolder, withServiceLock } from "../../service/lock.ts";
import { ServiceManagerError } from "../../service/manager.ts";
import { waitForOutput } from "../helpers.ts";

const fixture = fileURLToPath(new URL("./fixtures/lock_holder.ts", import.meta.url));

/** A process that takes the lock as `mode` says (fixtures/lock_holder.ts). */
function lockHolder(root: string, name: string, mode: "hold" | "visit", timeoutMs = 30_000) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fixture, root, name, mode, String(timeoutMs)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Resolves once the holder has printed "held" (it holds the lock); the rest of its output is dropped. */
const held = (child: Deno.ChildProcess) => waitForOutput(child, "held");

async function withRoot(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** The failure `promise` rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<ServiceManagerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceManagerError) return error;
    throw error;
  }
  throw new Error("it did not fail");
}

Deno.test("a command waits while another process holds the service's lock, and goes on once it is let go", async () => {
  await withRoot(async (root) => {
    const first = lockHolder(root, "Worker", "hold");
    await held(first);
    const order: string[] = [];
    const second = withServiceLock({ root, name: "Worker", timeoutMs: 60_000 }, () => {
      order.push("second inside");
      return Promise.resolve();
    });
    // Whatever the second one does meanwhile, it must not get in before the first lets go.
    await new Promise((resolve) => setTimeout(resolve, 300));
    order.push("first lets go");
    await first.stdin.close();
    await second;
    assertEquals(order, ["first lets go", "second inside"]);
    assertEquals((await first.status).code, 0);
  });
});

Deno.test("after its timeout a waiting command fails as busy, naming the holder's pid, command line and since when", async () => {
  await withRoot(async (root) => {
    const first = lockHolder(root, "Worker", "hold");
    await held(first);
    const waits: string[] = [];
    const failure = await failureOf(
      withServiceLock({
        root,
        name: "Worker",
        timeoutMs: 1_500,
        onWait: (holder) => waits.push(String(holder?.pid)),
      }, () => Promise.resolve()),
    );
    assertEquals(failure.failure, "busy");
    assertOk(!failure.message.includes("\n"), "one line");
    assertMatch(failure.message, new RegExp(`^'Worker' is busy: pid ${first.pid} \\(`));
    assertMatch(failure.message, /lock_holder\.ts .*Worker hold/, "the holder's command line");
    assertMatch(failure.message, /since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/);
    assertEquals(waits, [String(first.pid)], "told once, while waiting, who holds it");
    await first.stdin.close();
    await first.status;
  });
});

Deno.test("a lock held by a process that was killed is free at once: nothing stale is left", async () => {
  await withRoot(async (root) => {
    const first = lockHolder(root, "Worker", "hold");
    await held(first);
    first.kill("SIGKILL");
    await first.status;
    // The dead holder's word is still there, but its lock went with it.
    let inside = false;
    await withServiceLock({ root, name: "Worker", timeoutMs: 5_000 }, () => {
      inside = true;
      return Promise.resolve();
    });
    assertOk(inside);
  });
});

Deno.test("six processes racing for one service's lock go in one at a time, and none is refused", async () => {
  await withRoot(async (root) => {
    for (let round = 0; round < 3; round++) {
      const children = Array.from({ length: 6 }, () => lockHolder(root, "Worker", "visit"));
      await Promise.all(children.map((child) => child.stdin.close()));
      const results = await Promise.all(children.map((child) => child.output()));
      const failures = results.filter((result) => result.code !== 0)
        .map((result) => `${result.code}: ${new TextDecoder().decode(result.stderr)}`);
      assertEquals(failures, [], `round ${round}: every one got in alone`);
    }
  });
});

Deno.test("locks of different services don't wait for each other", async () => {
  await withRoot(async (root) => {
    const first = lockHolder(root, "Worker", "hold");
    await held(first);
    let inside = false;
    await withServiceLock({ root, name: "Other", timeoutMs: 1_000 }, () => {
      inside = true;
      return Promise.resolve();
    });
    assertOk(inside);
    await first.stdin.close();
    await first.status;
  });
});

Deno.test("the holder writes who it is while it holds the lock, and takes it back when done", async () => {
  await withRoot(async (root) => {
    const holderFile = path.join(root, LOCK_DIRECTORY, `${await lockKey("Worker", false)}.holder`);
    const before = Date.now();
    await withServiceLock({
      root,
      name: "Worker",
      windows: false,
      command: "servitor ManageService Worker remove",
    }, async () => {
      const holder = await readHolder(holderFile);
      assertEquals([holder?.pid, holder?.command], [Deno.pid, "servitor ManageService Worker remove"]);
      assertOk(Date.parse(holder!.since) >= before - 1000, "since when, as ISO time");
    });
    assertEquals(await readHolder(holderFile), undefined);
    assertEquals((await Deno.stat(path.join(root, LOCK_DIRECTORY))).mode! & 0o777, 0o700, "root's alone");
  });
});

Deno.test("a command running another one inside it (reinstall runs InstallService) takes its own lock again", async () => {
  await withRoot(async (root) => {
    const lock = { root, name: "Worker", timeoutMs: 1_000 };
    const result = await withServiceLock(lock, () => withServiceLock(lock, () => Promise.resolve("inner")));
    assertEquals(result, "inner");
  });
});

Deno.test("two commands of one process on the same service take turns", async () => {
  await withRoot(async (root) => {
    const lock = { root, name: "Worker", timeoutMs: 10_000 };
    const order: string[] = [];
    let letGo!: () => void;
    let firstIn!: () => void;
    const inside = new Promise<void>((resolve) => firstIn = resolve);
    const first = withServiceLock(lock, async () => {
      order.push("first in");
      firstIn();
      await new Promise<void>((resolve) => letGo = resolve);
      order.push("first out");
    });
    await inside;
    const second = withServiceLock(lock, () => {
      order.push("second in");
      return Promise.resolve();
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    letGo();
    await Promise.all([first, second]);
    assertEquals(order, ["first in", "first out", "second in"]);
  });
});

Deno.test("any service name gives a safe lock file name of its own; on Windows the same in any case", async () => {
  const names = ["Worker", "worker", 'a:b*c?<>|"', "CON", "..", " trailing. ", "ünïcode", "x".repeat(256)];
  const keys = await Promise.all(names.map((name) => lockKey(name, false)));
  assertEquals(new Set(keys).size, names.length, "one each on Linux, where case counts");
  for (const key of keys) {
    assertMatch(key, /^[A-Za-z0-9_-]+-[0-9a-f]{16}$/);
    assertOk(`${key}.holder.new`.length <= 255, "fits a file name with its suffixes");
  }
  assertEquals(await lockKey("Worker", true), await lockKey("WORKER", true));
  // The same names as before Web Crypto (node:crypto's sha256): a command of either version waits for the other.
  assertEquals(
    await lockKey("Worker", false),
    `Worker-${createHash("sha256").update("Worker").digest("hex").slice(0, 16)}`,
  );
  assertOk(await lockKey("Worker", true) !== await lockKey("Worker2", true));
});
