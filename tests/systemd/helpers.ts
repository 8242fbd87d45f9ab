/** What the systemd-tier tests share. They run inside a systemd booted by tests/testbed/testbed.sh. */
import { fileURLToPath } from "node:url";
import { servitorOk } from "../servitor.ts";

/** Outside the booted systemd (a test-bed that could not run) every test of this tier reports itself ignored. */
export const notInSystemd = Deno.env.get("SERVITOR_TESTBED") !== "systemd";

/** Runs a command; returns its exit code and output. */
export async function run(program: string, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(program, { args, stdin: "null" }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

/** `systemctl show --property=NAME --value` for one property. */
export async function unitProperty(unit: string, property: string): Promise<string> {
  return (await run("systemctl", "show", `--property=${property}`, "--value", unit)).stdout;
}

let counter = 0;
/** A unit name no other test uses. */
export function uniqueUnit(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${counter++}`;
}

/**
 * The PIDs in a unit's control group, found through /proc/PID/cgroup: that works whether the machine mounts
 * cgroup v2 or v1 (this project's CI machines are v1 with a name=systemd hierarchy).
 */
export async function unitProcesses(unit: string): Promise<number[]> {
  return cgroupProcesses(await unitProperty(unit, "ControlGroup"));
}

/**
 * The PIDs in a control group (a ControlGroup= path). For a unit that is gone, whose ControlGroup= systemd
 * no longer says, ask with the path read while it was there.
 */
export async function cgroupProcesses(cgroup: string): Promise<number[]> {
  if (!cgroup) return [];
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const lines = await Deno.readTextFile(`/proc/${entry.name}/cgroup`).catch(() => "");
    if (
      lines.split("\n").some((line) => /^(0:|\d+:name=systemd):/.test(line) && line.endsWith(`:${cgroup}`))
    ) {
      pids.push(Number(entry.name));
    }
  }
  return pids;
}

/** A program that writes its pid to its first argument, then ticks on stdout (fixtures/ticker.sh). */
export const ticker = fileURLToPath(new URL("./fixtures/ticker.sh", import.meta.url));

/** InstallService of the ticker as `name`, writing its pid to `pidFile`, with InstallService's `options`. */
export function installTicker(name: string, pidFile: string, ...options: string[]) {
  return servitorOk("InstallService", ticker, pidFile, "--service_name", name, ...options);
}
