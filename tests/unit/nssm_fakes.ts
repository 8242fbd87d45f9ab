/** nssm's verbs run in-process against a service manager that knows some names and is asked nothing else. */
import { cliContext } from "../../cli/lifecycle_context.ts";
import { nssmCommand } from "../../cli/nssm.ts";
import type { ServiceManager } from "../../service/manager.ts";
import { fakeManager } from "./fake_manager.ts";

/** A service manager that knows `existing` only, and is asked nothing else. */
function managerOf(existing: string[]): ServiceManager {
  return fakeManager({
    exists: (name) => Promise.resolve(existing.includes(name)),
    list: () => Promise.resolve(existing.map((name) => ({ name, displayName: name }) as never)),
  });
}

/** `servitor ARGS…` (nssm's verbs) where only `existing` are services: its code and output, each line ended. */
export async function nssm(existing: string[], ...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await nssmCommand(
    args,
    cliContext({
      manager: managerOf(existing),
      configRoot: "/nonexistent/servitor",
      windows: false,
      say: (line) => stdout.push(`${line}\n`),
      warn: (line) => stderr.push(`${line}\n`),
      audit: () => {},
    }),
  );
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}
