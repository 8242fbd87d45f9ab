/**
 * The one place the CLI asks which platform it is on: the service manager (the Windows SCM or systemd),
 * chosen once at start-up. Each backend is loaded only where it runs.
 * @module
 */
import { type ServiceManager, ServiceManagerError } from "../service/manager.ts";
import { configRoot } from "./context.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

export interface Platform {
  windows: boolean;
  manager: ServiceManager;
  /** Where services are stored: the machine's place, or the user's own for --user. */
  configRoot: string;
}

export interface PlatformOptions {
  /** Linux: the user's own systemd (systemctl --user) and store. */
  user?: boolean;
  /**
   * A dry run: the manager prints each change instead of making it, and needs no administrator or root;
   * on Linux it needs no running systemd either (`warn` then says what it can't tell).
   */
  dryRun?: (line: string) => void;
  warn?: (line: string) => void;
}

export async function platform(options: PlatformOptions = {}): Promise<Platform> {
  if (Deno.build.os === "windows") {
    if (options.user) {
      throw new CliError("--user is for systemd: a Windows service is the machine's", ExitCode.usage);
    }
    const { connectScmManager } = await import("../service/scm_manager.ts");
    return {
      windows: true,
      manager: connectScmManager({ dryRun: options.dryRun }),
      configRoot: configRoot(),
    };
  }
  const { connectSystemd, userConfigRoot } = await import("../systemd/manager.ts");
  const root = options.user ? userConfigRoot() : configRoot();
  const user = options.user ?? false;
  if (!options.dryRun) return { windows: false, manager: connectSystemd({ user }), configRoot: root };
  const { systemdDryRun } = await import("./dry_run.ts");
  const print = options.dryRun;
  try {
    const backend = connectSystemd({ user, dryRun: print });
    return { windows: false, manager: systemdDryRun(backend, { user, print }), configRoot: root };
  } catch (error) {
    if (!(error instanceof ServiceManagerError && error.failure === "unavailable")) throw error;
    // "systemd is not installed (no systemctl on PATH)", "… is installed but not running (…)"
    const why = error.message.replace(/, and servitor runs services through it.*$/s, "");
    options.warn?.(
      `servitor: dry run: ${why}; whether the service exists already can't be asked, and the lines below ` +
        "are what would be done where systemd runs",
    );
    return {
      windows: false,
      manager: systemdDryRun(undefined, { user, print, unavailable: error }),
      configRoot: root,
    };
  }
}
