/**
 * What a service-manager backend (scm/, systemd/) gives: its ServiceManager, where its services are stored,
 * and who may touch the store. Everything that differs between platforms is a property of a backend — what
 * it can't express (ServiceManager.limitations), the settings it ignores (ServiceManager.ignoredSettings),
 * how a dry run prints it (`connect` with `print`) — so nothing above it asks which platform it is on.
 * service/connect.ts picks the one that runs here.
 * @module
 */
import type { ServiceManager } from "./manager.ts";
import type { StoreSecurity } from "./lifecycle/store_files.ts";

export interface ConnectOptions {
  /** A user's own services (systemctl --user) and store, where the backend has them. */
  user?: boolean;
  /**
   * A dry run: each change is a line for `print` instead, and the backend needs no administrator or root
   * (nor a running service manager, where it can say what it would do without asking one).
   */
  print?: (line: string) => void;
  /** What a dry run can't tell, as a line for the person. */
  warn?: (line: string) => void;
  /**
   * The service is the program itself (installSelf), not servitor's host; `notifiesThroughLibc`: it says
   * when it is ready through libc (systemd's Type=notify).
   */
  selfService?: { notifiesThroughLibc: boolean };
}

export interface Backend {
  /** Windows' rules for names and paths: case-blind service names, backslashes, no file modes. */
  readonly windows: boolean;
  /** Whether it has services of a user's own (`--user`). */
  readonly userServices: boolean;
  /** Where its services are stored unless SERVITOR_CONFIG_ROOT says: the machine's place, or the user's. */
  configRoot(user: boolean): string;
  /** Its ServiceManager; throws a ServiceManagerError when there is none to connect to. */
  connect(options: ConnectOptions): ServiceManager;
  /** Who may touch the store, where modes don't say it (Windows' ACLs); a dry run's prints instead. */
  storeSecurity?(print?: (line: string) => void): StoreSecurity;
}
