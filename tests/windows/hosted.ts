/**
 * A service run by servitor's host under Wine's SCM, for the Windows-tier tests of the host: its spec
 * stored with writeSpec in a temporary root, its ImagePath this same deno.exe running `cli/main.ts host`
 * (or the bundled build's dist/servitor.js, with SERVITOR_UNDER_TEST=bundle: tests/servitor.ts).
 */
import path from "path";
import { ServiceControlManager } from "../../ffi/scm.ts";
import { hostV8Flags, selfCommand } from "../../cli/self.ts";
import { windowsCommandLine } from "../../service/command_line.ts";
import { defaultSpec, type ServiceSpec } from "../../service/spec.ts";
import { writeSpec } from "../../service/store.ts";
import { uniqueName, waitForState } from "./helpers.ts";
import { eventuallyLines, sleep } from "../helpers.ts";
import { assertEquals } from "../assert.ts";
import type { Service } from "../../ffi/scm.ts";
import { main } from "../servitor.ts";

/** servitor's command line: the build under test (tests/servitor.ts), from source unless told otherwise. */
export { main };

/**
 * What the host writes to status.json (the parts the tests read). Some tests read it only where every
 * version the host writes says the same: under Wine, a reader holding status.json open at the moment the
 * host renames its new version over it made that write fail (Access denied), so a polled state could stay
 * stale.
 */
export interface HostStatus {
  state: string;
  hostPid: number;
  programPid?: number;
  counters: { startRequested: number; started: number; throttled: number; exits: number };
}

/**
 * A service run by the host, `change` adjusting its spec (DENO_EXE is in its environment, for fixtures
 * that start deno.exe). Deleted, and its tree ended, on dispose.
 */
export async function hostedService(
  prefix: string,
  program: string,
  args: string[],
  change: (spec: ServiceSpec) => void,
) {
  const root = await Deno.makeTempDir({ prefix: "servitor-host-" });
  const name = uniqueName(prefix);
  const spec = defaultSpec(name, program, args);
  spec.environmentExtra = [`DENO_EXE=${Deno.execPath()}`];
  change(spec);
  const specFile = await writeSpec(root, spec);
  using scm = ServiceControlManager.connect();
  const service = scm.create({
    name,
    startType: "demand",
    // The host's command line as InstallService writes it (cli/context.ts hostCommand), this file's entry.
    binaryPath: windowsCommandLine(Deno.execPath(), [
      ...selfCommand(false, Deno.execPath(), main, hostV8Flags()).args,
      "host",
      "--service",
      name,
      "--config-root",
      root,
    ]),
  });
  const logs = path.win32.join(root, name, "logs");
  return {
    name,
    service,
    root,
    specFile,
    logs,
    errorLog: path.win32.join(logs, `${name}_ERROR_LOG.txt`),
    /** What the host last wrote to status.json. */
    async status(): Promise<HostStatus> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          return JSON.parse(await Deno.readTextFile(path.win32.join(logs, "status.json")));
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(50);
        }
      }
    },
    [Symbol.dispose]() {
      try {
        if (service.queryStatus().state !== "stopped") service.control({ kind: "stop" });
      } catch { /* stopped meanwhile */ }
      service.delete();
      service.close();
    },
  };
}

/**
 * StartServiceW for a service that stops again at once. Wine's services.exe answers a start by waiting for
 * the service's first status: START_PENDING or RUNNING is success; anything else (STOPPED, when the host
 * refuses a bad configuration at once, or when the start failed before services.exe looked) is
 * ERROR_SERVICE_REQUEST_TIMEOUT (1053). Either way the state and exit code the SCM then shows are what tell.
 */
export function startTolerantly(service: { start(): void }): void {
  try {
    service.start();
  } catch {
    // Asserted next: the state and exit code.
  }
}

/**
 * Starts a service whose host refuses to run it (startTolerantly), waits until the SCM shows it STOPPED —
 * with the service-specific `code` when given — and for the error log's "cannot start" line; returns that
 * line and the log's lines.
 */
export async function refusedStart(
  hosted: { service: Service; errorLog: string },
  code?: number,
): Promise<{ line: string; lines: string[] }> {
  startTolerantly(hosted.service);
  const stopped = await waitForState(hosted.service, "stopped", 30_000);
  if (code !== undefined) assertEquals(stopped.exitCode, { kind: "service_specific", code });
  const lines = await eventuallyLines(hosted.errorLog, (all) => all.some((l) => l.includes("cannot start")));
  return { line: lines.find((l) => l.includes("cannot start"))!, lines };
}
