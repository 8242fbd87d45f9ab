/**
 * `installSelf` and `uninstallSelf`: the Nuitka plugin's hidden `install`, for a program that is a service
 * by itself. An existing service of that name is stopped and removed (so that `install` also updates),
 * then the service is created to run this very program: the compiled executable, or — run from source —
 * deno with `run`, this process's permissions and the main module. Through the ServiceManager interface:
 * the Windows SCM, or systemd on Linux, where the unit is `Type=notify`: the program says when it is ready.
 * @module
 */
import { fileURLToPath } from "node:url";
import type { HostCommand } from "../service/manager.ts";
import { connectServiceManager } from "../service/connect.ts";
import { type Account, defaultSpec, type StartMode } from "../service/spec.ts";
import {
  createManagerEntry,
  type LifecycleContext,
  removeService,
  withServiceLock,
} from "../service/lifecycle.ts";

/**
 * What {@link installSelf} installs.
 *
 * @example
 * ```ts
 * import type { InstallSelfOptions } from "../mod.ts";
 * const options: InstallSelfOptions = {
 *   name: "MyService",
 *   displayName: "My service",
 *   args: ["--port", "8080"],
 *   start: "delayed",
 * };
 * ```
 */
export interface InstallSelfOptions {
  /** The service's name: the SCM's key, the systemd unit's name (`<name>.service`). */
  name: string;
  /** The name people see (the SCM's display name, the unit's Description=); `name` when omitted. */
  displayName?: string;
  /** What the service does, in a sentence. */
  description?: string;
  /** The service's arguments: the program gets them as `Deno.args` whenever the service manager starts it. */
  args?: readonly string[];
  /** When it starts: "auto" (at boot, the default), "delayed", "manual" or "disabled". */
  start?: StartMode;
  /** The account it runs as: LocalSystem (root on Linux) when omitted. */
  account?: Account;
  /** A password for a user account (Windows only; passed to the SCM, never stored). */
  password?: string;
  /** Services it needs running first. */
  dependsOn?: readonly string[];
  /** Linux: a service of the user's own (`systemctl --user`), no root needed. */
  user?: boolean;
  /**
   * Run from source only: what comes between `deno run` and the main module. By default the permissions
   * this process has in full (`--allow-read`, `--allow-ffi` …); give them when some are granted only in
   * part (`--allow-read=/srv`), or for other flags (`--config`, `--cached-only`).
   */
  runFlags?: readonly string[];
}

/** How this program is started: the compiled executable alone, or deno running the main module. */
export interface SelfCommandFacts {
  /** `Deno.build.standalone`: compiled with `deno compile`. */
  standalone: boolean;
  /** `Deno.execPath()`: the executable, or deno. */
  execPath: string;
  /** `Deno.mainModule`. */
  mainModule: string;
  /** The flags for `deno run` (from source only). */
  runFlags: readonly string[];
}

/** The command the service manager runs: this program, then the service's arguments. */
export function selfServiceCommand(facts: SelfCommandFacts, args: readonly string[] = []): HostCommand {
  if (facts.standalone) return { program: facts.execPath, args: [...args] };
  const main = facts.mainModule.startsWith("file:") ? fileURLToPath(facts.mainModule) : facts.mainModule;
  return { program: facts.execPath, args: ["run", ...facts.runFlags, main, ...args] };
}

/**
 * Whether the service will send sd_notify's message through libc, which takes --allow-ffi in full
 * (protocol/sd_notify.ts); otherwise it runs systemd-notify, which the unit must allow (systemd/unit.ts).
 * A compiled program has the permissions baked into it, the same as this process's (`ffiGranted`).
 */
export function notifiesThroughLibc(facts: SelfCommandFacts, ffiGranted: boolean): boolean {
  if (facts.standalone) return ffiGranted;
  const flags = facts.runFlags;
  if (flags.some((flag) => flag === "--deny-ffi" || flag.startsWith("--deny-ffi="))) return false;
  return flags.some((flag) => flag === "--allow-ffi" || flag === "--allow-all" || flag === "-A");
}

/** The permissions Deno can grant in full, each as its `--allow-` flag. */
const PERMISSIONS = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/** The `--allow-` flags of the permissions this process has in full. */
export function grantedPermissionFlags(): string[] {
  return PERMISSIONS
    .filter((name) => Deno.permissions.querySync({ name }).state === "granted")
    .map((name) => `--allow-${name}`);
}

/** How long a running service gets to stop before it is removed. */
const STOP_TIMEOUT_MS = 60_000;

/**
 * Installs this program as the service `options.name`, replacing one of that name (stopped first): the
 * Nuitka plugin's `install`. Extra arguments become the service's arguments. Needs an elevated prompt on
 * Windows, root on Linux (or `user: true`); throws a ServiceManagerError saying what failed otherwise —
 * "busy" when another command (servitor's, or another installSelf) has been changing the service for 30 s:
 * it holds the service's lock in servitor's store (`.locks` in /etc/servitor or %ProgramData%\servitor).
 * On Linux the unit is `Type=notify`: `systemctl start` returns once the program is running (READY=1,
 * sent by `runService` and `runAsService`), and systemd restarts it when it fails.
 *
 * @example The hidden `install` and `uninstall` of a service program
 * ```ts ignore
 * import { installSelf, uninstallSelf } from "./mod.ts";
 * if (Deno.args[0] === "install") {
 *   await installSelf({ name: "Worker", args: Deno.args.slice(1) });
 *   Deno.exit(0);
 * }
 * if (Deno.args[0] === "uninstall") {
 *   await uninstallSelf("Worker");
 *   Deno.exit(0);
 * }
 * ```
 */
export async function installSelf(options: InstallSelfOptions): Promise<void> {
  const facts: SelfCommandFacts = {
    standalone: Deno.build.standalone,
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    runFlags: options.runFlags ?? grantedPermissionFlags(),
  };
  const ffiGranted = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  const context = await selfContext(options.user ?? false, notifiesThroughLibc(facts, ffiGranted));
  await withServiceLock(context, options.name, undefined, () => replaceService(context, facts, options));
}

/** Removes the service of that name, if any, and creates it anew to run this program. */
async function replaceService(
  context: LifecycleContext,
  facts: SelfCommandFacts,
  options: InstallSelfOptions,
): Promise<void> {
  const removed = await removeIfThere(context, options.name);
  const command = selfServiceCommand(facts, options.args);
  const spec = defaultSpec(options.name, command.program, command.args);
  spec.displayName = options.displayName ?? options.name;
  spec.description = options.description ?? "";
  spec.start = options.start ?? "auto";
  spec.account = options.account ?? spec.account;
  spec.dependsOn = [...(options.dependsOn ?? [])];
  await createManagerEntry(context, spec, command, { password: options.password, afterRemoval: removed });
}

/**
 * Stops (when it runs) and removes the service `name`; false when there was none. On Linux only a unit
 * servitor wrote is removed. `user`: a service of the user's own (Linux).
 *
 * @example
 * ```ts ignore
 * import { uninstallSelf } from "./mod.ts";
 * if (!await uninstallSelf("Worker")) console.log("Worker was not installed");
 * ```
 */
export async function uninstallSelf(name: string, options: { user?: boolean } = {}): Promise<boolean> {
  const context = await selfContext(options.user ?? false);
  return await withServiceLock(context, name, undefined, () => removeIfThere(context, name));
}

/**
 * The lifecycle's context for a program that is a service by itself: silent, and nothing of it in the store
 * but the service's lock (service/lock.ts), taken where servitor's own commands take it, in the store's
 * root: installSelf, uninstallSelf and servitor's InstallService or ManageService on the same name take
 * turns. A root or lock folder made here is made the administrators' alone (Windows), as the store.
 */
async function selfContext(user: boolean, notifiesThroughLibc = false): Promise<LifecycleContext> {
  // On Linux the units it writes run the program itself (`Type=notify`), not servitor's host.
  const connection = await connectServiceManager({ user, selfService: { notifiesThroughLibc } });
  const quiet = () => {};
  return {
    ...connection,
    // Only the lock's folders are made here: the store's files are servitor's commands' own.
    security: connection.security && { lock: connection.security.lock, grant: () => Promise.resolve() },
    say: quiet,
    warn: quiet,
    audit: quiet,
    hostCommand: () => {
      throw new Error("installSelf runs the program itself, not servitor's host");
    },
  };
}

/** Stops (waiting) and removes the service `name` when there is one, its store left alone; true if there was. */
async function removeIfThere(context: LifecycleContext, name: string): Promise<boolean> {
  if (!await context.manager.exists(name)) return false;
  await removeService(context, name, { keepStore: true, quiet: true, timeoutMs: STOP_TIMEOUT_MS });
  return true;
}
