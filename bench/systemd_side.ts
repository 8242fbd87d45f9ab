/**
 * The measures inside the test-bed's booted systemd (`testbed.sh systemd deno run -A bench/systemd_side.ts
 * CONFIG.json`, from bench/main.ts): restart and stop latency of systemd itself against servitor's host
 * under systemd, and `servitor ManageService <name> status` against `systemctl status`. Writes its tables
 * as JSON to the config's `out`.
 * @module
 */
import path from "path";
import { servitorCli, servitorUnderSystemd, systemdUnit } from "./contenders/systemd.ts";
import { liveThreadsCpuNs, nowUs, sleep, waitUntil } from "./proc.ts";
import { summarize } from "./stats.ts";
import { STOP_TIMEOUT_MS } from "./contenders/contender.ts";
import { measureCommand } from "./measures/cli.ts";
import { measureRestart, measureStop } from "./measures/latency.ts";
import { measureDesiredState } from "./measures/desired_state.ts";
import type { Plan } from "./plan.ts";
import type { Row, Table } from "./report.ts";

export interface SystemdConfig {
  plan: Plan;
  program: string;
  scratch: string;
  out: string;
  /** The measures to run (latency, status, desired, cpu); all when empty or absent. */
  only?: string[];
}

const say = (line: string) => console.log(line);

async function latency(config: SystemdConfig): Promise<Table> {
  const { plan, program } = config;
  const scratch = path.join(config.scratch, "systemd");
  const rows: Row[] = [];
  for (const contender of [systemdUnit, servitorUnderSystemd]) {
    say(`== under systemd: ${contender.label}`);
    const restart = await measureRestart(contender, {
      program,
      scratch,
      reps: plan.latencyReps,
      runMs: 2000,
      say,
    });
    const idle = await measureStop(contender, "idle", { program, scratch, reps: plan.latencyReps, say });
    const stubborn = await measureStop(contender, "stubborn", {
      program,
      scratch,
      reps: plan.stubbornReps,
      say,
    });
    rows.push({
      id: contender.id,
      contender: contender.label,
      figures: { restart: restart.figures.restart, idle: idle.figures.stop, stubborn: stubborn.figures.stop },
      note: [restart.note, idle.note, stubborn.note].filter(Boolean).join("; ") || undefined,
    });
  }
  const quick = plan.quick ? " (quick run)" : "";
  return {
    id: "systemd-latency",
    title: "Under systemd (the test-bed's systemd 257): restart and stop latency",
    columns: [
      { key: "restart", label: "restart", unit: "ms" },
      { key: "idle", label: "stop, exits at once", unit: "ms" },
      { key: "stubborn", label: `stop, ignores it (kill at ${STOP_TIMEOUT_MS / 1000} s)`, unit: "ms" },
    ],
    rows,
    ratio: { column: "restart", reference: systemdUnit.label },
    notes: [
      `${plan.latencyReps} repetitions${quick} (restart, stop of a program that exits at once), ` +
      `${plan.stubbornReps}${quick} (a program that ignores SIGINT and SIGTERM). Restart as on Linux above. ` +
      "Stop: `systemctl stop --no-block` → the program gone. systemd's own unit: SIGTERM to the control " +
      "group, SIGKILL after TimeoutStopSec=3. servitor's unit (as InstallService writes it): SIGTERM to " +
      "the host alone (KillMode=mixed); the host sends SIGINT, SIGTERM after 1.5 s, SIGKILL after 1.5 s more.",
    ],
  };
}

async function commands(config: SystemdConfig): Promise<Table> {
  say("== under systemd: status commands");
  const mark = path.join(config.scratch, "systemd-cli.mark");
  const servitor = await servitorUnderSystemd.start(config.scratch, config.program, [
    { name: "status", args: ["idle", mark] },
  ]);
  const plain = await systemdUnit.start(config.scratch, config.program, [
    { name: "status", args: ["idle", `${mark}.plain`] },
  ]);
  try {
    const rows = [
      await measureCommand({
        id: "servitor-status",
        label: "`servitor ManageService <name> status`",
        program: Deno.execPath(),
        args: [
          "run",
          "--allow-all",
          path.join(import.meta.dirname!, "..", "cli", "main.ts"),
          "ManageService",
          servitor.managedName!("status"),
          "status",
        ],
      }, config.plan.cliReps),
      await measureCommand({
        id: "systemctl-status",
        label: "`systemctl status <unit>`",
        program: "systemctl",
        args: ["status", "--no-pager", plain.managedName!("status")],
      }, config.plan.cliReps),
    ];
    return {
      id: "systemd-cli",
      title: "Status commands under systemd: spawn → exit",
      columns: [{ key: "time", label: "time", unit: "ms" }],
      rows,
      ratio: { column: "time", reference: "`systemctl status <unit>`" },
      notes: [
        `${config.plan.cliReps} repetitions${
          config.plan.quick ? " (quick run)" : ""
        } after one untimed run, ` +
        "each against a running service. servitor runs from source and asks systemd (systemctl show) and " +
        "reads the host's status.json.",
      ],
    };
  } finally {
    await servitor.close();
    await plain.close();
  }
}

/**
 * `--max_cpu` holding a busy loop (a shell's `while :; do :; done`) near its cap: the loop's CPU over
 * consecutive windows, with the cap enforced by the host's delegated control group.
 */
async function cpuCap(config: SystemdConfig): Promise<Table> {
  const { plan } = config;
  const windows = plan.quick ? 3 : 5;
  const windowMs = plan.quick ? 2_000 : 5_000;
  const rows: Row[] = [];
  for (const cap of [25, 50]) {
    say(`== under systemd: a busy loop under --max_cpu ${cap}`);
    const name = `servitor-cpu-${cap}-${Date.now().toString(36)}`;
    await servitorCli([
      ...["InstallService", "/bin/sh", "--service_name", name, "--start", "manual", "--max_cpu", String(cap)],
      ...["--", "-c", "while :; do :; done"],
    ]);
    try {
      await servitorCli(["ManageService", name, "start"]);
      let pid: number | undefined;
      await waitUntil(
        async () => {
          const status = JSON.parse(await servitorCli(["ManageService", name, "status", "--json"]));
          pid = status.programPid;
          return pid !== undefined;
        },
        "the loop's pid in status",
        20_000,
        200,
      );
      await sleep(500);
      const samples: number[] = [];
      for (let window = 0; window < windows; window++) {
        const [cpu, at] = [liveThreadsCpuNs(pid!)!, nowUs()];
        await sleep(windowMs);
        samples.push(((liveThreadsCpuNs(pid!)! - cpu) / 1000 / (nowUs() - at)) * 100);
      }
      say(`  --max_cpu ${cap}: ${samples.map((sample) => sample.toFixed(1)).join(", ")} % of a core`);
      rows.push({ id: `cap-${cap}`, contender: `--max_cpu ${cap}`, figures: { cpu: summarize(samples) } });
    } finally {
      await servitorCli(["ManageService", name, "stop_and_remove", "--remove_install_args"]).catch(() => {});
    }
  }
  return {
    id: "systemd-cpu-cap",
    title: "CPU cap under systemd: a busy loop's CPU under --max_cpu",
    columns: [{ key: "cpu", label: "CPU", unit: "% of a core" }],
    rows,
    notes: [
      `${windows} consecutive windows of ${windowMs / 1000} s${plan.quick ? " (quick run)" : ""}, half a ` +
      "second after the loop started. The cap is the program's control group's CFS quota per 100 ms period " +
      "(cpu.max, or cpu.cfs_quota_us on the test-bed's v1 hybrid layout), below the unit's delegated group. " +
      "CPU: the loop's run time (/proc/PID/task/*/schedstat) over the window's wall time. A cap is a " +
      "ceiling: on a busy machine the loop gets less than its cap (the load average is in the header).",
    ],
  };
}

if (import.meta.main) {
  const config = JSON.parse(await Deno.readTextFile(Deno.args[0])) as SystemdConfig;
  await Deno.mkdir(path.join(config.scratch, "systemd"), { recursive: true });
  const tables: Table[] = [];
  const skipped: string[] = [];
  const desiredState = (config: SystemdConfig) =>
    measureDesiredState({
      program: config.program,
      scratch: path.join(config.scratch, "systemd"),
      services: config.plan.quick ? 10 : 50,
      reps: config.plan.cliReps,
      say,
    });
  const steps = [["latency", latency], ["status", commands], ["desired state", desiredState], [
    "cpu",
    cpuCap,
  ]] as const;
  for (const [name, step] of steps) {
    if (config.only?.length && !config.only.includes(name.split(" ")[0])) continue;
    try {
      tables.push(await step(config));
    } catch (error) {
      skipped.push(`under systemd, ${name}: failed — ${(error as Error).message}`);
      console.error(error);
    }
  }
  await Deno.writeTextFile(config.out, JSON.stringify({ tables, skipped }, null, 2));
}
