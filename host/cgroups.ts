/**
 * The program's memory and CPU limits on Linux: a control group of its own below the host's, which systemd
 * delegates to the host (the unit's `Delegate=yes`, systemd.resource-control(5); the kernel's cgroup-v2
 * "Delegation"). The limits then hold for the program's whole tree and never for the host, so the host
 * outlives the program it reports on.
 *
 * cgroup v2: the host moves itself into `<cg>/host` first (a group with processes can't hand controllers to
 * its children: the "no internal processes" rule), enables the controllers for the children, and starts
 * the program in `<cg>/program`. cgroup v1 (the hybrid layout of older machines): a `program` group below
 * the host's in the memory and cpu hierarchies; v1 has no such rule. The program joins its group before it
 * runs: a wrapper shell writes itself into each group's cgroup.procs, then execs the program.
 * @module
 */
import path from "path";
import type { ResourceLimits } from "./launcher.ts";

/** Where each cgroup hierarchy is mounted, from /proc/self/mountinfo. */
export interface CgroupMounts {
  /** The cgroup2 mount: its mount point and the group it shows as its root. */
  unified?: { mountPoint: string; root: string };
  /** v1 hierarchies by controller ("memory", "cpu"): mount point and root. */
  v1: Record<string, { mountPoint: string; root: string }>;
}

/** Which group this process is in: the v2 path (`0::`), and each v1 controller's path. */
export interface CgroupMembership {
  unified?: string;
  v1: Record<string, string>;
}

/** The CFS period servitor uses for a CPU cap, in µs (the kernel's default). */
export const CPU_PERIOD_US = 100_000;

/**
 * cgroup v2's `cpu.max` for a cap of `percent` of one core: the quota and the period in µs.
 *
 * @example
 * ```ts
 * import { cpuMax } from "./cgroups.ts";
 * cpuMax(50); // "50000 100000"
 * cpuMax(250); // "250000 100000"
 * ```
 */
export function cpuMax(percent: number): string {
  return `${cpuQuotaUs(percent)} ${CPU_PERIOD_US}`;
}

/** The CFS quota (µs of CPU time per period) for `percent` of one core; at least the kernel's 1 ms. */
export function cpuQuotaUs(percent: number): number {
  return Math.max(1000, Math.round((percent / 100) * CPU_PERIOD_US));
}

/** Parses /proc/self/mountinfo: the cgroup2 mount and the v1 mounts by controller. */
export function parseMountinfo(text: string): CgroupMounts {
  const mounts: CgroupMounts = { v1: {} };
  for (const line of text.split("\n")) {
    // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const [before, after] = line.split(" - ");
    if (!after) continue;
    const fields = before.split(" ");
    const [fstype, , superOptions = ""] = after.split(" ");
    const mount = { root: unescapeMountPath(fields[3]), mountPoint: unescapeMountPath(fields[4]) };
    if (fstype === "cgroup2") mounts.unified ??= mount;
    else if (fstype === "cgroup") {
      for (const option of superOptions.split(",")) {
        if (option === "memory" || option === "cpu") mounts.v1[option] ??= mount;
      }
    }
  }
  return mounts;
}

/** mountinfo writes a space, tab, newline and backslash in a path as an octal escape. */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses /proc/self/cgroup: `0::/path` for v2, `N:controller[,controller…]:/path` for v1. */
export function parseProcCgroup(text: string): CgroupMembership {
  const membership: CgroupMembership = { v1: {} };
  for (const line of text.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers, group] = match;
    if (id === "0" && controllers === "") membership.unified = group;
    else for (const controller of controllers.split(",")) membership.v1[controller] = group;
  }
  return membership;
}

/**
 * The folder of `group` in a hierarchy mounted at `mount` (whose root may itself be a group, inside a
 * container); undefined when the group is not below the mount's root.
 *
 * @example
 * ```ts
 * import { groupFolder } from "./cgroups.ts";
 * groupFolder({ mountPoint: "/sys/fs/cgroup", root: "/" }, "/system.slice/web.service");
 * // "/sys/fs/cgroup/system.slice/web.service"
 * ```
 */
export function groupFolder(mount: { mountPoint: string; root: string }, group: string): string | undefined {
  const root = mount.root === "/" ? "" : mount.root;
  if (group !== root && !group.startsWith(`${root}/`)) return undefined;
  return path.posix.join(mount.mountPoint, group.slice(root.length));
}

/** What the launcher needs for each start: the cgroup.procs files to join, and how to read the OOM kills. */
export interface ProgramGroup {
  /** The cgroup.procs file of each group the program joins before it runs. */
  procsFiles: string[];
  /** How many processes the kernel has killed in the program's group for exceeding its memory, so far. */
  oomKills(): number;
  /**
   * Makes the program's group again, with its limits, before a start: systemd's v1 hierarchies lose an
   * empty group below a unit's (seen with cpu under systemd 257). Throws LimitsUnavailable.
   */
  renew(): void;
}

/** The limits could not be put in place: `reason` says why, for the one log line. */
export class LimitsUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "LimitsUnavailable";
  }
}

/** The `oom_kill N` count of memory.events (v2) or memory.oom_control (v1); 0 when not there. */
export function oomKillCount(text: string): number {
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/**
 * The operations on the control groups' files: the kernel's own for the host (which Deno lets only
 * --allow-all read or write — the host's permissions, cli/self.ts), a folder of plain files for a test.
 */
export interface KernelFiles {
  read(file: string): string;
  write(file: string, text: string): void;
  /** Makes a folder; one already there is fine. */
  mkdir(folder: string): void;
}

const kernelFiles: KernelFiles = {
  read: (file) => Deno.readTextFileSync(file),
  // One write(2) of the whole value, as those files take it.
  write: (file, text) => Deno.writeTextFileSync(file, text),
  mkdir: (folder) => Deno.mkdirSync(folder, { recursive: true }),
};

/** What the host finds about itself: its mounts, its groups, and whether systemd runs it. */
export interface HostPlace {
  mountinfo: string;
  procCgroup: string;
  underSystemd: boolean;
}

/**
 * Makes the program's group below this process's own and sets `limits` on it. Throws LimitsUnavailable
 * when that can't be done here (not run by systemd, no such controller, no permission).
 */
export function prepareProgramGroup(
  limits: ResourceLimits,
  files: KernelFiles = kernelFiles,
  place: HostPlace = hostPlace(files),
): ProgramGroup {
  if (!place.underSystemd) {
    throw new LimitsUnavailable("the host is not run by systemd, so it has no control group of its own");
  }
  const mounts = parseMountinfo(place.mountinfo);
  const membership = parseProcCgroup(place.procCgroup);
  const wanted = [
    ...(limits.memoryBytes !== undefined ? ["memory"] : []),
    ...(limits.cpuPercent !== undefined ? ["cpu"] : []),
  ];
  // Hybrid and v1 machines keep the controllers on v1 hierarchies; a controller there is not on v2.
  const v1 = (controller: string) => mounts.v1[controller] !== undefined;
  const onV1 = wanted.filter(v1);
  const onV2 = wanted.filter((controller) => !v1(controller));
  const write = (folder: string, file: string, value: string) =>
    files.write(path.posix.join(folder, file), value);
  const writeIfThere = (folder: string, file: string, value: string) => {
    try {
      write(folder, file, value);
    } catch {
      // A kernel without it (no swap accounting, no memory.oom.group): the limit holds all the same.
    }
  };
  try {
    const groups: { controller: string; folder: string }[] = [];
    if (onV2.length) {
      const folder = mounts.unified && membership.unified !== undefined && membership.unified !== "/"
        ? groupFolder(mounts.unified, membership.unified)
        : undefined;
      if (!folder) {
        throw new LimitsUnavailable(`the host has no ${onV2.join(" and ")} control group of its own`);
      }
      const program = delegateV2(folder, onV2, files);
      for (const controller of onV2) groups.push({ controller, folder: program });
    }
    for (const controller of onV1) {
      const group = membership.v1[controller];
      const folder = group !== undefined && group !== "/"
        ? groupFolder(mounts.v1[controller], group)
        : undefined;
      if (!folder) throw new LimitsUnavailable(`the host has no ${controller} control group of its own`);
      const program = path.posix.join(folder, "program");
      files.mkdir(program);
      groups.push({ controller, folder: program });
    }
    const memory = groups.find((group) => group.controller === "memory");
    const cpu = groups.find((group) => group.controller === "cpu");
    const apply = () => {
      for (const group of groups) files.mkdir(group.folder);
      if (memory && limits.memoryBytes !== undefined) {
        // Swap counts too: a limit the program could swap past would only slow the machine down.
        if (v1("memory")) {
          write(memory.folder, "memory.limit_in_bytes", String(limits.memoryBytes));
          writeIfThere(memory.folder, "memory.memsw.limit_in_bytes", String(limits.memoryBytes));
        } else {
          write(memory.folder, "memory.max", String(limits.memoryBytes));
          writeIfThere(memory.folder, "memory.swap.max", "0");
          // The whole tree goes when one of it is killed: a program is not left half-killed.
          writeIfThere(memory.folder, "memory.oom.group", "1");
        }
      }
      if (cpu && limits.cpuPercent !== undefined) {
        if (v1("cpu")) {
          write(cpu.folder, "cpu.cfs_period_us", String(CPU_PERIOD_US));
          write(cpu.folder, "cpu.cfs_quota_us", String(cpuQuotaUs(limits.cpuPercent)));
        } else write(cpu.folder, "cpu.max", cpuMax(limits.cpuPercent));
      }
    };
    apply();
    const events = memory
      ? path.posix.join(memory.folder, v1("memory") ? "memory.oom_control" : "memory.events")
      : undefined;
    return {
      procsFiles: [...new Set(groups.map((group) => path.posix.join(group.folder, "cgroup.procs")))],
      oomKills: () => events ? oomKillCount(readOr(files, events)) : 0,
      renew: () => {
        try {
          apply();
        } catch (error) {
          throw new LimitsUnavailable(
            `the program's control group could not be made: ${(error as Error).message}`,
          );
        }
      },
    };
  } catch (error) {
    if (error instanceof LimitsUnavailable) throw error;
    throw new LimitsUnavailable(`the program's control group could not be made: ${(error as Error).message}`);
  }
}

/**
 * cgroup v2: the host's processes move to `<folder>/host`, the controllers are enabled for the children,
 * and `<folder>/program` is made. Returns the program's folder.
 */
function delegateV2(folder: string, controllers: string[], files: KernelFiles): string {
  const available = readOr(files, path.posix.join(folder, "cgroup.controllers")).split(/\s+/);
  const missing = controllers.filter((controller) => !available.includes(controller));
  if (missing.length) {
    throw new LimitsUnavailable(
      `the host's control group has no ${missing.join(" or ")} controller — is its unit Delegate=yes?`,
    );
  }
  const host = path.posix.join(folder, "host");
  files.mkdir(host);
  // Every process of the group, not only this one: a group with processes can't enable controllers below.
  for (const pid of readOr(files, path.posix.join(folder, "cgroup.procs")).split("\n").filter(Boolean)) {
    try {
      files.write(path.posix.join(host, "cgroup.procs"), pid);
    } catch (error) {
      if (!/No such process/.test(String(error))) throw error; // one that ended meanwhile
    }
  }
  files.write(
    path.posix.join(folder, "cgroup.subtree_control"),
    controllers.map((controller) => `+${controller}`).join(" "),
  );
  const program = path.posix.join(folder, "program");
  files.mkdir(program);
  return program;
}

function readOr(files: KernelFiles, file: string): string {
  try {
    return files.read(file);
  } catch {
    return "";
  }
}

function hostPlace(files: KernelFiles): HostPlace {
  return {
    mountinfo: readOr(files, "/proc/self/mountinfo"),
    procCgroup: readOr(files, "/proc/self/cgroup"),
    // systemd sets INVOCATION_ID for every unit it runs (systemd.exec(5)).
    underSystemd: Deno.env.get("INVOCATION_ID") !== undefined,
  };
}
