/**
 * The one place the CLI asks which platform it is on: the service manager (the Windows SCM or systemd),
 * chosen once at start-up. Each backend is loaded only where it runs.
 * @module
 */
import type { ServiceManager } from "../service/manager.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

export interface Platform {
  windows: boolean;
  manager: ServiceManager;
}

export async function platform(options: { user?: boolean } = {}): Promise<Platform> {
  if (Deno.build.os === "windows") {
    const { connectScmManager } = await import("../service/scm_manager.ts");
    return { windows: true, manager: connectScmManager() };
  }
  // The systemd backend lands next (issue 6); until then Linux says so in one line.
  void options;
  throw new CliError(
    "InstallService and ManageService on Linux need the systemd backend, not built yet",
    ExitCode.notImplemented,
  );
}
