/**
 * The CliContext of a command: the platform's manager and store, lines to stdout and stderr, and — for a
 * dry run, chosen here once — a printing store, no password asked for, and a closing line saying that
 * nothing was done.
 * @module
 */
import type { ServiceManager } from "../service/manager.ts";
import { diskStore, printingStore, type StoreSecurity } from "../service/lifecycle/store_files.ts";
import { type CliContext, hostCommand } from "./context.ts";
import { readPassword } from "./password.ts";
import { whyStopped } from "./reason.ts";

export interface CliContextParts {
  manager: ServiceManager;
  configRoot: string;
  windows: boolean;
  security?: StoreSecurity;
  warn(line: string): void;
  audit(line: string): void;
  /** A line for the person: stdout unless told. */
  say?: (line: string) => void;
  /** A dry run: where its lines go. */
  print?: (line: string) => void;
}

export function cliContext(parts: CliContextParts): CliContext {
  const { configRoot, windows, print } = parts;
  const say = parts.say ?? ((line: string) => console.log(line));
  return {
    ...parts,
    say,
    store: print ? printingStore(print, windows) : diskStore,
    hostCommand: (name) => hostCommand(name, configRoot),
    whyStopped: (name) => whyStopped(name, configRoot, windows),
    done: print
      ? () => say("dry run: nothing was written or changed; without --dry-run, the lines above are done")
      : say,
    readPassword: print ? () => Promise.resolve(undefined) : readPassword,
  };
}
