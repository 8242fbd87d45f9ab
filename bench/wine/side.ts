/**
 * The measures under Wine, run by the Windows deno.exe in the test-bed against Wine's own SCM
 * (`testbed.sh wine wine deno.exe run -A bench/wine/side.ts CONFIG.json`, from bench/main.ts): servitor's
 * host against NSSM 2.24-101 and the C floor service — SCM latency, cost at rest, restart and stop
 * latency, output throughput — and command start-up. Writes its tables as JSON to the config's `out`.
 * @module
 */
import path from "path";
import { isProcessRunning, terminateProcessById } from "../../ffi/process.ts";
import { rotatedFiles } from "../../host/rotation.ts";
import type { Plan } from "../plan.ts";
import { waitForMarks } from "../mark.ts";
import { wallClockUs } from "../proc.ts";
import { measureCommand } from "../measures/cli.ts";
import { measureRestart, measureStop } from "../measures/latency.ts";
import { wineContender, wrapperLabels } from "./contender.ts";
import type { Row, Table } from "../report.ts";
import { summarize } from "../stats.ts";
import {
  forceStopped,
  install,
  type Installed,
  nssm,
  servitorBundle,
  servitorMain,
  sleep,
  stop,
  until,
  windowsPath,
  type WrappedProgram,
  type WrapperKind,
} from "./wrappers.ts";

export interface WineConfig {
  plan: Plan;
  /** Linux paths of the Windows builds (bench/build.ts). */
  built: { program: string; floorService: string; probe: string };
  linuxProgram: string;
  /** Linux paths, bound into the test-bed at the same place. */
  scratch: string;
  out: string;
  /** The Wine measures to run (scm, rest, latency, throughput, cli); all when empty. */
  only: string[];
}

const labels = wrapperLabels;

interface Context {
  plan: Plan["wine"];
  quick: boolean;
  program: string;
  floorExe: string;
  probe: string;
  scratch: string;
  root: string;
}

const say = (line: string) => console.log(line);
const reps = (n: number, quick: boolean) => `${n} repetitions${quick ? " (quick run)" : ""}`;

/** The wrapper's process (the service's own): servitor's deno.exe host, nssm64.exe, floor_service.exe. */
function wrapperPid(installed: Installed): number {
  return installed.service.queryStatus().processId;
}

async function startAndWait(installed: Installed): Promise<number> {
  const started = performance.now();
  installed.service.start();
  return await until(() => installed.service.queryStatus().state === "running", `${installed.name} RUNNING`) -
    started;
}

/** Stops, waits for STOPPED and for the service's process to end; returns the ms to STOPPED. */
async function stopAndWait(installed: Installed, timeoutMs = 30_000): Promise<number> {
  const pid = wrapperPid(installed);
  const asked = performance.now();
  stop(installed.service);
  const stopped = await until(
    () => installed.service.queryStatus().state === "stopped",
    `${installed.name} STOPPED`,
    timeoutMs,
  );
  if (pid) await until(() => !isProcessRunning(pid), `${installed.name}'s process to end`, 20_000);
  return stopped - asked;
}

async function scmLatency(context: Context): Promise<Table> {
  say(`== SCM latency under Wine: ${context.plan.scmReps} starts and stops each`);
  const rows: Row[] = [];
  for (const kind of ["floor", "servitor", "servitor-bundle", "nssm"] as const) {
    const mark = path.join(context.scratch, `scm-${kind}.mark`);
    const installed = await install(
      kind,
      { program: context.program, args: ["idle", mark] },
      context.root,
      context.floorExe,
    );
    const starts: number[] = [];
    const stops: number[] = [];
    const hangs: string[] = [];
    let note: string | undefined;
    try {
      for (let rep = 0; rep < context.plan.scmReps; rep++) {
        starts.push(await startAndWait(installed));
        if (kind !== "floor") await waitForMarks(mark, "start", rep + 1, 30_000);
        await sleep(1500);
        const wrapper = wrapperPid(installed);
        try {
          stops.push(await stopAndWait(installed));
        } catch (error) {
          hangs.push(`stop ${rep + 1}: ${(error as Error).message}`);
          await forceStopped(installed, wrapper);
        }
        await sleep(200);
      }
      say(
        `  ${labels[kind]}: start ${starts.map(Math.round).join(", ")} ms; stop ${
          stops.map(Math.round).join(", ")
        } ms`,
      );
    } catch (error) {
      note = (error as Error).message;
    } finally {
      await installed.remove();
    }
    rows.push({
      id: kind,
      contender: labels[kind],
      figures: { start: summarize(starts), stop: summarize(stops) },
      note: [note, hangs.length ? `the stop hung, its process then ended: ${hangs.join("; ")}` : undefined]
        .filter(Boolean).join("; ") || undefined,
    });
  }
  return {
    id: "wine-scm",
    title: "SCM latency under Wine 10: StartServiceW → RUNNING, stop control → STOPPED",
    columns: [{ key: "start", label: "start", unit: "ms" }, { key: "stop", label: "stop", unit: "ms" }],
    rows,
    ratio: { column: "start", reference: labels.floor },
    notes: [
      `${reps(context.plan.scmReps, context.quick)}, polled every millisecond (Wine's timers: about 2 ms). ` +
      "servitor's host and NSSM run the bench program (idle; it exits on Ctrl-C); the floor service runs " +
      "nothing. servitor runs from source, `deno.exe run -A cli/main.ts host …`, and as the bundled build, " +
      "`deno.exe run -A dist/servitor.js host …` (one module, as a compiled exe loads it; `deno compile` " +
      "needs Deno's download host): each start includes Deno's own start-up. NSSM " +
      "reports RUNNING only once the program has run AppThrottle (1.5 s); servitor reports it as soon as " +
      "the program is started (README: where servitor differs from NSSM).",
    ],
  };
}

/** `win_probe.exe PID…`: private bytes and working set of each process (its CPU time is left unread). */
async function probe(context: Context, pids: number[]) {
  const { stdout } = await new Deno.Command(context.probe, { args: pids.map(String), stdout: "piped" })
    .output();
  const result = new Map<number, { private: number; working: number }>();
  for (const line of new TextDecoder().decode(stdout).split(/\r?\n/)) {
    const [pid, privateBytes, working, cpu] = line.trim().split(" ");
    if (cpu !== undefined) {
      result.set(Number(pid), { private: Number(privateBytes), working: Number(working) });
    }
  }
  return result;
}

async function atRest(context: Context): Promise<Table> {
  const { restWindows, restWindowMs } = context.plan;
  say(`== at rest under Wine: ${restWindows} windows of ${restWindowMs / 1000} s`);
  const installed: [WrapperKind, Installed, string][] = [];
  const idle = path.join(import.meta.dirname!, "..", "idle.ts");
  const bare = new Deno.Command(Deno.execPath(), { args: ["run", idle], stdin: "null", stdout: "null" })
    .spawn();
  try {
    for (const kind of ["floor", "servitor", "servitor-bundle", "nssm"] as const) {
      const mark = path.join(context.scratch, `rest-${kind}.mark`);
      const service = await install(
        kind,
        { program: context.program, args: ["idle", mark] },
        context.root,
        context.floorExe,
      );
      installed.push([kind, service, mark]);
      if (kind === "servitor" || kind === "servitor-bundle") {
        // Started and stopped once first: the first deno.exe to load a module parses it for Deno's module
        // graph cache, a step a compiled exe never takes, and the Windows heap keeps what that parse took
        // (16 MiB more private bytes for the bundle's whole run, seen in quick runs, whose hosts had a cold
        // cache).
        await startAndWait(service);
        await waitForMarks(mark, "start", 1, 30_000);
        await stopAndWait(service);
      }
      await startAndWait(service);
    }
    for (const [kind, , mark] of installed) {
      if (kind !== "floor") await waitForMarks(mark, "start", kind === "nssm" ? 1 : 2, 30_000);
    }
    await sleep(5000);
    const subjects = [
      { id: "deno", label: "floor: bare `deno.exe run` of an idle program", pid: bare.pid },
      ...installed.map(([kind, service]) => ({ id: kind, label: labels[kind], pid: wrapperPid(service) })),
    ];
    const samples = subjects.map(() => ({ private: [] as number[], working: [] as number[] }));
    for (let window = 0; window < restWindows; window++) {
      await sleep(restWindowMs);
      const readings = await probe(context, subjects.map((s) => s.pid));
      subjects.forEach((subject, i) => {
        const reading = readings.get(subject.pid);
        if (!reading) return;
        samples[i].private.push(reading.private / 2 ** 20);
        samples[i].working.push(reading.working / 2 ** 20);
      });
    }
    return {
      id: "wine-rest",
      title: "At rest under Wine 10: the wrapper process with 1 idle program",
      columns: [
        { key: "private", label: "private bytes", unit: "MiB" },
        { key: "working", label: "working set", unit: "MiB" },
      ],
      rows: subjects.map((subject, i) => ({
        id: subject.id,
        contender: subject.label,
        figures: {
          private: summarize(samples[i].private),
          working: summarize(samples[i].working),
        },
      })),
      ratio: { column: "private", reference: labels.nssm },
      notes: [
        `Read at the end of ${restWindows} consecutive windows of ${restWindowMs / 1000} s after 5 s of ` +
        "settling, side by side, with GetProcessMemoryInfo through bench/win_probe.c, as Wine reports it: " +
        "private bytes are the commit charge (PagefileUsage; Wine leaves PrivateUsage 0). The wrapper process " +
        "only (servitor: the deno.exe host; NSSM: nssm64.exe), not the program; the floor service runs none.",
        "servitor's hosts are each service's second start: the first deno.exe to load a module parses it for " +
        "Deno's module cache (a compiled exe never does) and keeps that memory for its whole run.",
        "No CPU column: Wine's GetProcessTimes sums the threads alive when asked, in 10 ms ticks, so a thread " +
        "that ends takes its time along (Deno's worker threads end after some idle seconds) and a window's " +
        "difference came out negative. The Linux tables read the host's CPU at rest exactly.",
      ],
    };
  } finally {
    for (const [, service] of installed) await service.remove();
    try {
      bare.kill();
    } catch { /* gone */ }
    await bare.status;
  }
}

async function latencies(context: Context): Promise<Table> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const kind of ["servitor", "nssm"] as const) {
    const problems: string[] = [];
    // Restart: runs of 2 s, past AppThrottle (1.5 s) for both; the Linux measure, through the SCM.
    const restart = await measureRestart(wineContender(kind, context), {
      program: context.program,
      scratch: context.scratch,
      reps: context.plan.latencyReps,
      runMs: 2000,
      say,
    });
    if (restart.note) problems.push(`restart: ${restart.note}`);
    const row: Row = { id: kind, contender: labels[kind], figures: { restart: restart.figures.restart } };
    rows.push(row);
    for (const mode of ["idle", "stubborn"] as const) {
      const contender = wineContender(kind, context);
      const count = mode === "idle" ? context.plan.latencyReps : context.plan.stubbornReps;
      const stopped = await measureStop(contender, mode, {
        program: context.program,
        scratch: context.scratch,
        reps: count,
        say,
        alive: isProcessRunning,
        signals: (received) =>
          notes.push(
            `${labels[kind]}, a program that ${mode === "idle" ? "exits on Ctrl-C" : "ignores Ctrl-C"}: ` +
              `it received ${
                received.length ? received.join(", ") : "no console event"
              } over ${count} stops.`,
          ),
      });
      row.figures[mode] = stopped.figures.stop;
      if (stopped.note) problems.push(`stop (${mode}): ${stopped.note}`);
      problems.push(...contender.troubles.map((trouble) => `stop (${mode}): ${trouble}`));
    }
    if (problems.length) row.note = problems.join("; ");
  }
  return {
    id: "wine-latency",
    title: "Restart and stop latency under Wine 10: servitor's host and NSSM",
    columns: [
      { key: "restart", label: "restart", unit: "ms" },
      { key: "idle", label: "stop, exits on Ctrl-C", unit: "ms" },
      { key: "stubborn", label: "stop, ignores Ctrl-C", unit: "ms" },
    ],
    rows,
    ratio: { column: "restart", reference: labels.nssm },
    notes: [
      `Restart: ${reps(context.plan.latencyReps, context.quick)}, runs of 2 s (past AppThrottle), the ` +
      "program's exit to its replacement's start by its own clock. Stop: the stop control to the program " +
      `gone, ${reps(context.plan.latencyReps, context.quick)} (exits on Ctrl-C) and ` +
      `${reps(context.plan.stubbornReps, context.quick)} (ignores Ctrl-C, Ctrl-Break and close; a message ` +
      "loop that WM_QUIT ends). Both wrappers with NSSM's defaults: Ctrl-C, then WM_CLOSE, then WM_QUIT, each " +
      "waited for 1.5 s, then TerminateProcess.",
      ...notes,
    ],
  };
}

async function outputFiles(file: string): Promise<string[]> {
  return [...(await rotatedFiles(file)).map((rotated) => rotated.path), file];
}

async function totalSize(files: string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += await Deno.stat(file).then((info) => info.size, () => 0);
  return total;
}

async function throughput(context: Context): Promise<Table> {
  const { throughputBytes: bytes, throughputReps, rotateBytes } = context.plan;
  say(`== output throughput under Wine: ${bytes / 2 ** 20} MiB, ${throughputReps} times each`);
  const want = await digest(context.program, ["expect", String(bytes)]);
  const contenders: { id: string; label: string; kind: WrapperKind | "direct"; rotate: boolean }[] = [
    { id: "floor", label: "floor: the program writing to the file itself", kind: "direct", rotate: false },
    { id: "servitor", label: "servitor host", kind: "servitor", rotate: false },
    { id: "servitor-rotate", label: "servitor host, online rotation", kind: "servitor", rotate: true },
    { id: "nssm", label: "NSSM 2.24-101", kind: "nssm", rotate: false },
    { id: "nssm-rotate", label: "NSSM 2.24-101, online rotation", kind: "nssm", rotate: true },
  ];
  const rows: Row[] = [];
  for (const contender of contenders) {
    const rates: number[] = [];
    const fileCounts: number[] = [];
    const failures: string[] = [];
    const stopTrouble: string[] = [];
    for (let rep = 0; rep < throughputReps; rep++) {
      const dir = path.join(context.scratch, `wine-throughput-${contender.id}-${rep}`);
      await Deno.mkdir(dir, { recursive: true });
      const mark = path.join(dir, "mark");
      const file = path.join(dir, "out.log");
      const what: WrappedProgram = {
        program: context.program,
        args: ["write", mark, String(bytes)],
        stdout: file,
        rotateBytes: contender.rotate ? rotateBytes : undefined,
      };
      let installed: Installed | undefined;
      let floor: Deno.ChildProcess | undefined;
      try {
        if (contender.kind === "direct") {
          floor = new Deno.Command(context.program, {
            args: ["write", mark, String(bytes), file],
            stdin: "null",
            stdout: "null",
          }).spawn();
        } else {
          installed = await install(contender.kind, what, context.root, context.floorExe);
          installed.service.start();
        }
        const records = await waitForMarks(mark, "done", 1, 60_000 + bytes / 2 ** 20 * 500);
        const start = records.find((r) => r.kind === "start")!;
        const done = records.find((r) => r.kind === "done")!;
        let endUs = 0;
        const deadline = Date.now() + 60_000 + bytes / 2 ** 20 * 500;
        while (Date.now() < deadline) {
          if (await totalSize(await outputFiles(file)) >= done.bytes!) {
            endUs = wallClockUs();
            break;
          }
          await sleep(2);
        }
        if (installed) {
          // A stop that hangs is the wrapper's trouble, not the output's: said, and the bytes still checked.
          await stopAndWait(installed).catch((error) => {
            stopTrouble.push(`rep ${rep + 1}: ${(error as Error).message}`);
            terminateProcessById(wrapperPid(installed!), 1);
            terminateProcessById(done.pid, 1);
          });
        } else {
          // The floor's program idles once done: end it.
          terminateProcessById(done.pid, 0);
          await floor!.status;
        }
        if (!endUs) {
          failures.push(`rep ${rep + 1}: the bytes did not all arrive`);
          continue;
        }
        const got = await digest(context.program, ["verify", "0", ...await outputFiles(file)]);
        if (got.bytes !== want.bytes || got.lines !== want.lines || got.hash !== want.hash) {
          failures.push(`rep ${rep + 1}: read back ${got.bytes} bytes, ${got.lines} lines, hash ${got.hash}`);
          continue;
        }
        const rate = done.bytes! / 2 ** 20 / ((endUs - start.us) / 1e6);
        rates.push(rate);
        fileCounts.push((await outputFiles(file)).length);
        say(
          `  ${contender.label}: ${rate.toFixed(0)} MiB/s, ${
            (await outputFiles(file)).length
          } file(s), verified`,
        );
      } catch (error) {
        failures.push(`rep ${rep + 1}: ${(error as Error).message}`);
      } finally {
        await installed?.remove();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
    rows.push({
      id: contender.id,
      contender: contender.label,
      figures: { rate: summarize(rates), files: summarize(fileCounts) },
      note: [
        failures.length ? `output NOT verified or incomplete — ${failures.join("; ")}` : "",
        stopTrouble.length ? `the service did not stop after the output — ${stopTrouble.join("; ")}` : "",
      ].filter(Boolean).join("; ") || undefined,
    });
  }
  return {
    id: "wine-throughput",
    title: `Output throughput under Wine 10: ${bytes / 2 ** 20} MiB of lines, until on disk`,
    columns: [{ key: "rate", label: "throughput", unit: "MiB/s" }, {
      key: "files",
      label: "files",
      unit: "count",
    }],
    rows,
    ratio: { column: "rate", reference: labels.nssm },
    notes: [
      `${reps(throughputReps, context.quick)}; the Windows build of the same bench program, the same ` +
      `verification. Online rotation every ${rotateBytes / 2 ** 20} MiB (AppRotateOnline, AppRotateBytes). ` +
      "The floor: the program reopens its stdout onto the file (msvcrt, 4 KiB writes); `cmd /c program > " +
      "file` under Wine gave a handle msvcrt wrote unbuffered, a line a call, at 3 MiB/s. " +
      "Without online rotation NSSM hands the program the file itself (no pipe through NSSM), and so does " +
      "servitor: both are the floor under another name. With it, the output passes through the wrapper.",
    ],
  };
}

async function digest(program: string, args: string[]) {
  const { stdout } = await new Deno.Command(program, { args, stdout: "piped" }).output();
  const [bytes, lines, hash] = new TextDecoder().decode(stdout).trim().split(" ");
  return { bytes: Number(bytes), lines: Number(lines), hash };
}

async function commands(context: Context): Promise<Table> {
  say("== command start-up under Wine");
  const mark = path.join(context.scratch, "cli.mark");
  const servitorService = await install(
    "servitor",
    { program: context.program, args: ["idle", mark] },
    context.root,
    context.floorExe,
  );
  const nssmService = await install(
    "nssm",
    { program: context.program, args: ["idle", mark] },
    context.root,
    context.floorExe,
  );
  const rows: Row[] = [];
  try {
    await startAndWait(servitorService);
    await startAndWait(nssmService);
    const deno = Deno.execPath();
    const list = [
      { id: "native", label: "floor: the native bench program", program: context.program, args: ["version"] },
      {
        id: "deno",
        label: "floor: `deno.exe run` of an empty program",
        program: deno,
        args: ["run", path.join(import.meta.dirname!, "..", "empty.ts")],
      },
      {
        id: "servitor-version",
        label: "`servitor --version`",
        program: deno,
        args: ["run", "--allow-all", servitorMain, "--version"],
      },
      {
        id: "servitor-status",
        label: "`servitor ManageService <name> status`",
        program: deno,
        args: ["run", "--allow-all", servitorMain, "ManageService", servitorService.name, "status"],
        env: { SERVITOR_CONFIG_ROOT: context.root },
      },
      {
        id: "servitor-bundle-version",
        label: "`servitor --version`, bundled build",
        program: deno,
        args: ["run", "--allow-all", servitorBundle, "--version"],
      },
      {
        id: "servitor-bundle-status",
        label: "`servitor ManageService <name> status`, bundled build",
        program: deno,
        args: ["run", "--allow-all", servitorBundle, "ManageService", servitorService.name, "status"],
        env: { SERVITOR_CONFIG_ROOT: context.root },
      },
      { id: "nssm-status", label: "`nssm status <name>`", program: nssm, args: ["status", nssmService.name] },
    ];
    for (const command of list) rows.push(await measureCommand(command, context.plan.cliReps));
  } finally {
    await servitorService.remove();
    await nssmService.remove();
  }
  return {
    id: "wine-cli",
    title: "Command start-up under Wine 10: spawn → exit",
    columns: [{ key: "time", label: "time", unit: "ms" }],
    rows,
    ratio: { column: "time", reference: "`nssm status <name>`" },
    notes: [
      `${reps(context.plan.cliReps, context.quick)} after one untimed run. servitor runs from source ` +
      "(`deno.exe run -A cli/main.ts`) and as the bundled build (`deno.exe run -A dist/servitor.js`: one " +
      "module, no module graph read from node_modules, as a compiled servitor.exe). The status commands ask " +
      "a running service.",
    ],
  };
}

if (import.meta.main) {
  const config = JSON.parse(await Deno.readTextFile(Deno.args[0])) as WineConfig;
  const scratch = path.join(windowsPath(config.scratch), "wine");
  await Deno.mkdir(scratch, { recursive: true });
  const context: Context = {
    plan: config.plan.wine,
    quick: config.plan.quick,
    program: windowsPath(config.built.program),
    floorExe: windowsPath(config.built.floorService),
    probe: windowsPath(config.built.probe),
    scratch,
    root: path.join(scratch, "store"),
  };
  const wanted = (measure: string) => config.only.length === 0 || config.only.includes(measure);
  const tables: Table[] = [];
  const skipped: string[] = [];
  const steps: [string, (context: Context) => Promise<Table>][] = [
    ["scm", scmLatency],
    ["rest", atRest],
    ["latency", latencies],
    ["throughput", throughput],
    ["cli", commands],
  ];
  for (const [name, step] of steps) {
    if (!wanted(name)) continue;
    try {
      tables.push(await step(context));
    } catch (error) {
      skipped.push(`under Wine, ${name}: failed — ${(error as Error).message}`);
      console.error(error);
    }
  }
  await Deno.writeTextFile(windowsPath(config.out), JSON.stringify({ tables, skipped }, null, 2));
}
