/**
 * The processes of a unit: every process in its control group, and in the groups below it. systemd names
 * the group (`ControlGroup=`, a path below the hierarchy's root); where that hierarchy is mounted depends on
 * the machine: cgroup v2 at /sys/fs/cgroup, the hybrid layout's v2 at /sys/fs/cgroup/unified, or v1's
 * named hierarchy at /sys/fs/cgroup/systemd (this project's CI machines are v1 hybrid). When none can be
 * read, /proc/<pid>/cgroup says which group each process is in.
 * @module
 */
import path from "path";

const CGROUP_MOUNT = "/sys/fs/cgroup";

/** The group's folder in each hierarchy systemd may keep its groups in, most likely first. */
function candidates(cgroup: string): string[] {
  return ["", "unified", "systemd"].map((hierarchy) => path.join(CGROUP_MOUNT, hierarchy, cgroup));
}

/** The process ids in `cgroup` and every group below it; an empty list when it holds none. */
export async function cgroupProcesses(cgroup: string): Promise<number[]> {
  if (!cgroup || cgroup === "/") return [];
  for (const directory of candidates(cgroup)) {
    const pids = await readTree(directory);
    if (pids) return [...new Set(pids)].sort((a, b) => a - b);
  }
  return await scanProc(cgroup);
}

/** The pids of a group folder and its subfolders, or undefined when the folder isn't a cgroup here. */
async function readTree(directory: string): Promise<number[] | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path.join(directory, "cgroup.procs"));
  } catch {
    return undefined;
  }
  const pids = text.split("\n").filter((line) => /^\d+$/.test(line)).map(Number);
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isDirectory) pids.push(...(await readTree(path.join(directory, entry.name)) ?? []));
    }
  } catch {
    // The group went away while being read: what was read stands.
  }
  return pids;
}

/** Every process whose v2 (`0::`) or v1 named-systemd group is `cgroup` or below it. */
async function scanProc(cgroup: string): Promise<number[]> {
  const pids: number[] = [];
  const within = (group: string) => group === cgroup || group.startsWith(`${cgroup}/`);
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const lines = await Deno.readTextFile(`/proc/${entry.name}/cgroup`).catch(() => "");
    const member = lines.split("\n").some((line) => {
      const match = /^(?:0:|\d+:name=systemd):(.*)$/.exec(line);
      return match !== null && within(match[1]);
    });
    if (member) pids.push(Number(entry.name));
  }
  return pids.sort((a, b) => a - b);
}
