/**
 * What every command works with, chosen once at start-up: the service manager of this platform, where
 * services are stored, how servitor starts its own host, where output goes, and the audit log.
 * @module
 */
import type { HostCommand } from "../service/manager.ts";
import type { LifecycleContext } from "../service/lifecycle.ts";
import { defaultConfigRoot } from "../service/store_layout.ts";
import { serviceNameProblem } from "../service/settings.ts";
import { entryModule, hostV8Flags, selfCommand } from "./self.ts";
import { ExitCode } from "./exit_codes.ts";
import { CliError } from "./errors.ts";

/**
 * The lifecycle's context (service/lifecycle.ts: the manager, the store, where lines go …) and what only
 * commands need. A dry run's is chosen once (cli/main.ts): its manager, store and security print each
 * change, its audit log writes nothing, and these print what a dry run means.
 */
export interface CliContext extends LifecycleContext {
  /** The line a command ends with once it has changed what it was asked to; a dry run's says it did not. */
  done(line: string): void;
  /** A user account's password (--password_env, or asked for); a dry run asks for none. */
  readPassword(account: string, variable?: string): Promise<string | undefined>;
}

/** What the service manager runs: servitor's host for `name` (with the store's root when not the default). */
export function hostCommand(name: string, root: string): HostCommand {
  const self = selfCommand(Deno.build.standalone, Deno.execPath(), entryModule(), hostV8Flags());
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
