/**
 * The one place the CLI asks which platform it is on: the service manager (the Windows SCM or systemd),
 * chosen once at start-up. Each backend is loaded only where it runs.
 * @module
 */
import type { ServiceManager } from "../service/manager.ts";

export interface Platform {
  windows: boolean;
  manager: ServiceManager;
}

export async function platform(options: { user?: boolean } = {}): Promise<Platform> {
  if (Deno.build.os === "windows") {
    const { connectScmManager } = await import("../service/scm_manager.ts");
    return { windows: true, manager: connectScmManager() };
  }
  const { connectSystemd } = await import("../systemd/manager.ts");
  return { windows: false, manager: connectSystemd({ user: options.user }) };
}
