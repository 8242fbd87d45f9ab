/**
 * One command at a time on a service: every command that changes a service's store or its service-manager
 * entry holds that service's lock while it works. The lock is the operating system's own on a lock file —
 * flock on Linux, LockFileEx on Windows (Deno's `FsFile.tryLock`) — so it dies with its process: a command
 * that crashed or was killed never leaves a stale lock behind.
 *
 * The lock files live in `<root>/.locks/`, outside the service's own directory (which remove deletes and
 * install creates), and are never deleted: a process waiting on a lock file that another one deleted would
 * lock a file nobody else can find. Who holds a lock is written beside it (`<key>.holder`) by the holder
 * once it has the lock — on Windows a locked file can't be read by anyone else.
 * @module
 */
import path from "path";
import { AsyncLocalStorage } from "node:async_hooks";
import { ServiceManagerError } from "./manager.ts";
import { writeFileAtomically } from "./store_layout.ts";

/** The folder of the lock files, in the store's root. */
export const LOCK_DIRECTORY = ".locks";

/** How long a command waits for another one's lock unless told: as long as ManageService's --timeout. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** Who holds a service's lock, as the holder wrote it. */
export interface LockHolder {
  pid: number;
  /** The holder's command line. */
  command: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

export interface ServiceLockOptions {
  /** The store's root: the lock files are in its `.locks` folder. */
  root: string;
  /** The service's name. */
  name: string;
  /** How long to wait for another command's lock before failing with "busy". */
  timeoutMs?: number;
  /** Windows: service names are the same in any case, and so are their locks. */
  windows?: boolean;
  /** The holder's command line, as others are told it; this process's by default. */
  command?: string;
  /** Makes a directory the lock made the administrators' alone (Windows: scm/store_security.ts). */
  secure?: (directory: string) => Promise<void>;
  /** Told once, after a moment of waiting, who holds the lock (undefined: it has not said yet). */
  onWait?: (holder: LockHolder | undefined) => void;
}

/** The lock files this async context holds already: a command inside another (reinstall) takes them again. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

const POLL_MS = 100;
const QUIET_WAIT_MS = 1000;

/**
 * Runs `work` holding the lock of the service `options.name`; waits up to `timeoutMs` for a command that
 * holds it, then throws a ServiceManagerError "busy" naming that command. Taken again inside `work` (a
 * command that runs another one), it is already held and `work` runs at once.
 *
 * @example
 * ```ts ignore
 * import { withServiceLock } from "./lock.ts";
 * await withServiceLock({ root: "/etc/servitor", name: "Worker", timeoutMs: 30_000 }, async () => {
 *   // check, create, roll back: no other command changes Worker meanwhile
 * });
 * ```
 */
export async function withServiceLock<T>(options: ServiceLockOptions, work: () => Promise<T>): Promise<T> {
  const directory = path.join(options.root, LOCK_DIRECTORY);
  const key = await lockKey(options.name, options.windows ?? Deno.build.os === "windows");
  const lockFile = path.join(directory, `${key}.lock`);
  const holderFile = path.join(directory, `${key}.holder`);
  const outer = held.getStore();
  if (outer?.has(lockFile)) return await work();

  await makeLockDirectory(options.root, directory, options.secure);
  const file = await Deno.open(lockFile, { read: true, write: true, create: true, mode: 0o600 });
  try {
    await acquire(file, options, holderFile);
    try {
      const holder: LockHolder = {
        pid: Deno.pid,
        command: options.command ?? await thisCommandLine(),
        since: new Date().toISOString(),
      };
      await writeFileAtomically(holderFile, JSON.stringify(holder) + "\n");
      return await held.run(new Set([...outer ?? [], lockFile]), work);
    } finally {
      // The holder's word goes before the lock: whoever reads it next finds the next holder's, or none.
      await Deno.remove(holderFile).catch(() => {});
      await file.unlock().catch(() => {});
    }
  } finally {
    file.close();
  }
}

/** Polls the lock until it is this process's, or throws "busy" after `timeoutMs`. */
async function acquire(file: Deno.FsFile, options: ServiceLockOptions, holderFile: string): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const started = Date.now();
  let told = false;
  while (!await file.tryLock(true)) {
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      // A holder between taking the lock and writing its word (or between removing it and unlocking): a poll
      // more names it, or frees the lock, rather than a "busy" that can't say who.
      let holder = await readHolder(holderFile);
      if (!holder) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (await file.tryLock(true)) return;
        holder = await readHolder(holderFile);
      }
      throw busy(options.name, holder, waited);
    }
    if (!told && waited >= QUIET_WAIT_MS && options.onWait) {
      options.onWait(await readHolder(holderFile));
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The "busy" failure: one line, naming the command that holds the lock. */
function busy(name: string, holder: LockHolder | undefined, waitedMs: number): ServiceManagerError {
  return new ServiceManagerError(
    `'${name}' is busy: ${describeHolder(holder)} is changing it (waited ${
      Math.round(waitedMs / 1000)
    } s); ` +
      `run this again once it is done, or give it longer with --timeout`,
    "busy",
  );
}

/** "pid 4711 (servitor InstallService …) since 2026-…", or what can be said without it. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return "another command (it has not said which yet)";
  return `pid ${holder.pid} (${holder.command}) since ${holder.since}`;
}

/** The holder's word, when there is one to read. */
export async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await Deno.readTextFile(file));
    if (typeof holder?.pid === "number" && typeof holder.command === "string") return holder;
  } catch {
    // Not written yet, or being replaced this moment.
  }
  return undefined;
}

/**
 * The lock file's name for a service name: any name makes a safe file name (a service name may hold
 * characters no file name may, or be CON), unique by a hash of the name — the name folded to upper case
 * on Windows, where the SCM's names are the same in any case — after a readable part.
 *
 * @example
 * ```ts
 * import { lockKey } from "./lock.ts";
 * await lockKey("My:Service", true) === await lockKey("my:service", true); // true
 * ```
 */
export async function lockKey(name: string, windows: boolean): Promise<string> {
  const folded = windows ? name.toUpperCase() : name;
  const readable = folded.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
  // Web Crypto rather than node:crypto, whose load cost every start of the bundled build (which loads its
  // Node modules first) some 60 ms under Wine.
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(folded)));
  const hash = Array.from(digest.subarray(0, 8), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${readable}-${hash}`;
}

/**
 * Makes the store's root and its lock folder where they are missing, each secured as soon as it exists
 * (the store's rules: administrators' or root's alone); one that can't be secured is removed again.
 */
async function makeLockDirectory(
  root: string,
  directory: string,
  secure: ((directory: string) => Promise<void>) | undefined,
): Promise<void> {
  for (const folder of [root, directory]) {
    if (await Deno.stat(folder).then(() => true, () => false)) continue;
    await Deno.mkdir(folder, { recursive: true, mode: 0o700 });
    try {
      await secure?.(folder);
    } catch (error) {
      await Deno.remove(folder).catch(() => {});
      throw error;
    }
  }
}

/**
 * This process's command line: /proc/self/cmdline on Linux, else the executable, the main module (run from
 * source: Deno.args leaves it out, with deno's own flags) and the arguments.
 */
export async function thisCommandLine(): Promise<string> {
  let words: string[] | undefined;
  if (Deno.build.os === "linux") {
    try {
      words = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
      if (words.at(-1) === "") words.pop();
    } catch {
      // Not mounted: the executable and arguments below say nearly as much.
    }
  }
  if (!words) {
    // Imported here: node:url costs the bundled build's every start its load otherwise.
    const { fileURLToPath } = await import("node:url");
    const main = Deno.mainModule.startsWith("file:") ? fileURLToPath(Deno.mainModule) : Deno.mainModule;
    words = [Deno.execPath(), ...Deno.build.standalone ? [] : [main], ...Deno.args];
  }
  return words.map((word) => /[\s"]|^$/.test(word) ? JSON.stringify(word) : word).join(" ");
}
