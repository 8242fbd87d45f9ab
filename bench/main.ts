/**
 * `deno task bench`: servitor measured against the supervisors people use instead, in one run on one
 * machine, written to bench/results/latest.md and latest.json (quick.* or partial.* for a `--quick` or
 * `--only` run) and, for a full run, into the README's Benchmarks section.
 *
 *   deno task bench [--quick] [--only rest,cli,restart,health,stop,throughput,systemd|systemd:cpu,systemd:ui,…,wine|wine:scm,…] [--render]
 *
 * The Linux measures run in a PID namespace of their own (bench/linux.ts), the systemd ones in the
 * test-bed's booted systemd (bench/systemd_side.ts), the Windows ones under Wine in the test-bed
 * (bench/wine/side.ts, run by the Windows deno.exe against Wine's SCM). Peers missing from the machine are
 * installed from Debian's packages. Nothing here asserts a time.
 * @module
 */
import path from "path";
import { build, haveCommand } from "./build.ts";
import type { LinuxConfig } from "./linux.ts";
import { ensure, linuxPeers, mingw } from "./peers.ts";
import { plan as makePlan } from "./plan.ts";
import { type Machine, renderResults, type Results, type Table, withReadmeSection } from "./report.ts";
import { readTargets } from "./targets.ts";
import { renderHeadline } from "./headline.ts";
import type { WineConfig } from "./wine/side.ts";
import { type SystemdConfig, uiServices } from "./systemd_side.ts";
import { openUiPage } from "./ui_page.ts";

const here = import.meta.dirname!;
const project = path.resolve(here, "..");
const say = (line: string) => console.log(line);

function parseArgs(args: string[]) {
  let quick = false;
  let render = false;
  let only: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--quick") quick = true;
    else if (args[i] === "--render") render = true;
    else if (args[i] === "--only") only = (args[++i] ?? "").split(",").filter(Boolean);
    else if (args[i].startsWith("--only=")) only = args[i].slice(7).split(",").filter(Boolean);
    else {
      console.error(
        `bench: unknown option ${args[i]} (--quick, --only rest,cli,restart,health,stop,throughput,wine)`,
      );
      Deno.exit(2);
    }
  }
  return { quick, only, render };
}

async function machine(): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const osRelease = await Deno.readTextFile("/etc/os-release").catch(() => "");
  const [one, five] = Deno.loadavg();
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU",
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    kernel: Deno.osRelease(),
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? Deno.build.os,
    deno: Deno.version.deno,
    load: `${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min) at the start`,
  };
}

/** Runs a command with its output shown; true when it exits 0. */
async function shown(program: string, args: string[], env: Record<string, string> = {}): Promise<boolean> {
  const child = new Deno.Command(program, {
    args,
    env,
    cwd: project,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code === 0;
}

async function runLinuxPart(config: LinuxConfig, skipped: string[]): Promise<Table[]> {
  const file = path.join(config.scratch, "linux-config.json");
  await Deno.writeTextFile(file, JSON.stringify(config));
  const command = [Deno.execPath(), "run", "--allow-all", path.join(here, "linux.ts"), file];
  // PID 1's child of a namespace of its own: whatever a contender leaves behind ends with the run.
  const isolated = Deno.uid() === 0 && await haveCommand("unshare");
  const ok = isolated
    ? await shown("unshare", ["--pid", "--fork", "--kill-child", "--mount-proc", ...command])
    : await shown(command[0], command.slice(1));
  try {
    const result = JSON.parse(await Deno.readTextFile(config.out)) as { tables: Table[]; skipped: string[] };
    skipped.push(...result.skipped);
    return result.tables;
  } catch {
    skipped.push(`the Linux measures failed (exit ${ok ? 0 : "non-zero"}): see the output above`);
    return [];
  }
}

async function runWinePart(config: WineConfig, scratch: string, cache: string, skipped: string[]) {
  const testbed = path.join(project, "tests", "testbed", "testbed.sh");
  const why = Deno.uid() !== 0 ? "the test-bed needs root" : undefined;
  if (why) {
    skipped.push(`everything under Wine: ${why}`);
    return [];
  }
  say("== the test-bed (Wine 10): building or reusing its rootfs");
  if (!await shown(testbed, ["build"])) {
    skipped.push("everything under Wine: the test-bed's rootfs could not be built (see the output)");
    return [];
  }
  // The bundled build, which the Wine measures run beside the sources (bench/wine/wrappers.ts).
  say("== the bundled build: deno task bundle");
  if (!await shown(Deno.execPath(), ["task", "--quiet", "bundle"])) {
    skipped.push("everything under Wine: `deno task bundle` failed (see the output)");
    return [];
  }
  const file = path.join(scratch, "wine-config.json");
  await Deno.writeTextFile(file, JSON.stringify(config));
  await shown(testbed, [
    "wine",
    "wine",
    "/opt/deno-windows/deno.exe",
    "run",
    "--allow-all",
    path.join(here, "wine", "side.ts"),
    `Z:${file}`,
  ], { SERVITOR_TESTBED_BIND: `${scratch}:${cache}` });
  try {
    const result = JSON.parse(await Deno.readTextFile(config.out)) as { tables: Table[]; skipped: string[] };
    skipped.push(...result.skipped);
    return result.tables;
  } catch {
    skipped.push("the measures under Wine failed: see the output above");
    return [];
  }
}

async function runSystemdPart(config: SystemdConfig, scratch: string, cache: string, skipped: string[]) {
  const testbed = path.join(project, "tests", "testbed", "testbed.sh");
  if (Deno.uid() !== 0) {
    skipped.push("everything under systemd: the test-bed needs root");
    return [];
  }
  if (!await shown(testbed, ["build"])) {
    skipped.push("everything under systemd: the test-bed's rootfs could not be built (see the output)");
    return [];
  }
  const file = path.join(scratch, "systemd-config.json");
  await Deno.writeTextFile(file, JSON.stringify(config));
  // The page's bundle is made here: the test-bed can't reach the registry for deno bundle's esbuild.
  await shown(Deno.execPath(), ["task", "--quiet", "ui:build"]);
  // The UI measure's page, opened here in the machine's Chromium when the inside asks for it.
  const pageEnded = new AbortController();
  const page = openUiPage(path.join(scratch, "systemd", "ui"), uiServices(config.plan), pageEnded.signal)
    .catch((error) => skipped.push(`the UI measure's page: ${(error as Error).message}`));
  await shown(testbed, [
    "systemd",
    Deno.execPath(),
    "run",
    "--allow-all",
    path.join(here, "systemd_side.ts"),
    file,
  ], {
    SERVITOR_TESTBED_BIND: `${scratch}:${cache}`,
  });
  pageEnded.abort();
  await page;
  try {
    const result = JSON.parse(await Deno.readTextFile(config.out)) as { tables: Table[]; skipped: string[] };
    skipped.push(...result.skipped);
    return result.tables;
  } catch {
    skipped.push("the measures under systemd failed: see the output above");
    return [];
  }
}

/**
 * Writes NAME.md and NAME.json from the results: `latest` for a full run, which also rewrites the README's
 * Benchmarks section; a quick or partial run has files of its own and leaves the full run's alone.
 */
async function write(results: Results, name: "latest" | "quick" | "partial"): Promise<string> {
  const out = path.join(here, "results");
  await Deno.mkdir(out, { recursive: true });
  const markdown = renderResults(results);
  await Deno.writeTextFile(path.join(out, `${name}.md`), markdown);
  await Deno.writeTextFile(path.join(out, `${name}.json`), JSON.stringify(results, null, 2) + "\n");
  const written = [path.join(out, `${name}.md`)];
  if (name === "latest") {
    const readme = path.join(project, "README.md");
    await Deno.writeTextFile(readme, withReadmeSection(await Deno.readTextFile(readme), results));
    written.push(readme);
  }
  // In the project's own format, so that `deno fmt --check` stays clean after a run.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", ...written], cwd: project }).output();
  return markdown;
}

if (import.meta.main && parseArgs(Deno.args).render) {
  // Renders latest.md again from latest.json (after a change to the report's format), measuring nothing.
  const results = JSON.parse(await Deno.readTextFile(path.join(here, "results", "latest.json"))) as Results;
  results.targets = readTargets(results.tables);
  results.headline = renderHeadline(results.tables);
  console.log(await write(results, "latest"));
} else if (import.meta.main) {
  const { quick, only } = parseArgs(Deno.args);
  // `--only wine` runs every Wine measure; `--only wine:scm,wine:cli` some of them.
  const wineOnly = only.filter((measure) => measure.startsWith("wine:")).map((measure) => measure.slice(5));
  // `--only systemd` runs every measure under systemd; `--only systemd:cpu,systemd:ui` some of them.
  const systemdOnly = only.filter((measure) => measure.startsWith("systemd:")).map((measure) =>
    measure.slice(8)
  );
  const wanted = (measure: string) =>
    only.length === 0 || only.includes(measure) || (measure === "wine" && wineOnly.length > 0) ||
    (measure === "systemd" && systemdOnly.length > 0);
  const startedAt = Date.now();
  const plan = makePlan(quick);
  const skipped: string[] = [];
  const about = await machine();
  // SERVITOR_BENCH_DIR: another place, so that two runs on one machine don't clear each other's scratch.
  const base = Deno.env.get("SERVITOR_BENCH_DIR") ?? path.join("/var/tmp", "servitor-bench");
  const cache = path.join(base, "build");
  const scratch = path.join(base, "run");
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  await Deno.mkdir(scratch, { recursive: true });

  const peers = await ensure(linuxPeers, say);
  const windows = wanted("wine") && (await ensure([mingw], say)).length > 0;
  const built = await build(cache, windows);
  const tables: Table[] = [];
  const linuxMeasures = only.filter((measure) =>
    !measure.startsWith("wine") && !measure.startsWith("systemd")
  );
  if (only.length === 0 || linuxMeasures.length > 0) {
    tables.push(
      ...await runLinuxPart({
        plan,
        program: built.program,
        scratch,
        out: path.join(scratch, "linux.json"),
        only: linuxMeasures,
        peers,
      }, skipped),
    );
  }
  if (wanted("wine")) {
    if (!built.windows) {
      skipped.push("everything under Wine: mingw-w64 is missing (Debian gcc-mingw-w64-x86-64)");
    } else {
      tables.push(
        ...await runWinePart(
          {
            plan,
            built: built.windows,
            linuxProgram: built.program,
            scratch,
            out: path.join(scratch, "wine.json"),
            only: wineOnly,
          },
          scratch,
          cache,
          skipped,
        ),
      );
    }
  }
  if (wanted("systemd")) {
    tables.push(
      ...await runSystemdPart(
        { plan, program: built.program, scratch, out: path.join(scratch, "systemd.json"), only: systemdOnly },
        scratch,
        cache,
        skipped,
      ),
    );
  }
  const [one, five] = Deno.loadavg();
  about.load += `; ${one.toFixed(2)}, ${five.toFixed(2)} at the end`;
  const results: Results = {
    date: new Date(startedAt).toISOString().slice(0, 10),
    quick,
    durationS: (Date.now() - startedAt) / 1000,
    machine: about,
    tables,
    targets: readTargets(tables),
    headline: renderHeadline(tables),
    skipped,
  };
  console.log(`\n${await write(results, only.length ? "partial" : quick ? "quick" : "latest")}`);
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
}
