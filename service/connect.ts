/**
 * The one place that asks which platform this is: the backend that runs here, connected once at start-up
 * — with, for a dry run, its printing manager and a printing store — for the CLI and the library alike.
 *
 * A new backend (launchd, OpenRC) is a folder beside scm/ and systemd/ with a `Backend` (service/backend.ts)
 * and one line in `backends` below.
 * @module
 */
import type { Backend, ConnectOptions } from "./backend.ts";
import { type ServiceManager, ServiceManagerError } from "./manager.ts";
import { printingManager } from "./printing_manager.ts";
import { diskStore, printingStore, type StoreFiles, type StoreSecurity } from "./lifecycle/store_files.ts";

/** The backend of each platform, loaded only where it runs. */
const backends: Partial<Record<typeof Deno.build.os, () => Promise<Backend>>> = {
  windows: async () => (await import("../scm/backend.ts")).scmBackend,
  linux: async () => (await import("../systemd/backend.ts")).systemdBackend,
};

/** A backend, connected: what the lifecycle (service/lifecycle.ts) works with. */
export interface Connection {
  manager: ServiceManager;
  /** Where services are stored: SERVITOR_CONFIG_ROOT, or the backend's place (the user's, for `user`). */
  configRoot: string;
  windows: boolean;
  /** How the store changes on disk: as it is, or a dry run's prints. */
  store: StoreFiles;
  security?: StoreSecurity;
}

/** Connects to the service manager of this platform (a printing one for `options.print`). */
export async function connectServiceManager(options: ConnectOptions = {}): Promise<Connection> {
  const load = backends[Deno.build.os];
  if (!load) {
    throw new ServiceManagerError(
      `servitor has no service manager backend for ${Deno.build.os} (it has Windows' SCM and systemd)`,
      "unavailable",
    );
  }
  const backend = await load();
  const user = options.user ?? false;
  if (user && !backend.userServices) {
    throw new ServiceManagerError("--user is for systemd: a Windows service is the machine's", "unsupported");
  }
  const manager = backend.connect(options);
  return {
    manager: options.print ? printingManager(manager) : manager,
    configRoot: configRootOverride() || backend.configRoot(user),
    windows: backend.windows,
    store: options.print ? printingStore(options.print, backend.windows) : diskStore,
    security: backend.storeSecurity?.(options.print),
  };
}

/** SERVITOR_CONFIG_ROOT: a store elsewhere (tests, portable setups), for the user's services too. */
function configRootOverride(): string | undefined {
  return Deno.env.get("SERVITOR_CONFIG_ROOT") || undefined;
}
