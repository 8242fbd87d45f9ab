/**
 * The one place the CLI asks which platform it is on: the service manager (the Windows SCM or systemd),
 * chosen once at start-up. Each backend is loaded only where it runs.
 * @module
 */
import type { ServiceManager } from "../service/manager.ts";
import { configRoot } from "./context.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

export interface Platform {
  windows: boolean;
  manager: ServiceManager;
  /** Where services are stored: the machine's place, or the user's own for --user. */
  configRoot: string;
}

export async function platform(options: { user?: boolean } = {}): Promise<Platform> {
  if (Deno.build.os === "windows") {
    if (options.user) {
      throw new CliError("--user is for systemd: a Windows service is the machine's", ExitCode.usage);
    }
    const { connectScmManager } = await import("../service/scm_manager.ts");
    return { windows: true, manager: connectScmManager(), configRoot: configRoot() };
  }
  const { connectSystemd, userConfigRoot } = await import("../systemd/manager.ts");
  return {
    windows: false,
    manager: connectSystemd({ user: options.user }),
    configRoot: options.user ? userConfigRoot() : configRoot(),
  };
}
