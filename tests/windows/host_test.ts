/**
 * The host as the SCM runs it: Wine's services.exe starts `deno.exe run cli/main.ts host --service <name>`,
 * which supervises a real program through CreateProcessW and a job object; and as a person runs it in a
 * console.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { terminateProcessById } from "../../ffi/process.ts";
import { descendants, listProcesses } from "../../ffi/toolhelp.ts";
import { assertAllEnd, notWindows, stopAtConsole, waitForState } from "./helpers.ts";
import { hostedService, main } from "./hosted.ts";
import { eventually, eventuallyLines } from "../helpers.ts";
import { defaultSpec } from "../../service/spec.ts";
import { writeSpec } from "../../service/store.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const fixtures = path.win32.join(import.meta.dirname!, "fixtures");

/** Polls status.json until `ok` holds. */
function statusWhen<T>(read: () => Promise<T>, ok: (s: T) => boolean, timeoutMs = 20_000) {
  return eventually(read, ok, timeoutMs, "status.json");
}

function treeOf(pid: number): number[] {
  return [pid, ...descendants(pid, listProcesses())];
}

test("a console script as a service: RUNNING, output in %PROGRAM%.out.txt, restarted when killed, paused while throttled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-ticker-" });
  const program = path.win32.join(dir, "ticker.cmd");
  await Deno.copyFile(path.win32.join(fixtures, "host_ticker.cmd"), program);
  using hosted = await hostedService("servitor_host", program, [], (spec) => {
    spec.output.stdout = "%PROGRAM%.out.txt";
    spec.throttleMs = 120_000; // every run here is "short": the second kill is throttled
  });
  const { service } = hosted;
  service.start();
  await waitForState(service, "running");
  const output = path.win32.join(dir, "ticker.out.txt");
  await eventuallyLines(output, (lines) => lines.includes("tick 2"));

  // Killing the program: the host restarts it at once (the first restart is never throttled).
  const first = await statusWhen(hosted.status, (s) => s.programPid !== undefined);
  terminateProcessById(first.programPid!, 1);
  const second = await statusWhen(hosted.status, (s) => s.counters.started === 2 && s.state === "running");
  assertOk(second.programPid !== first.programPid);

  // Pause is refused while running, as NSSM refuses it.
  let refused = false;
  try {
    service.control({ kind: "pause" });
  } catch {
    refused = true;
  }
  assertOk(refused, "pause of a running service is refused");
  assertEquals(service.queryStatus().state, "running");

  // Killed again within AppThrottle (once it has printed, so each run shows in the output): throttled,
  // PAUSED; continue starts it at once.
  await eventuallyLines(output, (lines) => lines.filter((l) => l === "tick 1").length === 2);
  terminateProcessById(second.programPid!, 1);
  await waitForState(service, "paused", 10_000);
  service.control({ kind: "continue" });
  const resumedAt = Date.now();
  await waitForState(service, "running", 10_000);
  assertOk(Date.now() - resumedAt < 1_900, "continue restarts before the 2 s throttle wait is over");
  const third = await statusWhen(
    hosted.status,
    (s) => s.counters.started === 3 && s.programPid !== undefined,
  );

  // Stop: the script and its deno.exe child end, STOPPED within the wait hint the host reported.
  await eventuallyLines(output, (lines) => lines.filter((l) => l === "tick 1").length === 3);
  const tree = treeOf(third.programPid!);
  const pending = service.control({ kind: "stop" });
  const hint = Math.max(pending.waitHint, 1_000);
  const stopAt = Date.now();
  const stopped = await waitForState(service, "stopped", hint + 5_000);
  assertOk(Date.now() - stopAt <= hint, `STOPPED after ${Date.now() - stopAt} ms, hint ${hint} ms`);
  assertEquals(stopped.exitCode, { kind: "win32", code: 0 });
  await assertAllEnd(tree);
});

test("killing the host itself ends the program and its child: the job object outlives no one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-ticker-" });
  const program = path.win32.join(dir, "ticker.cmd");
  await Deno.copyFile(path.win32.join(fixtures, "host_ticker.cmd"), program);
  using hosted = await hostedService("servitor_host_kill", program, [], (spec) => {
    spec.output.stdout = "%PROGRAM%.out.txt";
  });
  hosted.service.start();
  await waitForState(hosted.service, "running");
  await eventuallyLines(path.win32.join(dir, "ticker.out.txt"), (lines) => lines.includes("tick 2"));
  const status = await statusWhen(hosted.status, (s) => s.programPid !== undefined);
  const tree = treeOf(status.programPid!);
  assertOk(tree.length >= 2, `the script has its deno.exe child: ${tree}`);
  terminateProcessById(status.hostPid, 9);
  await assertAllEnd([status.hostPid, ...tree]);
});

test("under the SCM the program writes its own log: both streams in one file, read, renamed and deleted while it runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-ticker-" });
  const program = path.win32.join(dir, "ticker.cmd");
  await Deno.copyFile(path.win32.join(fixtures, "host_ticker.cmd"), program);
  using hosted = await hostedService("servitor_host_log", program, [], (spec) => {
    spec.output.stdout = "%PROGRAM%.log";
    spec.output.stderr = "%PROGRAM%.log";
  });
  hosted.service.start();
  await waitForState(hosted.service, "running");
  const log = path.win32.join(dir, "ticker.log");
  await eventuallyLines(log, (lines) => lines.includes("tick 2") && lines.includes("tock 2"));
  // Shared for deletion: an administrator renames the live log, and the program writes on into it.
  const renamed = path.win32.join(dir, "ticker.old.log");
  await Deno.rename(log, renamed);
  const lines = await eventuallyLines(renamed, (lines) => lines.includes("tock 4"));
  assertEquals(
    lines.filter((line) => line.startsWith("tick ")),
    lines.filter((line) => line.startsWith("tick ")).map((_, i) => `tick ${i + 1}`),
    "every stdout line once, in order, beside stderr's",
  );
  await Deno.remove(renamed);
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 15_000);
});

test("a Ctrl-C-aware program runs its cleanup when the service stops", async () => {
  const marker = path.win32.join(await Deno.makeTempDir(), "cleanup.txt");
  using hosted = await hostedService("servitor_host_ctrl_c", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "host_ctrl_c.ts"),
    marker,
  ], (spec) => {
    spec.output.stdout = "ctrl_c.out.txt";
    spec.stop.consoleMs = 5_000;
  });
  hosted.service.start();
  await waitForState(hosted.service, "running");
  await eventuallyLines(path.win32.join(hosted.logs, "ctrl_c.out.txt"), (lines) => lines.includes("ready"));
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 15_000);
  assertEquals(await Deno.readTextFile(marker), "cleaned up");
});

test("a person runs the host in a console: the program's output shows there, and Ctrl-C stops it cleanly", async () => {
  const root = await Deno.makeTempDir({ prefix: "servitor-host-console-" });
  const marker = path.win32.join(root, "cleanup.txt");
  const spec = defaultSpec("servitor_console_host", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "host_ctrl_c.ts"),
    marker,
  ]);
  spec.output.stdout = "ready.log"; // also in a file, for the person's fixture to see when to press Ctrl-C
  await writeSpec(root, spec);
  const outcome = await stopAtConsole(path.win32.join(root, spec.name, "logs", "ready.log"), "ready", [
    ...[Deno.execPath(), "run", "--allow-all", main, "host", "--service", spec.name, "--config-root", root],
  ]);
  assertEquals([outcome.exitCode, outcome.escalated], [0, false], outcome.stderr);
  assertMatch(outcome.stdout, /^ready\r?$/m, "the program's output, on the host's console");
  assertMatch(outcome.stderr, /running[\s\S]*stop pending[\s\S]*stopped/);
  assertEquals(await Deno.readTextFile(marker), "cleaned up", "the program got its Ctrl-C and cleaned up");
});
