/**
 * The CliContext of a command: the platform's manager and store (service/connect.ts), lines to stdout and
 * stderr, and the audit log — for a dry run, chosen here once, a printing manager and store, no audit log,
 * no password asked for, and a closing line saying that nothing was done.
 * @module
 */
import type { ServiceManager } from "../service/manager.ts";
import { connectServiceManager } from "../service/connect.ts";
import { diskStore, type StoreFiles, type StoreSecurity } from "../service/lifecycle/store_files.ts";
import { type CliContext, hostCommand } from "./context.ts";
import { readPassword } from "./password.ts";
import { whyStopped } from "./reason.ts";
import { openAudit } from "./audit.ts";

export interface CliContextParts {
  manager: ServiceManager;
  configRoot: string;
  windows: boolean;
  store?: StoreFiles;
  security?: StoreSecurity;
  warn(line: string): void;
  audit(line: string): void;
  /** A line for the person: stdout unless told. */
  say?: (line: string) => void;
  /** A dry run: where its lines go. */
  print?: (line: string) => void;
}

/** A CliContext of these parts. */
export function cliContext(parts: CliContextParts): CliContext {
  const { configRoot, windows, print } = parts;
  const say = parts.say ?? ((line: string) => console.log(line));
  return {
    ...parts,
    say,
    store: parts.store ?? diskStore,
    hostCommand: (name) => hostCommand(name, configRoot),
    whyStopped: (name) => whyStopped(name, configRoot, windows),
    done: print
      ? () => say("dry run: nothing was written or changed; without --dry-run, the lines above are done")
      : say,
    readPassword: print ? () => Promise.resolve(undefined) : readPassword,
  };
}

/**
 * The context a command runs with: the platform's service manager (`user`: the user's own), the audit log
 * open; `print` makes it a dry run. `close` closes the audit log.
 */
export async function openCliContext(
  options: { user?: boolean; print?: (line: string) => void },
): Promise<{ context: CliContext; close(): Promise<void> }> {
  const { print } = options;
  const warn = (line: string) => console.error(line);
  const connection = await connectServiceManager({ user: options.user, print, warn });
  const audit = print
    ? { write() {}, close: () => Promise.resolve() }
    : await openAudit(connection.configRoot, connection.security);
  return { context: cliContext({ ...connection, warn, audit: audit.write, print }), close: audit.close };
}
