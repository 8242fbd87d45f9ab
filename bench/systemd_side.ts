/**
 * The measures inside the test-bed's booted systemd (`testbed.sh systemd deno run -A bench/systemd_side.ts
 * CONFIG.json`, from bench/main.ts): restart and stop latency of systemd itself against servitor's host
 * under systemd, and `servitor ManageService <name> status` against `systemctl status`. Writes its tables
 * as JSON to the config's `out`.
 * @module
 */
import path from "path";
import { servitorUnderSystemd, systemdUnit } from "./contenders/systemd.ts";
import { STOP_TIMEOUT_MS } from "./contenders/contender.ts";
import { measureCommand } from "./measures/cli.ts";
import { measureRestart, measureStop } from "./measures/latency.ts";
import { measureDesiredState } from "./measures/desired_state.ts";
import { measureUi } from "./measures/ui.ts";
import type { Plan } from "./plan.ts";
import type { Row, Table } from "./report.ts";

export interface SystemdConfig {
  plan: Plan;
  /** Only these steps (latency, status, desired-state, ui: `--only systemd:ui`); all when absent or empty. */
  only?: string[];
  program: string;
  scratch: string;
  out: string;
}

const say = (line: string) => console.log(line);

/** How many services the UI measure lists (the goal is for 50). */
export function uiServices(plan: Plan): number {
  return plan.quick ? 10 : 50;
}

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
  const ui = (config: SystemdConfig) =>
    measureUi({
      program: config.program,
      scratch: path.join(config.scratch, "systemd"),
      services: uiServices(config.plan),
      windows: config.plan.restWindows,
      windowMs: config.plan.restWindowMs,
      settleMs: 3000,
      say,
    });
  const steps = [["latency", latency], ["status", commands], ["desired state", desiredState], [
    "ui",
    ui,
  ]] as const;
  for (const [name, step] of steps) {
    if (config.only?.length && !config.only.includes(name.replace(" ", "-"))) continue;
    try {
      tables.push(await step(config));
    } catch (error) {
      skipped.push(`under systemd, ${name}: failed — ${(error as Error).message}`);
      console.error(error);
    }
  }
  await Deno.writeTextFile(config.out, JSON.stringify({ tables, skipped }, null, 2));
}
