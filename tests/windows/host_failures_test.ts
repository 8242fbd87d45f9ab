/**
 * The host under Wine's SCM when the service can't run, and how it opens the output files at each start:
 * what an administrator sees in the SCM, in `<service>_ERROR_LOG.txt` and in status.json.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { terminateProcessById } from "../../ffi/process.ts";
import { assertAllEnd, notWindows, waitForState } from "./helpers.ts";
import { hostedService, main, refusedStart } from "./hosted.ts";
import { eventuallyLines, readLines, sleep } from "../helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const fixtures = path.win32.join(import.meta.dirname!, "fixtures");

test("a service whose program does not exist stops with code 251, says which program and what to check, and is not restarted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-missing-" });
  const program = path.win32.join(dir, "no-such-program.exe");
  using hosted = await hostedService("servitor_missing_program", program, [], () => {});
  const { line } = await refusedStart(hosted, 251);
  assertOk(line.includes("no-such-program.exe"), `the error log names the program: ${line}`);
  assertOk(/check Application/.test(line), `the error log says what to check: ${line}`);

  // Every version of status.json this host writes has these counters (see HostStatus for why that matters).
  const status = await hosted.status();
  assertEquals(status.counters, { startRequested: 1, started: 0, throttled: 0, exits: 0 });
  await assertAllEnd([status.hostPid], 10_000);

  // Given time to loop, it does not: still STOPPED, one start asked for, one error.
  await sleep(5_000);
  assertEquals(hosted.service.queryStatus().state, "stopped");
  assertEquals((await hosted.status()).counters.startRequested, 1);
  assertEquals((await readLines(hosted.errorLog)).filter((l) => l.includes("cannot start")).length, 1);
});

test("a service whose stored configuration is garbage stops with code 250 and an error-log line naming the file", async () => {
  using hosted = await hostedService("servitor_corrupt_spec", Deno.execPath(), [], () => {});
  await Deno.writeTextFile(hosted.specFile, "name: [broken\n\u0001\u0002 not: : yaml {{\n");
  const { line, lines: errors } = await refusedStart(hosted, 250);
  assertOk(
    line.includes(hosted.name) && line.includes("service.yaml"),
    `the error log names the service's service.yaml: ${line}`,
  );
  assertOk(/not valid YAML/.test(line), `the error log says what is wrong with it: ${line}`);
  assertOk(!/\.ts:\d+/.test(errors.join("\n")), "no stack trace in the error log");

  await sleep(5_000);
  assertEquals(hosted.service.queryStatus().state, "stopped");
  assertEquals((await readLines(hosted.errorLog)).filter((l) => l.includes("cannot start")).length, 1);
});

// Wine's services.exe answers StartServiceW with ERROR_SERVICE_REQUEST_TIMEOUT (1053) when the first status
// it sees is STOPPED: the CLI must still say what stopped the service, from its error log.
test("ManageService start of a service whose configuration is garbage exits 14 and prints what is wrong; status shows it, with the error log", async () => {
  using hosted = await hostedService("servitor_corrupt_spec_cli", Deno.execPath(), [], () => {});
  await Deno.writeTextFile(hosted.specFile, "name: [broken\n");
  const manage = async (...args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", main, "ManageService", hosted.name, ...args],
      env: { SERVITOR_CONFIG_ROOT: hosted.root },
      stdin: "null",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code, stdout: decode(stdout), stderr: decode(stderr) };
  };
  const start = await manage("start");
  assertEquals(start.code, 14, start.stderr);
  assertMatch(start.stderr, /service\.yaml is not valid YAML/);

  // The state and code alone don't say why: status gives the host's last line and where the full log is.
  const status = await manage("status");
  assertEquals(status.code, 0, status.stderr);
  assertMatch(status.stdout, /^state\s+stopped/m);
  assertMatch(status.stdout, /^reason\s+cannot start: .*service\.yaml is not valid YAML/m);
  assertOk(status.stdout.includes(`error log    ${hosted.errorLog}\n`), status.stdout);
  const json = JSON.parse((await manage("status", "--json")).stdout);
  assertMatch(json.reason, /^cannot start: .*service\.yaml is not valid YAML/);
  assertEquals(json.errorLog, hosted.errorLog);
});

test("the error log shows a Windows path as written: not in quotes, its backslashes not doubled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-missing-" });
  const program = path.win32.join(dir, "no-such-program.exe");
  using hosted = await hostedService("servitor_error_log_path", program, [], () => {});
  const { line } = await refusedStart(hosted);
  assertOk(line.includes(`${hosted.name}: cannot start ${program}: `), line);
  assertOk(!line.includes("\\\\") && !line.endsWith('"'), line);
});

/**
 * A service running host_print_pid.ts with its stdout in `out.txt` (in the log directory), opened as
 * `disposition` says, which holds a line from before. Each run's line names its own pid: no status.json
 * to poll (see HostStatus).
 */
async function printingService(prefix: string, disposition: "append" | "replace") {
  const hosted = await hostedService(prefix, Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "host_print_pid.ts"),
  ], (spec) => {
    spec.output.stdout = "out.txt";
    spec.output.stdoutDisposition = disposition;
  });
  const output = path.win32.join(hosted.logs, "out.txt");
  await Deno.mkdir(hosted.logs, { recursive: true });
  await Deno.writeTextFile(output, "a line from before\n");
  return { hosted, output };
}

const pidLine = /^pid (\d+)$/;
const pidOf = (line: string) => Number(pidLine.exec(line)![1]);

test("AppStdout with the replace disposition (AppStdoutCreationDisposition 2) is emptied at each start of the program", async () => {
  const { hosted, output } = await printingService("servitor_stdout_replace", "replace");
  using _ = hosted;
  const onlyANewRun = (previous: number[]) => (lines: string[]) =>
    lines.length === 1 && pidLine.test(lines[0]) && !previous.includes(pidOf(lines[0]));
  hosted.service.start();
  await waitForState(hosted.service, "running", 30_000);
  const first = pidOf((await eventuallyLines(output, onlyANewRun([])))[0]);

  // The host restarts a killed program: its file is emptied again.
  terminateProcessById(first, 1);
  const second = pidOf((await eventuallyLines(output, onlyANewRun([first])))[0]);

  // So is it when the service itself is started again.
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 30_000);
  hosted.service.start();
  await waitForState(hosted.service, "running", 30_000);
  await eventuallyLines(output, onlyANewRun([first, second]));
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 30_000);
});

test("AppStdout is appended to by default: what was there stays, each run adds its lines", async () => {
  const { hosted, output } = await printingService("servitor_stdout_append", "append");
  using _ = hosted;
  hosted.service.start();
  await waitForState(hosted.service, "running", 30_000);
  const [, firstLine] = await eventuallyLines(
    output,
    (lines) => lines.length === 2 && lines[0] === "a line from before" && pidLine.test(lines[1]),
  );
  terminateProcessById(pidOf(firstLine), 1);
  const lines = await eventuallyLines(output, (lines) => lines.length === 3);
  assertEquals(lines.slice(0, 2), ["a line from before", firstLine]);
  assertOk(pidLine.test(lines[2]) && lines[2] !== firstLine, `the restarted program's own line: ${lines[2]}`);
  hosted.service.control({ kind: "stop" });
  await waitForState(hosted.service, "stopped", 30_000);
});
