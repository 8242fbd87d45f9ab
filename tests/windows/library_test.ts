/**
 * The library as the SCM runs it: Wine's services.exe starts `deno.exe run examples/<example>.ts <log>`, and
 * each step's callbacks (which the example writes to its log) are checked against the state
 * QueryServiceStatusEx and ControlService's answer show at that step.
 */
import path from "path";
import { assertEquals, assertOk } from "../assert.ts";
import { sleep, waitForLines } from "../helpers.ts";
import { type Service, ServiceControlManager } from "../../ffi/scm.ts";
import { Win32Error } from "../../ffi/error.ts";
import type { ServiceStatus } from "../../ffi/types.ts";
import { windowsCommandLine } from "../../service/command_line.ts";
import { ASKED_HINT_MS } from "./fixtures/library_slow_stop.ts";
import {
  denoServiceCommand,
  notWindows,
  stopAtConsole,
  tempFile,
  uniqueName,
  waitForState,
} from "./helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const examples = path.win32.join(import.meta.dirname!, "..", "..", "examples");

/** The library's default wait hint (library/lifecycle.ts). */
const DEFAULT_WAIT_HINT_MS = 3000;

/** The ImagePath of a service that is `example` run by this same deno.exe. */
function exampleCommand(example: string, args: string[]): string {
  return windowsCommandLine(Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(examples, example),
    ...args,
  ]);
}

/** The example's callbacks so far, without its ticks. */
const callbacks = (file: string, count: number) => waitForLines(file, count, (line) => line !== "tick");

function assertWin32Error(fn: () => unknown, code: number) {
  try {
    fn();
  } catch (error) {
    assertOk(error instanceof Win32Error, String(error));
    assertEquals((error as Win32Error).code, code, (error as Error).message);
    return;
  }
  throw new Error(`no Win32Error ${code}`);
}

test("the state-callback example: callbacks follow the SCM's states through start, pause, continue, a user control and stop", async () => {
  using scm = ServiceControlManager.connect();
  const log = await tempFile("state_callbacks.log");
  using service = scm.create({
    name: uniqueName("servitor_lib_callbacks"),
    startType: "demand",
    binaryPath: exampleCommand("state_callbacks.ts", [log]),
  });
  try {
    service.start(["first", "two words"]);
    // The example's start-up takes a second: START_PENDING meanwhile, with a wait hint and a checkpoint.
    assertEquals(await callbacks(log, 1), ['start_pending scm ["first","two words"]']);
    const starting = service.queryStatus();
    assertEquals([starting.state, starting.waitHint, starting.controlsAccepted], [
      "start_pending",
      DEFAULT_WAIT_HINT_MS,
      [],
    ]);
    assertOk(starting.checkPoint >= 1, `checkpoint ${starting.checkPoint}`);
    const running = await waitForState(service, "running");
    assertEquals(running.controlsAccepted, ["stop", "pause_continue", "shutdown"]);
    assertEquals((await callbacks(log, 2)).slice(1), ["running"]);
    await waitForLines(log, 1, (line) => line === "tick");

    // Each pending state is reported before HandlerEx returns: ControlService's answer already shows it.
    assertEquals(service.control({ kind: "pause" }).state, "pause_pending");
    await waitForState(service, "paused");
    assertEquals((await callbacks(log, 4)).slice(2), ["pause_pending", "paused"]);

    assertEquals(service.control({ kind: "continue" }).state, "continue_pending");
    await waitForState(service, "running");
    assertEquals((await callbacks(log, 6)).slice(4), ["continue_pending", "running"]);

    assertEquals(service.control({ kind: "user", code: 141 }).state, "running");
    assertEquals((await callbacks(log, 7)).slice(6), ["user_control 141"]);

    assertEquals(service.control({ kind: "stop" }).state, "stop_pending");
    const stopped = await waitForState(service, "stopped");
    assertEquals(stopped.exitCode, { kind: "win32", code: 0 });
    assertEquals((await callbacks(log, 9)).slice(7), ["stop_pending", "stopped"]);

    // It never ticked while paused.
    const lines = await waitForLines(log, 9);
    const paused = lines.slice(lines.indexOf("pause_pending"), lines.indexOf("continue_pending"));
    assertEquals(paused, ["pause_pending", "paused"]);
  } finally {
    service.delete();
  }
});

test("the plain-loop example installs itself, runs its loop until stopped, and installing again replaces it", async () => {
  const log = await tempFile("plain_loop.log");
  const example = path.win32.join(examples, "plain_loop.ts");
  const runExample = async (...args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", example, ...args],
      stdin: "null",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
    assertEquals(code, 0, `plain_loop.ts ${args.join(" ")}: ${decode(stderr)}`);
    return decode(stdout);
  };
  using scm = ServiceControlManager.connect();
  try {
    assertEquals(await runExample("install", log), "PlainLoop is installed");
    {
      using service = scm.open("PlainLoop", "all");
      const config = service.queryConfig();
      // Run from source: deno.exe, run, the installer's permissions in full, the main module, the arguments.
      assertEquals(
        config.binaryPath,
        windowsCommandLine(Deno.execPath(), [
          "run",
          ...["read", "write", "net", "env", "run", "ffi", "sys", "import"].map((name) => `--allow-${name}`),
          example,
          log,
        ]),
      );
      assertEquals([config.displayName, config.startType], ["servitor example: a plain loop", "auto"]);

      service.start();
      const running = await waitForState(service, "running");
      assertEquals(running.controlsAccepted, ["stop", "shutdown"]);
      assertEquals((await waitForLines(log, 3)).slice(0, 3), [
        "running as scm service PlainLoop",
        "tick 1",
        "tick 2",
      ]);
      // Nothing special in it: the SCM refuses a pause (not accepted), the service a user control
      // (HandlerEx answers ERROR_CALL_NOT_IMPLEMENTED). Wine 10's ControlService drops that answer and
      // succeeds; Windows fails the call with it. Either way the service runs on.
      assertWin32Error(() => service.control({ kind: "pause" }), 1052);
      try {
        assertEquals(service.control({ kind: "user", code: 128 }).state, "running");
      } catch (error) {
        assertOk(error instanceof Win32Error && [120, 1052].includes(error.code), String(error));
      }
      assertEquals(service.queryStatus().state, "running");

      assertEquals(service.control({ kind: "stop" }).state, "stop_pending");
      const stopped = await waitForState(service, "stopped");
      assertEquals(stopped.exitCode, { kind: "win32", code: 0 });
      const lines = await waitForLines(log, 1, (line) => line.startsWith("stopping"));
      assertEquals(lines, ["stopping: the service manager asked the service to stop"]);
      service.start();
      await waitForState(service, "running");
    }
    // Installing again stops the running service and creates it anew: the update path.
    assertEquals(await runExample("install", log), "PlainLoop is installed");
    assertEquals((await waitForLines(log, 2, (line) => line.startsWith("stopping"))).length, 2);
    {
      using service = scm.open("PlainLoop", "read");
      assertEquals(service.queryStatus().state, "stopped");
    }
    assertEquals(await runExample("uninstall"), "PlainLoop is removed");
    assertEquals(await runExample("uninstall"), "PlainLoop was not installed");
  } finally {
    try {
      using service = scm.open("PlainLoop", "all");
      service.delete();
    } catch {
      // Removed by the test itself.
    }
  }
});

/** Polls `service` every 100 ms until it has stopped; every status seen on the way. */
async function statusesUntilStopped(service: Service, timeoutMs = 30_000): Promise<ServiceStatus[]> {
  const deadline = Date.now() + timeoutMs;
  const seen: ServiceStatus[] = [];
  for (;;) {
    const status = service.queryStatus();
    seen.push(status);
    if (status.state === "stopped") return seen;
    if (Date.now() > deadline) throw new Error(`${service.name} is still ${status.state}`);
    await sleep(100);
  }
}

test("an async stop callback that outlasts the wait hint keeps STOP_PENDING with a rising checkpoint, then STOPPED", async () => {
  using scm = ServiceControlManager.connect();
  const log = await tempFile("slow_stop.log");
  using service = scm.create({
    name: uniqueName("servitor_lib_slow"),
    startType: "demand",
    binaryPath: denoServiceCommand("library_slow_stop.ts", [log]),
  });
  try {
    service.start();
    await waitForState(service, "running");
    assertEquals(service.control({ kind: "stop" }).state, "stop_pending");
    const seen = await statusesUntilStopped(service);
    const pending = seen.filter((status) => status.state === "stop_pending");
    const checkpoints = pending.map((status) => status.checkPoint);
    assertOk(checkpoints.every((point, i) => i === 0 || point >= checkpoints[i - 1]), `${checkpoints}`);
    // About 4 s at the default hint, reported every 1.5 s: the checkpoint rose at least twice.
    const automatic = pending.filter((status) => status.waitHint === DEFAULT_WAIT_HINT_MS);
    assertOk(new Set(automatic.map((status) => status.checkPoint)).size >= 3, `${checkpoints}`);
    // Then the callback asked for more time: a longer hint, with a higher checkpoint.
    const asked = pending.filter((status) => status.waitHint === ASKED_HINT_MS);
    assertOk(asked.length > 0, `hints seen: ${pending.map((status) => status.waitHint)}`);
    assertOk(asked[0].checkPoint > automatic.at(-1)!.checkPoint);
    assertEquals(seen.at(-1)!.exitCode, { kind: "win32", code: 0 });
    assertEquals(await waitForLines(log, 5), [
      "start_pending",
      "running",
      "stop_pending",
      "more time",
      "stopped",
    ]);
  } finally {
    service.delete();
  }
});

test("a start callback that throws ends the service STOPPED with service-specific code 1, its stop path run", async () => {
  using scm = ServiceControlManager.connect();
  const log = await tempFile("fail_start.log");
  using service = scm.create({
    name: uniqueName("servitor_lib_fail"),
    startType: "demand",
    binaryPath: denoServiceCommand("library_slow_stop.ts", [log, "fail_start"]),
  });
  try {
    service.start();
    const seen = await statusesUntilStopped(service);
    assertEquals(seen.at(-1)!.exitCode, { kind: "service_specific", code: 1 });
    assertOk(!seen.some((status) => status.state === "running"), "it never ran");
    assertEquals((await waitForLines(log, 4)).slice(0, 3), [
      "start_pending",
      "error no database",
      "stop_pending",
    ]);
  } finally {
    service.delete();
  }
});

test("the plain-loop example run from a console: Ctrl-C fires its signal, its loop ends, and it exits 0", async () => {
  const log = await tempFile("plain_loop_console.log");
  const outcome = await stopAtConsole(log, "tick 1", [
    ...[Deno.execPath(), "run", "--allow-all", path.win32.join(examples, "plain_loop.ts"), log],
  ]);
  assertEquals([outcome.exitCode, outcome.escalated], [0, false], outcome.stderr);
  // The console session's lines: the same states a service manager would have been told.
  const states = outcome.stderr.split(/\r?\n/).filter((line) => line.startsWith("PlainLoop: "));
  assertEquals(states.map((line) => line.replace(/ — .*/, "")), [
    "PlainLoop: start pending",
    "PlainLoop: running",
    "PlainLoop: stop pending",
    "PlainLoop: stopped",
  ]);
  const lines = await waitForLines(log, 2);
  assertEquals(lines[0], "running as console service PlainLoop");
  assertEquals(lines.at(-1), "stopping: the service manager asked the service to stop");
});
