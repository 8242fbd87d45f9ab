/**
 * The Windows backend: the SCM through ffi/, its store in %ProgramData%\servitor locked with ACLs.
 * @module
 */
import type { Backend } from "../service/backend.ts";
import { defaultConfigRoot } from "../service/store_layout.ts";
import { connectScmManager } from "./manager.ts";
import { describedStoreSecurity, windowsStoreSecurity } from "./store_security.ts";

export const scmBackend: Backend = {
  windows: true,
  userServices: false,
  configRoot: () => defaultConfigRoot(true),
  connect: (options) => connectScmManager({ dryRun: options.print }),
  storeSecurity: (print) => print ? describedStoreSecurity(print) : windowsStoreSecurity,
};
