/**
 * A service's life, whoever changes it — InstallService, ManageService, nssm's verbs, `apply`, installSelf:
 * create with rollback, reconfigure, start, stop, restart and remove with their waits, putting back a
 * service that was removed to be replaced when its replacement fails, and the per-service lock
 * (service/lock.ts) around each of them. Everything here speaks to the ServiceManager interface and the
 * store; nothing asks which platform it is on, or whether it is a dry run (service/connect.ts chose both).
 *
 * Every function takes the service's lock itself; taken again inside another's (a command that runs
 * another one), the lock is held already and the work runs at once. For several services at once,
 * {@link withServiceLocks}.
 * @module
 */
import path from "path";
import type { HostCommand, ListedService, ServiceManager } from "./manager.ts";
import { ServiceManagerError } from "./manager.ts";
import type { ServiceSpec } from "./spec.ts";
import { logDirectoryFor, readSpec, serviceDirectory, specFile, specFiles } from "./store.ts";
import { CHECKED_SPEC_FILE } from "./checked_spec.ts";
import { DEFAULT_LOCK_TIMEOUT_MS, describeHolder, lockKey } from "./lock.ts";
import { INSTALL_FILE, type InstallRecord, installRecordText, readInstallRecord } from "./install_record.ts";
import { diskStore, type StoreFiles, type StoreSecurity } from "./lifecycle/store_files.ts";
import { type WaitContext, waitFor, waitUntilGone, whileStarting } from "./lifecycle/waits.ts";
import { managerEntry } from "./lifecycle/manager_fields.ts";

export type { StoreFiles, StoreSecurity } from "./lifecycle/store_files.ts";
export type { InstallRecord } from "./install_record.ts";

/** What the lifecycle works with: chosen once at start-up (the CLI's CliContext is one). */
export interface LifecycleContext extends WaitContext {
  /** The platform's service manager (a printing one for a dry run). */
  manager: ServiceManager;
  /** Where services are stored. */
  configRoot: string;
  /** Windows' rules for names and paths (case-blind service names, backslashes). */
  windows: boolean;
  /** A line for the person (stdout). */
  say(line: string): void;
  /** A progress or warning line (stderr). */
  warn(line: string): void;
  /** One line per change and its outcome (servitor.log in the store). */
  audit(line: string): void;
  /** Windows: the store's directories locked to administrators, opened to the service's account. */
  security?: StoreSecurity;
  /** How the store changes on disk: as it is when absent; a dry run's prints instead. */
  store?: StoreFiles;
  /** What the service manager runs for a stored service: servitor's host for `name`. */
  hostCommand(name: string): HostCommand;
  /** Why a service stopped right after starting, for the "start failed" line (its host's last word). */
  whyStopped?(name: string): Promise<string>;
}

/** How long a command waits for the lock and for each state, unless told. */
export interface WaitOptions {
  /** How long to wait for another command's lock, and for the service to reach each state. */
  timeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 60_000;
/** How long a deleted service may take to be gone (a handle still open elsewhere keeps it). */
const GONE_TIMEOUT_MS = 10_000;

const storeOf = (context: LifecycleContext) => context.store ?? diskStore;

/**
 * Runs `work` holding the lock of the service `name`, waiting up to `timeoutMs` for another command (a
 * line says who holds it after a moment), then failing "busy". A dry run's store takes no lock.
 */
export function withServiceLock<T>(
  context: LifecycleContext,
  name: string,
  timeoutMs: number | undefined,
  work: () => Promise<T>,
): Promise<T> {
  return storeOf(context).withLock({
    root: context.configRoot,
    name,
    timeoutMs: timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    windows: context.windows,
    secure: context.security ? (directory) => context.security!.lock(directory) : undefined,
    onWait: (holder) => context.warn(`waiting for '${name}': ${describeHolder(holder)} is changing it…`),
  }, work);
}

/**
 * Runs `work` holding the locks of all of `names` (`apply --prune`): taken one at a time in one order (of
 * their lock files' names), so two commands over overlapping sets never each wait for the other.
 */
export async function withServiceLocks<T>(
  context: LifecycleContext,
  names: readonly string[],
  timeoutMs: number | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const keyed = await Promise.all(
    [...new Set(names)].map(async (name) => ({ name, key: await lockKey(name, context.windows) })),
  );
  const ordered = keyed.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0).map(({ name }) => name);
  const take = (index: number): Promise<T> =>
    index === ordered.length
      ? work()
      : withServiceLock(context, ordered[index], timeoutMs, () => take(index + 1));
  return await take(0);
}

/** A service as servitor stored it: its spec, and its install record when it has one. */
export interface StoredService {
  spec: ServiceSpec;
  record?: InstallRecord;
}

/** The stored spec (and install record) of `name`; throws a SpecError when the spec is missing or damaged. */
export async function readStoredService(context: LifecycleContext, name: string): Promise<StoredService> {
  const spec = await readSpec(context.configRoot, name);
  const record = await readInstallRecord(context.configRoot, name).catch(() => undefined);
  return { spec, record };
}

/**
 * servitor's own services: those the service manager lists that have a folder with a service.yaml in the
 * store. The only ones `apply --prune` may remove: a service someone else installed has no store entry.
 */
export async function listServitorServices(context: LifecycleContext): Promise<ListedService[]> {
  const listed = await context.manager.list();
  const stored = new Set<string>();
  try {
    for await (const entry of Deno.readDir(context.configRoot)) {
      if (!entry.isDirectory || entry.name.startsWith(".")) continue;
      const file = specFile(context.configRoot, entry.name, context.windows);
      if (await Deno.stat(file).then((stat) => stat.isFile, () => false)) {
        stored.add(context.windows ? entry.name.toUpperCase() : entry.name);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return listed.filter((service) => stored.has(context.windows ? service.name.toUpperCase() : service.name));
}

/** How a new service is created. */
export interface CreateOptions extends WaitOptions {
  /** The install record kept beside the spec (install.yaml), for `reinstall`. */
  record: InstallRecord;
  /** The account's password: passed to the service manager only, never stored. */
  password?: string;
}

/**
 * Stores the service (its spec and install record), creates it with the service manager running servitor's
 * host, and opens its store to the service's account; a failure on the way undoes all of it — only what
 * this call made: a store folder that was there keeps its files as they were. "exists" when the manager
 * has a service of that name.
 */
export async function createService(
  context: LifecycleContext,
  spec: ServiceSpec,
  options: CreateOptions,
): Promise<void> {
  await withServiceLock(context, spec.name, options.timeoutMs, async () => {
    if (await context.manager.exists(spec.name)) {
      throw new ServiceManagerError(`a service named '${spec.name}' exists already`, "exists");
    }
    const undo = await storeService(context, spec, options.record);
    let created = false;
    try {
      await context.manager.create(spec, context.hostCommand(spec.name), options.password);
      created = true;
      for (const line of context.manager.limitations?.(spec) ?? []) context.warn(`servitor: ${line}`);
      await openStore(context, spec, true);
    } catch (error) {
      if (created) await context.manager.remove(spec.name).catch(() => {});
      await undo();
      throw error;
    }
  });
}

/** How an existing service is reconfigured. */
export interface UpdateOptions extends WaitOptions {
  /** A new install record to keep beside the spec; the old one stays when absent. */
  record?: InstallRecord;
  /** The account's password, when it is a user's: passed to the service manager only. */
  password?: string;
}

/** What a reconfiguration changed. */
export interface UpdateResult {
  /** service.yaml (or install.yaml) was rewritten. */
  storeChanged: boolean;
  /** The service manager's entry was changed. */
  managerChanged: boolean;
}

/**
 * Changes the existing service `name` to `next`: service.yaml is rewritten only when its text would differ
 * (an unchanged file keeps its bytes and mtime), the service manager's entry only when something it holds
 * differs from what it holds now (display name, description, start, account, dependencies, recovery,
 * preshutdown timeout …), install.yaml when `record` is given. A running service goes on running: its host
 * reads the spec at its next start. On failure, what was changed is put back.
 */
export async function updateService(
  context: LifecycleContext,
  name: string,
  next: ServiceSpec,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  return await withServiceLock(context, name, options.timeoutMs, async () => {
    if (!await context.manager.exists(name)) {
      throw new ServiceManagerError(`no service named '${name}'`, "no_such_service");
    }
    const store = storeOf(context);
    const directory = serviceDirectory(context.configRoot, name, context.windows);
    const files: [string, string | undefined][] = await specFiles(directory, next);
    if (options.record) files.push([path.join(directory, INSTALL_FILE), installRecordText(options.record)]);
    const before = new Map<string, string | undefined>();
    for (const [file] of files) before.set(file, await Deno.readTextFile(file).catch(() => undefined));
    const previous = await readSpec(context.configRoot, name).catch(() => undefined);
    const installed = await context.manager.query(name);
    const host = context.hostCommand(name);
    const managerChanged = options.password !== undefined || !previous ||
      managerEntry(context.manager, previous, host) !== managerEntry(context.manager, next, host) ||
      installed.displayName !== next.displayName || installed.description !== next.description ||
      installed.start !== next.start || installed.dependsOn.join("\n") !== next.dependsOn.join("\n");
    const written: string[] = [];
    try {
      for (const [file, text] of files) {
        if (text === undefined || before.get(file) === text) continue;
        await store.write(file, text);
        written.push(file);
      }
      if (managerChanged) {
        await context.manager.update(next, host, options.password);
        for (const line of context.manager.limitations?.(next) ?? []) context.warn(`servitor: ${line}`);
        await openStore(context, next, false);
      }
    } catch (error) {
      for (const file of written) await store.restore(file, before.get(file)).catch(() => {});
      if (managerChanged && previous) {
        await context.manager.update(previous, host).catch((undo) =>
          context.warn(
            `servitor: '${name}' could not be set back as it was (${(undo as Error).message}): check it`,
          )
        );
      }
      throw error;
    }
    // The checked form alone rewritten (a store from an older servitor) is no change of the service's own.
    const storeChanged = written.some((file) => path.basename(file) !== CHECKED_SPEC_FILE);
    return { storeChanged, managerChanged };
  });
}

/** How a service is stopped or removed. */
export interface StopOptions extends WaitOptions {
  /** No line when it is stopped (a step of a bigger command). */
  quiet?: boolean;
}

/** Starts `name` and waits until it runs; "start failed" with the host's reason when it stops again. */
export async function startService(
  context: LifecycleContext,
  name: string,
  options: WaitOptions = {},
): Promise<void> {
  await withServiceLock(context, name, options.timeoutMs, async () => {
    const before = await context.manager.status(name);
    if (before.state === "running") {
      context.say(`'${name}' is running already`);
      return;
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const started = Date.now();
    await whileStarting(context, name, context.manager.start(name), timeoutMs);
    await waitFor(
      context,
      name,
      "running",
      Math.max(0, timeoutMs - (Date.now() - started)),
      async (status) => {
        if (status.state !== "stopped") return undefined;
        const why = await context.whyStopped?.(name) ?? "no reason recorded";
        return `'${name}' stopped again right after starting: ${why}`;
      },
    );
    context.say(`'${name}' is running`);
  });
}

/** Stops `name` and waits until it has stopped. */
export async function stopService(
  context: LifecycleContext,
  name: string,
  options: StopOptions = {},
): Promise<void> {
  await withServiceLock(context, name, options.timeoutMs, async () => {
    const before = await context.manager.status(name);
    if (before.state === "stopped") {
      if (!options.quiet) context.say(`'${name}' is stopped already`);
      return;
    }
    if (before.state !== "stop_pending") await context.manager.control(name, "stop");
    await waitFor(context, name, "stopped", options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    if (!options.quiet) context.say(`'${name}' is stopped`);
  });
}

/** Stops `name` (waiting), then starts it (waiting). */
export async function restartService(
  context: LifecycleContext,
  name: string,
  options: WaitOptions = {},
): Promise<void> {
  await withServiceLock(context, name, options.timeoutMs, async () => {
    await stopService(context, name, options);
    await startService(context, name, options);
  });
}

/** How a service is removed. */
export interface RemoveOptions extends StopOptions {
  /** Keep its store folder (service.yaml, install.yaml), for `reinstall`; deleted when false or absent. */
  keepStore?: boolean;
}

/**
 * Removes `name`: stopped first when it is not (a line says so) — removing a running service would leave
 * it running, marked for deletion (Windows), or gone from systemd with its process alive — then deleted,
 * and waited for until the manager no longer lists it; its store folder goes too unless `keepStore`.
 */
export async function removeService(
  context: LifecycleContext,
  name: string,
  options: RemoveOptions = {},
): Promise<void> {
  await withServiceLock(context, name, options.timeoutMs, async () => {
    const { state } = await context.manager.status(name);
    if (state !== "stopped") {
      if (!options.quiet) context.say(`'${name}' is ${state.replace("_", " ")}: stopping it first`);
      await stopService(context, name, { ...options, quiet: true });
    }
    await context.manager.remove(name);
    await waitUntilGone(context, name, GONE_TIMEOUT_MS);
    if (!options.keepStore) {
      await storeOf(context).removeDirectory(serviceDirectory(context.configRoot, name, context.windows));
    }
  });
}

/**
 * Creates the service manager's entry alone, for a service that keeps nothing in the store (installSelf:
 * the program is the service). Right after a removal the name may still be marked for deletion (a handle
 * open elsewhere): "exists" is tried again for a while when `afterRemoval`.
 */
export async function createManagerEntry(
  context: Pick<LifecycleContext, "manager">,
  spec: ServiceSpec,
  host: HostCommand,
  options: { password?: string; afterRemoval?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  for (;;) {
    try {
      return await context.manager.create(spec, host, options.password);
    } catch (error) {
      const stillThere = error instanceof ServiceManagerError && error.failure === "exists";
      if (!options.afterRemoval || !stillThere || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Creates again, as it was stored (its store files are still there), a service that was removed to be
 * installed anew when that failed — so that a failed `--replace` or `stop_and_reinstall` leaves the old
 * service, stopped, rather than none. Says what it did; never throws.
 */
export async function putBack(context: LifecycleContext, previous: ServiceSpec): Promise<void> {
  const name = previous.name;
  try {
    if (await context.manager.exists(name)) return;
    await context.manager.create(previous, context.hostCommand(name));
    await openStore(context, previous, false);
    context.audit(`InstallService ${name}: the previous service put back`);
    context.warn(`servitor: the previous '${name}' is back as it was (stopped)`);
  } catch (error) {
    context.warn(
      `servitor: the previous '${name}' could not be put back (${(error as Error).message}): ` +
        `run 'ManageService ${name} reinstall' once the cause is fixed`,
    );
  }
}

/**
 * Once the service exists (a virtual account NT SERVICE\<name> exists only then), its store folder and
 * log directory are opened to its account (Windows); `makeLogs` makes the log directory first.
 */
async function openStore(context: LifecycleContext, spec: ServiceSpec, makeLogs: boolean): Promise<void> {
  if (!context.security) return;
  const directory = serviceDirectory(context.configRoot, spec.name, context.windows);
  const logs = logDirectoryFor(spec, context.configRoot, context.windows);
  if (makeLogs) await storeOf(context).makeDirectory(logs);
  await context.security.grant(directory, logs, spec);
}

/**
 * Writes the service's spec and install record into its folder, locked first (and the store's root);
 * returns how to undo it: the files as they were before (a service removed without --remove_install_args
 * keeps them), or no folder at all. A failure on the way is undone before it is thrown.
 */
async function storeService(
  context: LifecycleContext,
  spec: ServiceSpec,
  record: InstallRecord,
): Promise<() => Promise<void>> {
  const store = storeOf(context);
  const directory = serviceDirectory(context.configRoot, spec.name, context.windows);
  /** The directories this call made, outermost first: only those are removed again. */
  const made: string[] = [];
  const files: [string, string][] = [
    ...await specFiles(directory, spec),
    [path.join(directory, INSTALL_FILE), installRecordText(record)],
  ];
  const before = new Map<string, string | undefined>();
  for (const [file] of files) before.set(file, await Deno.readTextFile(file).catch(() => undefined));
  const undo = async () => {
    if (made.length) return await store.removeDirectory(made[0]);
    for (const [file] of files) await store.restore(file, before.get(file));
  };
  try {
    // ProgramData lets every user create folders: the root is locked as well as the service's folder. An
    // existing one is locked too: it may be older than servitor's locking, or made by someone else.
    for (const folder of [context.configRoot, directory]) {
      if (await store.makeDirectory(folder)) made.push(folder);
      await context.security?.lock(folder);
    }
    for (const [file, text] of files) await store.write(file, text);
  } catch (error) {
    await undo();
    throw error;
  }
  return undo;
}
