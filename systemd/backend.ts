/**
 * The Linux backend: systemd, the machine's (root) or a user's own (`systemctl --user`); the store's files
 * are private by their modes. A dry run prints the unit and the systemctl commands, and needs no running
 * systemd: without one it says so and prints what would be done where it runs.
 * @module
 */
import type { Backend, ConnectOptions } from "../service/backend.ts";
import { type ServiceManager, ServiceManagerError } from "../service/manager.ts";
import { defaultConfigRoot } from "../service/store_layout.ts";
import { connectSystemd } from "./manager.ts";
import { userConfigRoot } from "./paths.ts";
import { systemdDryRun } from "./dry_run.ts";

export const systemdBackend: Backend = {
  windows: false,
  userServices: true,
  configRoot: (user) => user ? userConfigRoot() : defaultConfigRoot(false),
  connect,
};

function connect(options: ConnectOptions): ServiceManager {
  const user = options.user ?? false;
  const { print, selfService } = options;
  if (!print) return connectSystemd({ user, selfService });
  try {
    return systemdDryRun(connectSystemd({ user, dryRun: print, selfService }), { user, print });
  } catch (error) {
    if (!(error instanceof ServiceManagerError && error.failure === "unavailable")) throw error;
    // "systemd is not installed (no systemctl on PATH)", "… is installed but not running (…)"
    const why = error.message.replace(/, and servitor runs services through it.*$/s, "");
    options.warn?.(
      `servitor: dry run: ${why}; whether the service exists already can't be asked, and the lines below ` +
        "are what would be done where systemd runs",
    );
    return systemdDryRun(undefined, { user, print, unavailable: error });
  }
}
