/**
 * servitor: one host per service (`servitor host --service NAME --config-root ROOT`, run from source by
 * `deno run`), its spec stored with writeSpec as InstallService stores it, NSSM's defaults otherwise.
 * The host runs as under systemd (INVOCATION_ID set, so it does not copy the output to a console); a
 * stop is SIGTERM to the host, as systemd sends it.
 * @module
 */
import path from "path";
import { defaultSpec } from "../../service/spec.ts";
import { writeSpec } from "../../service/store.ts";
import { rotatedFiles } from "../../host/rotation.ts";
import { hostV8Flags, selfCommand } from "../../cli/self.ts";
import { killTree, running } from "../proc.ts";
import type { Contender, Running } from "./contender.ts";

const project = path.resolve(import.meta.dirname!, "..", "..");
const main = path.join(project, "cli", "main.ts");
/** The bundled build (`deno task bundle`), what a compiled servitor runs. */
export const bundledMain = path.join(project, "dist", "servitor.js");

/** `YYYY-MM-DD HH:MM:SS.mmm ` before each line (AppTimestampLog). */
export const TIMESTAMP_BYTES = 24;

/**
 * `health`: each service with an HTTP health check of `healthUrl` every 10 s (AppHealthCheck's default
 * interval), for the cost of checking at rest. `unhealthy`: a check (`healthUrl`, a `cmd:` that fails)
 * every 200 ms that counts after 2 s of grace (past AppThrottle, so no restart is throttled) and restarts
 * the program at its first failure.
 */
export function servitor(
  variant: "plain" | "bundle" | "rotate" | "timestamps" | "health" | "unhealthy" = "plain",
  healthUrl?: string,
): Contender {
  return {
    id: variant === "plain" ? "servitor" : `servitor-${variant}`,
    label: variant === "plain"
      ? "servitor host"
      : variant === "bundle"
      ? "servitor host, bundled build"
      : variant === "rotate"
      ? "servitor host, online rotation"
      : variant === "health"
      ? "servitor host, an HTTP health check every 10 s"
      : variant === "unhealthy"
      ? "servitor host, a failing command check every 200 ms"
      : "servitor host, timestamps",
    settings:
      "`deno run -A cli/main.ts host --service NAME --config-root ROOT` per service; NSSM's defaults " +
      "(stop: SIGINT, 1.5 s, SIGTERM, 1.5 s, SIGKILL); AppStdout = a file; rotation: AppRotateOnline, " +
      "AppRotateBytes SIZE",
    packages: [],
    async start(dir, program, services) {
      const root = path.join(dir, "store");
      const outFile = (name: string) => path.join(dir, name, "out.log");
      for (const service of services) {
        const spec = defaultSpec(service.name, program, service.args);
        spec.directory = dir;
        spec.logDirectory = path.join(dir, service.name);
        spec.output.stdout = outFile(service.name);
        spec.output.timestamp = variant === "timestamps";
        if (variant === "health" && healthUrl) {
          spec.health = {
            check: healthUrl,
            intervalMs: 10_000,
            timeoutMs: 3_000,
            retries: 3,
            startMs: 30_000,
            action: "restart",
          };
        }
        if (variant === "unhealthy" && healthUrl) {
          spec.health = {
            check: healthUrl,
            intervalMs: 200,
            timeoutMs: 3_000,
            retries: 1,
            startMs: 2_000,
            action: "restart",
          };
        }
        if (variant === "rotate" && service.rotateBytes !== undefined) {
          spec.output.rotation.online = true;
          spec.output.rotation.bytes = service.rotateBytes;
        }
        await writeSpec(root, spec);
      }
      const hosts = new Map<string, Deno.ChildProcess>();
      const launch = async (name: string) => {
        const log = await Deno.open(path.join(dir, `${name}.host.log`), {
          write: true,
          create: true,
          append: true,
        });
        const child = new Deno.Command(Deno.execPath(), {
          // The host's command line as the service manager gets it (cli/context.ts hostCommand).
          args: [
            ...selfCommand(
              false,
              Deno.execPath(),
              variant === "bundle" ? bundledMain : main,
              hostV8Flags(false),
            )
              .args,
            "host",
            "--service",
            name,
            "--config-root",
            root,
          ],
          env: { INVOCATION_ID: "bench" },
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).spawn();
        child.stderr.pipeTo(log.writable).catch(() => {});
        hosts.set(name, child);
      };
      for (const service of services) await launch(service.name);
      const runningHost: Running = {
        supervisors: () => [...hosts.values()].map((child) => child.pid).filter(running),
        stop(name) {
          hosts.get(name)!.kill("SIGTERM");
          return Promise.resolve();
        },
        async start(name) {
          await hosts.get(name)?.status;
          await launch(name);
        },
        async outputFiles(name) {
          const file = outFile(name);
          return [...(await rotatedFiles(file)).map((rotated) => rotated.path), file];
        },
        prefixBytes: () => variant === "timestamps" ? TIMESTAMP_BYTES : 0,
        async close() {
          for (const child of hosts.values()) {
            await killTree(child.pid);
            await child.status;
          }
        },
      };
      return runningHost;
    },
  };
}
