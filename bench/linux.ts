/**
 * The Linux measures, run by bench/main.ts as PID 1's child of a PID namespace of their own (so nothing a
 * contender starts outlives the run): `deno run -A bench/linux.ts CONFIG.json`. Writes its tables as JSON
 * to the config's `out`.
 * @module
 */
import path from "path";
import type { Contender } from "./contenders/contender.ts";
import { daemontools } from "./contenders/daemontools.ts";
import { floor } from "./contenders/floor.ts";
import { runit } from "./contenders/runit.ts";
import { s6 } from "./contenders/s6.ts";
import { servitor } from "./contenders/servitor.ts";
import { supervisord } from "./contenders/supervisord.ts";
import { measureAtRest } from "./measures/at_rest.ts";
import { measureCommand, type TimedCommand } from "./measures/cli.ts";
import { measureHealthRestart, measureRestart, measureStop } from "./measures/latency.ts";
import { measureThroughput } from "./measures/throughput.ts";
import { STOP_TIMEOUT_MS } from "./contenders/contender.ts";
import type { Row, Table } from "./report.ts";
import type { Plan } from "./plan.ts";

export interface LinuxConfig {
  plan: Plan;
  program: string;
  scratch: string;
  out: string;
  /** The measures to run (all when empty). */
  only: string[];
  /** Peers that are installed (by id). */
  peers: string[];
}

const project = path.resolve(import.meta.dirname!, "..");
const say = (line: string) => console.log(line);

/** Makes the bundled build (`deno task bundle` → dist/servitor.js); true when it could. */
async function bundle(): Promise<boolean> {
  say("== the bundled build: deno task bundle");
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "bundle"],
    cwd: project,
    stdin: "null",
  }).spawn().status;
  return code === 0;
}

export async function runLinux(config: LinuxConfig): Promise<{ tables: Table[]; skipped: string[] }> {
  const { plan, program, scratch } = config;
  const wanted = (measure: string) => config.only.length === 0 || config.only.includes(measure);
  const peers = [runit, s6, daemontools, supervisord].filter((peer) => config.peers.includes(peer.id));
  const skipped = [runit, s6, daemontools, supervisord].filter((peer) => !config.peers.includes(peer.id))
    .map((peer) => `${peer.label}: not installed (Debian package ${peer.packages.join(", ")})`);
  const supervisors: Contender[] = [servitor(), ...peers];
  const tables: Table[] = [];
  const repsNote = (n: number) => `${n} repetitions${plan.quick ? " (quick run)" : ""}`;

  if (wanted("rest")) {
    // What the health-checking hosts ask: a tiny HTTP server in this process (its CPU is not theirs).
    const healthServer = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("ok"),
    );
    const healthUrl = `http://127.0.0.1:${healthServer.addr.port}/health`;
    // The bundled build beside the sources, when `deno task bundle` could make it.
    const bundled = await bundle() ? [servitor("bundle")] : [];
    if (!bundled.length) skipped.push("at rest, the bundled build: `deno task bundle` failed");
    const resting = [servitor(), ...bundled, servitor("health", healthUrl), ...peers];
    for (const count of [1, plan.manyPrograms]) {
      say(`== at rest, ${count} program(s): ${plan.restWindows} windows of ${plan.restWindowMs / 1000} s`);
      const cliRows: Row[] = [];
      const rows = await measureAtRest(resting, {
        program,
        scratch,
        count,
        windows: plan.restWindows,
        windowMs: plan.restWindowMs,
        settleMs: plan.restSettleMs,
        say,
        whileRunning: count === 1 && wanted("cli")
          ? async (running) => {
            say("== command start-up");
            for (const command of statusCommands(running)) {
              cliRows.push(await measureCommand(command, plan.cliReps));
            }
          }
          : undefined,
      });
      tables.push({
        id: `rest-${count}`,
        title: `At rest: ${count} idle program${count > 1 ? "s" : ""} (Linux)`,
        columns: [
          { key: "rss", label: "RSS", unit: "MiB" },
          { key: "pss", label: "PSS", unit: "MiB" },
          { key: "cpu", label: "CPU", unit: "% of a core" },
        ],
        rows,
        ratio: { column: "pss", reference: "servitor host" },
        notes: [
          `${plan.restWindows} consecutive windows of ${plan.restWindowMs / 1000} s after the programs ` +
          `started and ${
            plan.restSettleMs / 1000
          } s of settling; the contenders side by side (idle, they do ` +
          `not compete). The supervising processes only: scanners, supervisors and loggers (runsv + svlogd, ` +
          `s6-supervise ×2 + s6-log, supervise ×2 + multilog per program), not the programs.`,
          "PSS splits shared pages (the deno binary, libc) among the processes sharing them: the fairer sum " +
          "for many processes; RSS counts them in every process. CPU: the exact run time of every live " +
          "thread (/proc/PID/task/*/schedstat) over the window.",
        ],
      });
      if (cliRows.length) {
        tables.push(await cliTable(program, cliRows, plan.cliReps));
      }
    }
    await healthServer.shutdown();
  } else if (wanted("cli")) {
    tables.push(await cliTable(program, [], plan.cliReps));
  }

  if (wanted("restart")) {
    say(`== restart latency: ${plan.latencyReps} restarts each`);
    const rows: Row[] = [];
    for (const contender of supervisors) {
      rows.push(
        await measureRestart(contender, { program, scratch, reps: plan.latencyReps, runMs: 2000, say }),
      );
    }
    tables.push({
      id: "restart",
      title: "Restart latency (Linux): the program's exit → its replacement's start",
      columns: [{ key: "restart", label: "restart", unit: "ms" }],
      rows,
      ratio: { column: "restart", reference: "s6 (s6-supervise + s6-log)" },
      notes: [
        `${repsNote(plan.latencyReps)}. Each run lasts 2 s, past every throttle (servitor's AppThrottle ` +
        "1.5 s; runsv and s6-supervise wait 1 s after a run shorter than that), and exits 0. Both times are " +
        "the program's own clock readings. runit, s6 and daemontools start the program through a " +
        "`#!/bin/sh` run script that execs it, as their documentation does; servitor and supervisord start " +
        "it directly. s6-supervise (2.11.3) and supervisord (4.2.5) started the replacement 1 s after every " +
        "exit here, though each run lasted 2 s; supervisord reaps its children on its 1 s main-loop tick.",
      ],
    });
  }

  if (wanted("health")) {
    say(`== health restart: ${plan.latencyReps} restarts`);
    const row = await measureHealthRestart((check) => servitor("unhealthy", check), {
      program,
      scratch,
      reps: plan.latencyReps,
      say,
    });
    tables.push({
      id: "health-restart",
      title: "Health restart (Linux): the check that makes the program unhealthy → its replacement's start",
      columns: [{ key: "restart", label: "restart", unit: "ms" }],
      rows: [row],
      notes: [
        `${
          repsNote(plan.latencyReps)
        }. A \`cmd:\` check that fails (AppHealthRetries 1, every 200 ms, counted ` +
        "after 2 s of grace, past AppThrottle); the failure's time is the check's own clock reading as it " +
        "fails, the start the program's own. Between them: the host hearing the check end, the stop " +
        "escalation's SIGINT (the program exits on it at once) and the launch. servitor alone: no other " +
        "supervisor here checks health.",
      ],
    });
  }

  if (wanted("stop")) {
    const rows = new Map<string, Row>();
    for (const mode of ["idle", "stubborn"] as const) {
      say(
        `== stop latency, a program that ${mode === "idle" ? "exits at once" : "ignores SIGINT and SIGTERM"}`,
      );
      for (const contender of supervisors) {
        const reps = mode === "idle" ? plan.latencyReps : plan.stubbornReps;
        const row = await measureStop(contender, mode, { program, scratch, reps, say });
        const merged = rows.get(contender.label) ??
          { id: contender.id, contender: contender.label, figures: {} };
        merged.figures[mode] = row.figures.stop;
        if (row.note) merged.note = [merged.note, row.note].filter(Boolean).join("; ");
        rows.set(contender.label, merged);
      }
    }
    tables.push({
      id: "stop",
      title: "Stop latency (Linux): the stop request → the program gone",
      columns: [
        { key: "idle", label: "exits at once", unit: "ms" },
        { key: "stubborn", label: `ignores it (kill at ${STOP_TIMEOUT_MS / 1000} s)`, unit: "ms" },
      ],
      rows: [...rows.values()],
      ratio: { column: "idle", reference: "servitor host" },
      notes: [
        `${repsNote(plan.latencyReps)} (exits at once), ${repsNote(plan.stubbornReps)} (ignores). ` +
        "servitor: SIGTERM to the host (as systemd stops it); the host sends SIGINT, then SIGTERM after " +
        "1.5 s, then SIGKILL after 1.5 s more (NSSM's defaults). runit: `sv -w 3 force-stop`; s6: `s6-svc -d` " +
        "with timeout-kill 3000; daemontools: `svc -d`, then `svc -k` 3 s later (supervise has no timeout); " +
        "supervisord: XML-RPC stopProcess, stopwaitsecs=3. All send SIGTERM first but servitor (SIGINT); " +
        "the program exits at once on either.",
      ],
    });
  }

  if (wanted("throughput")) {
    const contenders = [floor, servitor("plain"), servitor("rotate"), servitor("timestamps"), ...peers];
    const mib = plan.throughputBytes / 2 ** 20;
    say(`== output throughput: ${mib} MiB, ${plan.throughputReps} times each`);
    const rows: Row[] = await measureThroughput(contenders, {
      program,
      scratch,
      bytes: plan.throughputBytes,
      reps: plan.throughputReps,
      rotateBytes: plan.rotateBytes,
      say,
    });
    tables.push({
      id: "throughput",
      title: `Output throughput (Linux): ${
        mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`
      } of lines, until on disk`,
      columns: [
        { key: "rate", label: "throughput", unit: "MiB/s" },
        { key: "cpu", label: "supervisor CPU per GiB", unit: "s" },
        { key: "files", label: "files", unit: "count" },
      ],
      rows,
      ratio: { column: "rate", reference: floor.label },
      notes: [
        `${repsNote(plan.throughputReps)}, interleaved: each round runs every contender once, in an order ` +
        "turned by one each round, after a sync. The bench program writes numbered lines of 14–74 bytes through " +
        "stdio (4 KiB writes) as fast as it can; the time runs from its start until the files hold every " +
        "byte (written to the file system, not fsynced). Every repetition's files are read back: byte count, " +
        "line count and checksum match what the program wrote, timestamps left out.",
        `Rotation every ${
          plan.rotateBytes / 2 ** 20
        } MiB for servitor's online rotation, svlogd, s6-log and ` +
        "supervisord; multilog's files are at most 16 MiB (its own limit). Peers keep up to 1000 files.",
        "Supervisor CPU: the supervising processes' CPU time, every thread included (host; runsv + svlogd; " +
        "s6-supervise + s6-log; supervise + multilog; supervisord), from the program's start until every " +
        "byte is on disk, per GiB; in 10 ms ticks.",
      ],
    });
  }
  return { tables, skipped };
}

/** The status commands of the peers that are running `idle0`, and the floors; servitor's own on Linux. */
function statusCommands(running: Map<Contender, { dir: string }>): TimedCommand[] {
  const commands: TimedCommand[] = [];
  for (const [contender, { dir }] of running) {
    const service = path.join(dir, "scan", "idle0");
    if (contender.id === "runit") {
      commands.push({ id: "runit", label: "`sv status`", program: "sv", args: ["status", service] });
    }
    if (contender.id === "s6") {
      commands.push({ id: "s6", label: "`s6-svstat`", program: "s6-svstat", args: [service] });
    }
    if (contender.id === "daemontools") {
      commands.push({ id: "daemontools", label: "`svstat`", program: "svstat", args: [service] });
    }
    if (contender.id === "supervisord") {
      commands.push({
        id: "supervisord",
        label: "`supervisorctl status`",
        program: "supervisorctl",
        args: ["-c", path.join(dir, "supervisord.conf"), "status", "idle0"],
      });
    }
  }
  return commands;
}

async function cliTable(program: string, peerRows: Row[], reps: number): Promise<Table> {
  const deno = Deno.execPath();
  const floors: TimedCommand[] = [
    { id: "native", label: "floor: the native bench program", program, args: ["version"] },
    {
      id: "deno",
      label: "floor: `deno run` of an empty program",
      program: deno,
      args: ["run", path.join(project, "bench", "empty.ts")],
    },
    {
      id: "servitor-version",
      label: "`servitor --version`",
      program: deno,
      args: ["run", "--allow-all", path.join(project, "cli", "main.ts"), "--version"],
    },
  ];
  const rows: Row[] = [];
  for (const command of floors) rows.push(await measureCommand(command, reps));
  return {
    id: "cli",
    title: "Command start-up (Linux): spawn → exit",
    columns: [{ key: "time", label: "time", unit: "ms" }],
    rows: [...rows, ...peerRows],
    ratio: { column: "time", reference: "`servitor --version`" },
    notes: [
      `${reps} repetitions after one untimed run. servitor runs from source (\`deno run -A cli/main.ts\`): ` +
      "`deno compile` needs Deno's download host, out of reach here. `ManageService <name> status` on Linux " +
      "asks systemd, which this machine does not run: it is timed under Wine, against the SCM, below. " +
      "The peers' status commands ask a running service.",
    ],
  };
}

if (import.meta.main) {
  const config = JSON.parse(await Deno.readTextFile(Deno.args[0])) as LinuxConfig;
  const result = await runLinux(config);
  await Deno.writeTextFile(config.out, JSON.stringify(result, null, 2));
}
