/**
 * The examples run as console programs, as a person runs them: no service manager, Ctrl-C (SIGINT) is stop
 * and runs the same stop path a service manager's stop would; SIGUSR2 is user control 128.
 */
import path from "path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { tempDir, waitForLine } from "../helpers.ts";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const slowStop = fileURLToPath(new URL("../windows/fixtures/library_slow_stop.ts", import.meta.url));

/** Runs `script` with `args` in a console's environment (no systemd variables). */
function runConsole(script: string, args: string[]) {
  const env = Deno.env.toObject();
  delete env.INVOCATION_ID;
  delete env.NOTIFY_SOCKET;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, ...args],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  return {
    kill: (signal: Deno.Signal) => child.kill(signal),
    async result() {
      const { code, stderr } = await output;
      return { code, stderr: new TextDecoder().decode(stderr) };
    },
  };
}

Deno.test("the state-callback example in a console: Ctrl-C runs the stop path, SIGUSR2 is user control 128", async () => {
  await using dir = await tempDir("servitor-library-");
  const log = path.join(dir.path, "callbacks.log");
  const program = runConsole(path.join(examples, "state_callbacks.ts"), [log]);
  await waitForLine(log, "running");
  program.kill("SIGUSR2");
  await waitForLine(log, "user_control 128");
  program.kill("SIGINT");
  const { code, stderr } = await program.result();
  assertEquals(code, 0, stderr);
  const lines = (await Deno.readTextFile(log)).split("\n").filter((line) => line && line !== "tick");
  assertEquals(lines, ["start_pending console []", "running", "user_control 128", "stop_pending", "stopped"]);
  // A person sees each state as one line.
  assertEquals(stderr.trim().split("\n"), [
    "StateCallbacks: start pending",
    "StateCallbacks: running",
    "StateCallbacks: stop pending",
    "StateCallbacks: stopped",
  ]);
});

Deno.test("the plain-loop example in a console: Ctrl-C fires its signal, its loop ends and it cleans up", async () => {
  await using dir = await tempDir("servitor-library-");
  const log = path.join(dir.path, "plain.log");
  const program = runConsole(path.join(examples, "plain_loop.ts"), [log]);
  await waitForLine(log, "tick 2");
  program.kill("SIGINT");
  const { code, stderr } = await program.result();
  assertEquals(code, 0, stderr);
  const lines = (await Deno.readTextFile(log)).split("\n").filter(Boolean);
  assertEquals(lines[0], "running as console service PlainLoop");
  assertEquals(lines.at(-1), "stopping: the service manager asked the service to stop");
  assertMatch(stderr, /PlainLoop: stop pending\nPlainLoop: stopped\n$/);
});

Deno.test("SIGTERM is stop too, and a failed start ends the program with exit code 1", async () => {
  await using dir = await tempDir("servitor-library-");
  const log = path.join(dir.path, "slow.log");
  const program = runConsole(slowStop, [log]);
  await waitForLine(log, "running");
  const stopAt = Date.now();
  program.kill("SIGTERM");
  assertEquals((await program.result()).code, 0);
  assertOk(Date.now() - stopAt >= 5000, "the stop callback was waited for");
  assertEquals((await Deno.readTextFile(log)).split("\n").filter(Boolean).slice(-2), [
    "more time",
    "stopped",
  ]);

  const failing = runConsole(slowStop, [path.join(dir.path, "fail.log"), "fail_start"]);
  const { code, stderr } = await failing.result();
  assertEquals(code, 1);
  assertMatch(stderr, /stopped — a callback of the service failed/);
});
