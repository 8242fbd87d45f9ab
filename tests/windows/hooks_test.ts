/**
 * Hooks (AppEvents) of a service the host runs under Wine's SCM: the order NSSM runs them in, the NSSM_*
 * variables a hook written for nssm reads and their SERVITOR_* twins, and a Start/Pre hook that aborts the
 * start. What NSSM itself shows is in tests/host/nssm_hooks_facts.md.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { terminateProcessById } from "../../ffi/process.ts";
import { descendants, listProcesses } from "../../ffi/toolhelp.ts";
import { windowsCommandLine } from "../../service/command_line.ts";
import { notWindows, runNssm, waitForState } from "./helpers.ts";
import { hostedService } from "./hosted.ts";
import { eventuallyLines, readLines, sleep } from "../helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const fixtures = path.win32.join(import.meta.dirname!, "fixtures");

/** The fields host_hook_line.cmd writes, in its order. */
const fields = [
  "EVENT",
  "ACTION",
  "SERVICE_NAME",
  "APPLICATION_PID",
  "EXITCODE",
  "TRIGGER",
  "LAST_CONTROL",
  "START_REQUESTED_COUNT",
  "START_COUNT",
  "THROTTLE_COUNT",
  "EXIT_COUNT",
  "DEADLINE",
] as const;
type Field = typeof fields[number];

/** One hook's line: its NSSM_* values, after checking that each SERVITOR_* twin says the same. */
function parseHookLine(line: string): Record<Field, string> {
  const [nssm, servitor] = line.split("#").map((half) => half.split(";"));
  assertEquals(nssm.length, fields.length, `a whole line: ${line}`);
  assertEquals(servitor, nssm, `SERVITOR_* equal to NSSM_*: ${line}`);
  return Object.fromEntries(fields.map((field, i) => [field, nssm[i]])) as Record<Field, string>;
}

/** The hook command a person would write: the .cmd itself, with the file it appends to. */
function hookLineCommand(file: string): string {
  return windowsCommandLine(path.win32.join(fixtures, "host_hook_line.cmd"), [file]);
}

const DEADLINE_MS = 30_000;

/** Whether `pid` is a process the service's host started (directly or not). */
function startedBy(hostPid: number, pid: number): boolean {
  return descendants(hostPid, listProcesses()).includes(pid);
}

test("Start/Pre, Start/Post, Stop/Pre and Exit/Post run in NSSM's order under the SCM, with NSSM_* and SERVITOR_* variables alike, across a restart and a stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-hooks-" });
  const record = path.win32.join(dir, "hooks.txt");
  const marker = path.win32.join(dir, "cleanup.txt");
  using hosted = await hostedService("servitor_hooks", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "host_ctrl_c.ts"),
    marker,
  ], (spec) => {
    for (const event of ["Start/Pre", "Start/Post", "Stop/Pre", "Exit/Post"] as const) {
      spec.hooks[event] = hookLineCommand(record);
    }
    spec.hookDeadlineMs = DEADLINE_MS;
    spec.stop.consoleMs = 5_000;
  });
  const { service, name } = hosted;
  service.start();
  const hostPid = (await waitForState(service, "running", 30_000)).processId;
  // The program's pid as Start/Post saw it (status.json is not polled: see HostStatus).
  const programPid = (line: string) => Number(parseHookLine(line).APPLICATION_PID);
  const first = programPid((await eventuallyLines(record, (lines) => lines.length >= 2))[1]);
  assertOk(startedBy(hostPid, first), `Start/Post's NSSM_APPLICATION_PID ${first} is the host's program`);

  // The program dies: Exit/Post, then the restart's Start/Pre and Start/Post.
  terminateProcessById(first, 3);
  const second = programPid((await eventuallyLines(record, (lines) => lines.length >= 5))[4]);
  assertOk(second !== first && startedBy(hostPid, second), `the restarted program ${second}`);

  // The service stops: Stop/Pre while the program still runs, Exit/Post once it has exited.
  service.control({ kind: "stop" });
  await waitForState(service, "stopped", 30_000);
  const lines = await eventuallyLines(record, (lines) => lines.length >= 7);
  const seen = lines.map(parseHookLine);
  const columns = (row: Record<Field, string>) =>
    fields.filter((f) => f !== "THROTTLE_COUNT").map((f) => row[f]);
  const d = String(DEADLINE_MS);
  assertEquals(seen.map(columns), [
    // EVENT ACTION NAME PID EXITCODE TRIGGER LAST_CONTROL REQUESTED STARTED EXITS DEADLINE
    ["Start", "Pre", name, "", "", "START", "START", "1", "0", "0", d],
    ["Start", "Post", name, String(first), "", "START", "START", "1", "1", "0", d],
    ["Exit", "Post", name, "", "3", "", "START", "1", "1", "1", d],
    ["Start", "Pre", name, "", "", "START", "START", "2", "1", "1", d],
    ["Start", "Post", name, String(second), "", "START", "START", "2", "2", "1", d],
    ["Stop", "Pre", name, String(second), "", "STOP", "STOP", "2", "2", "1", d],
    ["Exit", "Post", name, "", "7", "", "STOP", "2", "2", "2", d],
  ]);
  assertEquals(await Deno.readTextFile(marker), "cleaned up", "the program got its Ctrl-C after Stop/Pre");
});

test("a Start/Pre hook before the first start reads NSSM_THROTTLE_COUNT 1, as under NSSM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-hooks-" });
  const record = path.win32.join(dir, "hooks.txt");
  using hosted = await hostedService("servitor_hooks_throttle", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "host_print_pid.ts"),
  ], (spec) => {
    spec.hooks["Start/Pre"] = hookLineCommand(record);
  });
  hosted.service.start();
  await waitForState(hosted.service, "running", 30_000);
  const [line] = await eventuallyLines(record, (lines) => lines.length >= 1);
  assertEquals(parseHookLine(line).THROTTLE_COUNT, "1");
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 30_000);
});

test("a Start/Pre hook that exits 99 aborts the start: STOPPED with code 252, the program never ran, the error log says why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-hooks-" });
  const ready = path.win32.join(dir, "ready.txt");
  const cmd = path.win32.join(Deno.env.get("SystemRoot") ?? "C:\\windows", "system32", "cmd.exe");
  using hosted = await hostedService("servitor_hooks_abort", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "launcher_sigint.ts"),
    ready,
    path.win32.join(dir, "cleanup.txt"),
  ], (spec) => {
    spec.hooks["Start/Pre"] = `${cmd} /c exit 99`;
  });
  try {
    hosted.service.start();
  } catch {
    // Should Wine's services.exe look only once the host has reported STOPPED, it answers StartServiceW
    // with 1053: the state and exit code below are what tell.
  }
  const stopped = await waitForState(hosted.service, "stopped", 30_000);
  assertEquals(stopped.exitCode, { kind: "service_specific", code: 252 });
  // Every version of status.json this host writes says so (see HostStatus).
  const { counters } = await hosted.status();
  assertEquals([counters.startRequested, counters.started], [1, 0]);
  assertMatch(
    await Deno.readTextFile(path.win32.join(hosted.logs, `${hosted.name}_ERROR_LOG.txt`)),
    /Start\/Pre hook exited with 99/,
  );
  // Time enough for the program to have written its file, had it been started.
  await sleep(3_000);
  assertOk(!(await Deno.stat(ready).then(() => true, () => false)), "the program never ran");
  assertEquals(hosted.service.queryStatus().state, "stopped");
});

/** NSSM itself: its exit code. */
const nssm = async (...args: string[]) => (await runNssm(args)).code;

/** What hook_runtime.cmd wrote: the NSSM_* times, after checking that any SERVITOR_* twins say the same. */
function runtimeLine(line: string, twins: boolean) {
  const [nssmHalf, servitorHalf] = line.split("#").map((half) => half.split(";"));
  if (twins) assertEquals(servitorHalf, nssmHalf, `SERVITOR_* equal to NSSM_*: ${line}`);
  const [event, application, runtime, exitCode] = nssmHalf;
  return { event, application, runtime, exitCode };
}

test("Exit/Post sees the run's length (NSSM_APPLICATION_RUNTIME) as NSSM's does, for the same program exiting by itself", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-hooks-" });
  const cmd = path.win32.join(Deno.env.get("SystemRoot") ?? "C:\\windows", "system32", "cmd.exe");
  // About 2 s (ping's three echoes a second apart), then exit code 3; AppExit Exit ends the service.
  const program = [cmd, "/c", "ping -n 3 127.0.0.1 & exit 3"];
  const hook = (file: string) =>
    windowsCommandLine(path.win32.join(fixtures, "hook_runtime.cmd"), [path.win32.join(dir, file)]);

  const nssmName = `nssm_runtime_${Date.now().toString(36)}`;
  try {
    assertEquals(await nssm("install", nssmName, ...program), 0);
    assertEquals(await nssm("set", nssmName, "AppExit", "Default", "Exit"), 0);
    assertEquals(await nssm("set", nssmName, "AppEvents", "Exit/Post", hook("nssm.txt")), 0);
    await nssm("start", nssmName);
    await eventuallyLines(path.win32.join(dir, "nssm.txt"), (lines) => lines.length >= 1, 60_000);
  } finally {
    await nssm("stop", nssmName);
    await nssm("remove", nssmName, "confirm");
  }

  using hosted = await hostedService("servitor_hooks_runtime", program[0], program.slice(1), (spec) => {
    spec.exit.default = "exit";
    spec.hooks["Exit/Post"] = hook("servitor.txt");
  });
  hosted.service.start();
  await waitForState(hosted.service, "stopped", 60_000);
  const [servitorLine] = await eventuallyLines(path.win32.join(dir, "servitor.txt"), (l) => l.length >= 1);
  const [nssmLine] = await readLines(path.win32.join(dir, "nssm.txt"));

  const fromNssm = runtimeLine(nssmLine, false);
  const fromServitor = runtimeLine(servitorLine, true);
  console.log(`Exit/Post after a run of ping -n 3: NSSM ${nssmLine}; servitor ${servitorLine}`);
  for (const [who, seen] of [["NSSM", fromNssm], ["servitor", fromServitor]] as const) {
    assertEquals([seen.event, seen.exitCode], ["Exit", "3"], who);
    // The run's length: not blank, at least ping's two seconds' wait less a margin, within the host's life.
    assertOk(Number(seen.application) >= 1_500, `${who}: NSSM_APPLICATION_RUNTIME ${seen.application}`);
    assertOk(Number(seen.runtime) >= Number(seen.application), `${who}: NSSM_RUNTIME ${seen.runtime}`);
  }
});
