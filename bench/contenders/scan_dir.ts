/**
 * The daemontools family (runit, s6, daemontools): a scan directory of service directories, each with a
 * `run` script that execs the program and a `log/run` script that execs the family's logger, which the
 * scanner connects by a pipe. What differs — the scanner, the logger and its settings, how a service is
 * told to stop — each contender's file says.
 * @module
 */
import path from "path";
import { commandName, descendants, killTree, running } from "../proc.ts";
import {
  daemon,
  logDirectoryFiles,
  type Running,
  script,
  type ServiceSetup,
  shellQuote,
} from "./contender.ts";

export interface Family {
  /** The scanner and its arguments, given the scan directory. */
  scanner(scanDir: string): [string, string[]];
  /** The logger's command line in log/run (its working directory is log/), writing into ./main. */
  logger(service: ServiceSetup): string;
  /** Anything else a service directory needs (s6's timeout-kill). */
  prepare?(serviceDir: string): Promise<void>;
  /** Process names of the scanner, the supervisors and the loggers. */
  supervisorNames: string[];
  stop(serviceDir: string): Promise<void>;
  start(serviceDir: string): Promise<void>;
  /** Files the logger needs before it starts (svlogd's config). */
  logConfig?(mainDir: string, service: ServiceSetup): Promise<void>;
  /** Cancels what the family's stop left pending. */
  close?(): void;
}

export async function startScanDir(
  family: Family,
  dir: string,
  program: string,
  services: ServiceSetup[],
): Promise<Running> {
  const scanDir = path.join(dir, "scan");
  for (const service of services) {
    const serviceDir = path.join(scanDir, service.name);
    const command = [program, ...service.args].map(shellQuote).join(" ");
    await script(path.join(serviceDir, "run"), `#!/bin/sh\nexec ${command}\n`);
    await script(path.join(serviceDir, "log", "run"), `#!/bin/sh\nexec ${family.logger(service)}\n`);
    const main = path.join(serviceDir, "log", "main");
    await Deno.mkdir(main, { recursive: true });
    await family.logConfig?.(main, service);
    await family.prepare?.(serviceDir);
  }
  const [scanner, args] = family.scanner(scanDir);
  const child = await daemon(scanner, args, path.join(dir, "scanner.log"), scanDir);
  const serviceDir = (name: string) => path.join(scanDir, name);
  return {
    supervisors: () =>
      [child.pid, ...descendants(child.pid)].filter((pid) =>
        running(pid) && family.supervisorNames.includes(commandName(pid) ?? "")
      ),
    stop: (name) => family.stop(serviceDir(name)),
    start: (name) => family.start(serviceDir(name)),
    outputFiles: (name) => logDirectoryFiles(path.join(serviceDir(name), "log", "main")),
    prefixBytes: () => 0,
    async close() {
      family.close?.();
      await killTree(child.pid);
      await child.status;
    },
  };
}
