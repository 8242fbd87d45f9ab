/**
 * systemd as a supervisor, inside the test-bed's booted systemd: a unit of its own running the program
 * (Restart=always, RestartSec=0, TimeoutStopSec=3, output to the journal), and servitor installed the way
 * its users install it (`servitor InstallService`, so systemd runs the host, which runs the program).
 * A stop is `systemctl stop --no-block` for both.
 * @module
 */
import path from "path";
import { command, type Contender, STOP_TIMEOUT_MS } from "./contender.ts";
import { shellQuote } from "./contender.ts";

const project = path.resolve(import.meta.dirname!, "..", "..");
const main = path.join(project, "cli", "main.ts");

/** The servitor CLI as a person runs it from source. */
export function servitorCli(args: string[]): Promise<string> {
  return command(Deno.execPath(), ["run", "--allow-all", main, ...args]);
}

let counter = 0;
const unique = (prefix: string, name: string) =>
  `bench-${prefix}-${name}-${Date.now().toString(36)}${counter++}`;

export const systemdUnit: Contender = {
  id: "systemd",
  label: "systemd (a unit of its own)",
  settings: "Restart=always, RestartSec=0, StartLimitIntervalSec=0, TimeoutStopSec=3, output to the journal",
  packages: [],
  async start(_dir, program, services) {
    const units = new Map<string, string>();
    for (const service of services) {
      const unit = unique("systemd", service.name);
      units.set(service.name, unit);
      await Deno.writeTextFile(
        `/run/systemd/system/${unit}.service`,
        `[Unit]\nStartLimitIntervalSec=0\n\n[Service]\nExecStart=${
          [program, ...service.args].map(shellQuote).join(" ")
        }\nRestart=always\nRestartSec=0\nTimeoutStopSec=${STOP_TIMEOUT_MS}ms\n`,
      );
    }
    await command("systemctl", ["daemon-reload"]);
    for (const unit of units.values()) await command("systemctl", ["start", unit]);
    return {
      supervisors: () => [],
      stop: async (name) => void await command("systemctl", ["stop", "--no-block", units.get(name)!]),
      start: async (name) => void await command("systemctl", ["start", units.get(name)!]),
      outputFiles: () => Promise.resolve([]),
      prefixBytes: () => 0,
      managedName: (name) => units.get(name)!,
      async close() {
        for (const unit of units.values()) {
          await command("systemctl", ["kill", "--signal=SIGKILL", unit]).catch(() => {});
          await command("systemctl", ["stop", unit]).catch(() => {});
          await Deno.remove(`/run/systemd/system/${unit}.service`).catch(() => {});
        }
        await command("systemctl", ["daemon-reload"]);
      },
    };
  },
};

export const servitorUnderSystemd: Contender = {
  id: "servitor",
  label: "servitor host under systemd",
  settings: "`servitor InstallService PROGRAM ARGS --service_name NAME --start manual`; NSSM's defaults",
  packages: [],
  async start(_dir, program, services) {
    const names = new Map<string, string>();
    for (const service of services) {
      const name = unique("servitor", service.name);
      names.set(service.name, name);
      await servitorCli([
        "InstallService",
        program,
        ...service.args,
        "--service_name",
        name,
        "--start",
        "manual",
      ]);
      await servitorCli(["ManageService", name, "start"]);
    }
    return {
      supervisors: () => [],
      stop: async (name) =>
        void await command("systemctl", ["stop", "--no-block", `${names.get(name)!}.service`]),
      start: async (name) => void await command("systemctl", ["start", `${names.get(name)!}.service`]),
      outputFiles: () => Promise.resolve([]),
      prefixBytes: () => 0,
      managedName: (name) => names.get(name)!,
      async close() {
        for (const name of names.values()) {
          await command("systemctl", ["kill", "--signal=SIGKILL", `${name}.service`]).catch(() => {});
          await servitorCli(["ManageService", name, "stop_and_remove", "--remove_install_args"]).catch(
            () => {},
          );
        }
      },
    };
  },
};
