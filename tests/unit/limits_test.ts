/**
 * The memory and CPU limits' pure parts (issue 15): the control groups' paths and values on Linux, the job's
 * limits' bytes on Windows, and how a program killed for its memory is told (supervisor, hooks, status).
 */
import path from "node:path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import {
  cpuMax,
  cpuQuotaUs,
  groupFolder,
  type KernelFiles,
  LimitsUnavailable,
  oomKillCount,
  parseMountinfo,
  parseProcCgroup,
  prepareProgramGroup,
} from "../../host/cgroups.ts";
import { joinGroups } from "../../host/launcher_posix.ts";
import { defaultSpec } from "../../service/spec.ts";
import {
  type Effect,
  exceededMemoryText,
  formatSize,
  initialState,
  transition,
} from "../../host/supervisor.ts";
import { hookEnvironment } from "../../host/hooks.ts";
import { chooseReason } from "../../cli/reason.ts";
import { renderUnit } from "../../systemd/unit.ts";
import {
  cpuRateFor,
  decodeCpuRateHardCap,
  decodeJobLimitFlags,
  decodeJobMemoryLimit,
  encodeCpuRateHardCap,
  encodeJobCompletionPort,
  encodeJobLimits,
  jobMessageKind,
} from "../../ffi/structs.ts";

/** The LimitsUnavailable `fn` throws. */
function unavailable(fn: () => unknown): LimitsUnavailable {
  try {
    fn();
  } catch (error) {
    assertOk(error instanceof LimitsUnavailable, `LimitsUnavailable, not ${error}`);
    return error as LimitsUnavailable;
  }
  throw new Error("it did not throw");
}

const v2Mountinfo = [
  "25 1 0:22 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate",
].join("\n");
const hybridMountinfo = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs ro,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:13 - cgroup cgroup rw,memory",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");

Deno.test("a CPU cap in percent of one core is a CFS quota per 100 ms period", () => {
  assertEquals(cpuMax(50), "50000 100000");
  assertEquals(cpuMax(250), "250000 100000");
  assertEquals(cpuQuotaUs(0.1), 1000, "at least the kernel's 1 ms");
});

Deno.test("mountinfo and /proc/self/cgroup: where each hierarchy is and which group the host is in", () => {
  assertEquals(parseMountinfo(v2Mountinfo), { unified: { mountPoint: "/sys/fs/cgroup", root: "/" }, v1: {} });
  const hybrid = parseMountinfo(hybridMountinfo);
  assertEquals(hybrid.v1.cpu, { mountPoint: "/sys/fs/cgroup/cpu,cpuacct", root: "/" });
  assertEquals(hybrid.v1.memory?.mountPoint, "/sys/fs/cgroup/memory");
  assertEquals(hybrid.unified?.mountPoint, "/sys/fs/cgroup/unified");
  const membership = parseProcCgroup(
    "4:memory:/system.slice/web.service\n1:cpu,cpuacct:/x\n0::/system.slice/web.service\n",
  );
  assertEquals(membership, {
    unified: "/system.slice/web.service",
    v1: { memory: "/system.slice/web.service", cpu: "/x", cpuacct: "/x" },
  });
  // A container's mount shows its own group as the root.
  assertEquals(
    groupFolder({ mountPoint: "/sys/fs/cgroup", root: "/lxc/c1" }, "/lxc/c1/web.service"),
    "/sys/fs/cgroup/web.service",
  );
  assertEquals(
    groupFolder({ mountPoint: "/sys/fs/cgroup", root: "/lxc/c1" }, "/other/web.service"),
    undefined,
  );
  assertEquals(oomKillCount("low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 1\n"), 2);
  assertEquals(oomKillCount("oom_kill_disable 0\nunder_oom 0\n"), 0);
});

/** A cgroup tree as plain files in a temporary folder: the paths the code uses, below `root`. */
function fakeFiles(root: string): KernelFiles & { at(file: string): string } {
  const at = (file: string) => path.join(root, file);
  return {
    at,
    read: (file) => Deno.readTextFileSync(at(file)),
    write: (file, text) => {
      if (!Deno.statSync(path.dirname(at(file))).isDirectory) throw new Error("no such group");
      Deno.writeTextFileSync(at(file), text);
    },
    mkdir: (folder) => Deno.mkdirSync(at(folder), { recursive: true }),
  };
}

Deno.test("cgroup v2: the host moves to <cg>/host, the controllers go to the children, the limits to <cg>/program", () => {
  const root = Deno.makeTempDirSync();
  try {
    const files = fakeFiles(root);
    const unit = "/sys/fs/cgroup/system.slice/web.service";
    Deno.mkdirSync(files.at(unit), { recursive: true });
    Deno.writeTextFileSync(files.at(`${unit}/cgroup.controllers`), "cpuset cpu io memory pids\n");
    Deno.writeTextFileSync(files.at(`${unit}/cgroup.procs`), "4242\n");
    const group = prepareProgramGroup({ memoryBytes: 64 * 1024 ** 2, cpuPercent: 150 }, files, {
      mountinfo: v2Mountinfo,
      procCgroup: "0::/system.slice/web.service\n",
      underSystemd: true,
    });
    assertEquals(group.procsFiles, [`${unit}/program/cgroup.procs`]);
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/host/cgroup.procs`)), "4242");
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/cgroup.subtree_control`)), "+memory +cpu");
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/program/memory.max`)), "67108864");
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/program/memory.swap.max`)), "0");
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/program/memory.oom.group`)), "1");
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/program/cpu.max`)), "150000 100000");
    assertEquals(group.oomKills(), 0);
    Deno.writeTextFileSync(files.at(`${unit}/program/memory.events`), "oom 1\noom_kill 1\n");
    assertEquals(group.oomKills(), 1);
    // Before the next start: the same group (the host, now in <cg>/host, is not delegated again below it).
    group.renew();
    assertEquals(Deno.readTextFileSync(files.at(`${unit}/program/cpu.max`)), "150000 100000");
    assertEquals([...Deno.readDirSync(files.at(`${unit}/host`))].map((entry) => entry.name), [
      "cgroup.procs",
    ]);

    // Without Delegate=yes the unit's group has no controllers to hand on.
    Deno.writeTextFileSync(files.at(`${unit}/cgroup.controllers`), "pids\n");
    const refused = unavailable(
      () =>
        prepareProgramGroup({ memoryBytes: 1 << 20 }, files, {
          mountinfo: v2Mountinfo,
          procCgroup: "0::/system.slice/web.service\n",
          underSystemd: true,
        }),
    );
    assertMatch(refused.message, /no memory controller — is its unit Delegate=yes\?/);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("cgroup v1 (hybrid): a program group below the host's in the memory and cpu hierarchies", () => {
  const root = Deno.makeTempDirSync();
  try {
    const files = fakeFiles(root);
    const memory = "/sys/fs/cgroup/memory/system.slice/web.service";
    const cpu = "/sys/fs/cgroup/cpu,cpuacct/system.slice/web.service";
    for (const folder of [memory, cpu]) Deno.mkdirSync(files.at(folder), { recursive: true });
    const group = prepareProgramGroup({ memoryBytes: 32 * 1024 ** 2, cpuPercent: 50 }, files, {
      mountinfo: hybridMountinfo,
      procCgroup:
        "4:memory:/system.slice/web.service\n1:cpu,cpuacct:/system.slice/web.service\n0::/system.slice/web.service\n",
      underSystemd: true,
    });
    assertEquals(group.procsFiles, [`${memory}/program/cgroup.procs`, `${cpu}/program/cgroup.procs`]);
    assertEquals(Deno.readTextFileSync(files.at(`${memory}/program/memory.limit_in_bytes`)), "33554432");
    assertEquals(Deno.readTextFileSync(files.at(`${cpu}/program/cpu.cfs_quota_us`)), "50000");
    assertEquals(Deno.readTextFileSync(files.at(`${cpu}/program/cpu.cfs_period_us`)), "100000");
    Deno.writeTextFileSync(
      files.at(`${memory}/program/memory.oom_control`),
      "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
    );
    assertEquals(group.oomKills(), 3);
    // systemd removes an empty group below the unit's: made again, with its limits, before the next start.
    Deno.removeSync(files.at(`${cpu}/program`), { recursive: true });
    group.renew();
    assertEquals(Deno.readTextFileSync(files.at(`${cpu}/program/cpu.cfs_quota_us`)), "50000");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("limits where there is no control group of the host's own: refused with the reason, nothing made", () => {
  const files: KernelFiles = {
    read: () => "",
    write: () => assertOk(false, "nothing written"),
    mkdir: () => assertOk(false, "nothing made"),
  };
  const notSystemd = unavailable(
    () =>
      prepareProgramGroup({ memoryBytes: 1 << 20 }, files, {
        mountinfo: v2Mountinfo,
        procCgroup: "0::/\n",
        underSystemd: false,
      }),
  );
  assertMatch(notSystemd.message, /not run by systemd/);
  const atRoot = unavailable(
    () =>
      prepareProgramGroup({ cpuPercent: 50 }, files, {
        mountinfo: v2Mountinfo,
        procCgroup: "0::/\n",
        underSystemd: true,
      }),
  );
  assertMatch(atRoot.message, /the host has no cpu control group of its own/);
});

Deno.test("the program joins its groups before it runs: a shell writes itself into each cgroup.procs, then execs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const procs = [`${dir}/memory.procs`, `${dir}/cpu procs`];
    const command = [...joinGroups(procs), "/bin/sh", "-c", 'echo ran "$1"', "sh", "an argument"];
    const out = await new Deno.Command(command[0], { args: command.slice(1), stderr: "piped" }).output();
    assertEquals(new TextDecoder().decode(out.stdout), "ran an argument\n");
    for (const file of procs) assertEquals(await Deno.readTextFile(file), "0\n");
    // A group that can't be joined: the program does not run, 125.
    const missing = [...joinGroups([`${dir}/none/cgroup.procs`]), "/bin/echo", "ran"];
    const failed = await new Deno.Command(missing[0], { args: missing.slice(1), stderr: "piped" }).output();
    assertEquals(failed.code, 125);
    assertEquals(new TextDecoder().decode(failed.stdout), "");
    assertMatch(new TextDecoder().decode(failed.stderr), /cannot join the control group/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program killed past its memory limit: said in the error log, lastExit, Exit/Post and status", () => {
  assertEquals(formatSize(64 * 1024 ** 2), "64 MiB");
  assertEquals(formatSize(1536 * 1024 ** 2), "1.5 GiB");
  assertEquals(exceededMemoryText(32 * 1024 ** 2), "it exceeded its memory limit of 32 MiB");

  const spec = defaultSpec("demo", "/bin/demo");
  spec.maxMemoryBytes = 32 * 1024 ** 2;
  const options = { spec, methods: ["interrupt", "close", "kill"] as const };
  let state = initialState();
  const effects: Effect[] = [];
  const send = (event: Parameters<typeof transition>[1]) => {
    const result = transition(state, event, { ...options, methods: [...options.methods] });
    state = result.state;
    effects.push(...result.effects);
    for (const effect of result.effects) {
      if (effect.kind === "hook" && ["Start/Pre", "Exit/Post"].includes(effect.event)) {
        send({ kind: "hook_done", event: effect.event, exitCode: 0, now: event.now });
      }
    }
  };
  send({ kind: "start", now: 0 });
  send({ kind: "launched", pid: 100, now: 0 });
  send({ kind: "deadline", now: 1500 });
  send({ kind: "exited", code: 137, exceededMemoryLimit: true, now: 60_000 });
  assertEquals(state.lastExit, { code: 137, runtimeMs: 60_000, exceededMemoryLimit: 32 * 1024 ** 2 });
  const lines = effects.flatMap((effect) => effect.kind === "log" ? [effect] : []);
  const line = lines.find((effect) => effect.message.includes("memory limit"));
  assertOk(line?.errorLog === true, "in the error log, though restarted at once");
  assertMatch(
    line!.message,
    /exited with code 137 after 60 s — it exceeded its memory limit of 32 MiB; restarting it/,
  );

  const facts = {
    exe: "servitor",
    serviceName: "demo",
    displayName: "demo",
    commandLine: "/bin/demo",
    counters: { startRequested: 1, started: 1, throttled: 0, exits: 1 },
    exitCode: 137,
    exceededMemoryLimit: 32 * 1024 ** 2,
    hostStartedAt: 0,
    now: 60_000,
  };
  assertEquals(hookEnvironment("Exit/Post", facts, 1000).SERVITOR_EXCEEDED_LIMIT, "max_memory=33554432");
  assertEquals(
    hookEnvironment("Exit/Post", { ...facts, exceededMemoryLimit: undefined }, 1000).SERVITOR_EXCEEDED_LIMIT,
    undefined,
  );

  // A stopped service whose status.json has no reason of its own: the exit, and the limit.
  assertEquals(
    chooseReason("stopped", {}, {
      word: { state: "stopped", lastExit: { code: 137, exceededMemoryLimit: 32 * 1024 ** 2 } },
      at: 2,
    }, undefined),
    "the program exited with code 137 — it exceeded its memory limit of 32 MiB",
  );
});

Deno.test("a unit with limits delegates its control group to the host; one without doesn't", () => {
  const host = { program: "/usr/local/bin/servitor", args: ["host", "--service", "web"] };
  const plain = defaultSpec("web", "/srv/web/server");
  assertOk(!renderUnit(plain, host).includes("Delegate="));
  for (const change of [{ maxMemoryBytes: 1 << 20 }, { maxCpuPercent: 50 }]) {
    assertMatch(renderUnit({ ...plain, ...change }, host), /^Delegate=yes$/m);
  }
});

Deno.test("the job's limits: JobMemoryLimit at 120 with its flag, a CPU hard cap in hundredths of a percent", () => {
  const bytes = encodeJobLimits({ killOnClose: true, breakaway: "none", memoryBytes: 64 * 1024 ** 2 });
  assertEquals(decodeJobLimitFlags(bytes), 0x2000 | 0x200);
  assertEquals([...bytes.subarray(120, 128)], [0, 0, 0, 4, 0, 0, 0, 0]);
  assertEquals(decodeJobMemoryLimit(bytes), 64 * 1024 ** 2);
  assertEquals(decodeJobMemoryLimit(encodeJobLimits({ killOnClose: true, breakaway: "none" })), undefined);
  assertEquals([...encodeCpuRateHardCap(1250)], [5, 0, 0, 0, 0xe2, 0x04, 0, 0]);
  assertEquals(decodeCpuRateHardCap(encodeCpuRateHardCap(1250)), 1250);
  assertEquals(decodeCpuRateHardCap(new Uint8Array(8)), undefined);
  assertEquals(cpuRateFor(50, 4), 1250);
  assertEquals(cpuRateFor(200, 2), 10_000);
  assertEquals(cpuRateFor(800, 2), 10_000, "never more than the machine");
  assertEquals(cpuRateFor(0.001, 64), 1, "never nothing");
});

Deno.test("the job's completion port: key then port in 16 bytes; its messages by JOB_OBJECT_MSG_* number", () => {
  const bytes = encodeJobCompletionPort(7n, 0x1234n);
  assertEquals(bytes.length, 16);
  assertEquals([...bytes], [7, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x12, 0, 0, 0, 0, 0, 0]);
  assertEquals([6, 7, 8, 9, 10, 4, 1].map(jobMessageKind), [
    "new_process",
    "exit_process",
    "abnormal_exit_process",
    "process_memory_limit",
    "job_memory_limit",
    "active_process_zero",
    "other",
  ]);
});
