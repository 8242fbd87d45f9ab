/**
 * What every command works with, chosen once at start-up: the service manager of this platform, where
 * services are stored, how servitor starts its own host, where output goes, and the audit log.
 * @module
 */
import type { HostCommand, ServiceManager } from "../service/manager.ts";
import type { StoreSecurity } from "./store_security.ts";
import { defaultConfigRoot } from "../service/store.ts";
import { serviceNameProblem } from "../service/schema.ts";
import { selfCommand } from "./self.ts";
export {
  INSTALL_FILE,
  type InstallRecord,
  installRecordPath,
  installRecordText,
  readInstallRecord,
} from "../service/install_record.ts";
import { ExitCode } from "./exit_codes.ts";
import { CliError } from "./errors.ts";

export interface CliContext {
  manager: ServiceManager;
  /** Where services are stored (SERVITOR_CONFIG_ROOT overrides the platform's place). */
  configRoot: string;
  windows: boolean;
  /** A line for the person (stdout). */
  say(line: string): void;
  /** A progress or warning line (stderr). */
  warn(line: string): void;
  /** One line per install or manage action and its outcome (servitor.log in the store). */
  audit(line: string): void;
  /**
   * Windows: the store's directories locked to administrators before anything is written into them, and
   * opened to the service's account once it exists. On Linux the modes 0700/0600 do it.
   */
  security?: StoreSecurity;
  /**
   * A dry run (`InstallService --dry-run`): each change to the store is this line instead, and `manager`
   * and `security` print theirs; nothing is written, not even the audit log.
   */
  dryRun?: (line: string) => void;
}

/** The store's root: SERVITOR_CONFIG_ROOT when set (tests, portable setups), else the platform's place. */
export function configRoot(): string {
  return Deno.env.get("SERVITOR_CONFIG_ROOT") || defaultConfigRoot();
}

/** What the service manager runs: servitor's host for `name` (with the store's root when not the default). */
export function hostCommand(name: string, root: string): HostCommand {
  const self = selfCommand();
  const args = [...self.args, "host", "--service", name];
  if (root !== defaultConfigRoot()) args.push("--config-root", root);
  return { program: self.program, args };
}

/** The service name rules (service/schema.ts): the SCM's, and none of the store's own entries. */
export function checkServiceName(name: string | undefined): string {
  if (name === undefined) {
    throw new CliError("--service_name <name> is required", ExitCode.usage);
  }
  const problem = serviceNameProblem(name);
  if (problem) {
    throw new CliError(`'${name}' can't be a service name: ${problem}`, ExitCode.invalidName);
  }
  return name;
}
