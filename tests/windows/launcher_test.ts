/**
 * The Windows launcher starting and stopping real programs: the Windows deno.exe running the fixtures
 * (tests/windows/fixtures/launcher_*), a batch file through cmd.exe, and a stand-in GUI program.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import { reportEvent } from "../../ffi/eventlog.ts";
import { isProcessRunning, processSettings } from "../../ffi/process.ts";
import { createPipe, PipeReader } from "../../ffi/pipe.ts";
import { listThreads } from "../../ffi/toolhelp.ts";
import { LaunchError, type LaunchOptions, type Program } from "../../host/launcher.ts";
import { KILLED_EXIT_CODE, windowsLauncher } from "../../host/launcher_windows.ts";
import { pattern } from "./fixtures/launcher_bytes.ts";
import { assertAllEnd, notWindows, tempFile } from "./helpers.ts";
import { eventually, sleep } from "../helpers.ts";

const test = (name: string, fn: () => void | Promise<void>) => Deno.test({ name, ignore: notWindows, fn });

const fixture = (name: string) => path.win32.join(import.meta.dirname!, "fixtures", name);
const deno = Deno.execPath();

/** Options that run `script` (a fixture) with this deno.exe. */
function denoScript(
  script: string,
  args: string[] = [],
  options: Partial<LaunchOptions> = {},
): LaunchOptions {
  return {
    program: deno,
    arguments: ["run", "--allow-all", fixture(script), ...args],
    directory: path.win32.dirname(fixture(script)),
    environment: Deno.env.toObject(),
    stdout: "null",
    stderr: "null",
    priority: "normal",
    newConsole: true,
    ...options,
  };
}

/** Options that run deno.exe doing nothing for two minutes. */
function sleeper(options: Partial<LaunchOptions> = {}): LaunchOptions {
  return denoScript("", [], { arguments: ["eval", "setTimeout(() => {}, 120_000)"], ...options });
}

/** The text of `file` once it exists and is not empty. */
function waitForFile(file: string, timeoutMs = 20_000): Promise<string> {
  return eventually(() => Deno.readTextFile(file).catch(() => ""), (text) => text !== "", timeoutMs, file);
}

/** Resolves to the exit code, or "running" when the program has not ended within `ms`. */
async function exitWithin(program: Program, ms: number): Promise<number | "running"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    program.exited,
    new Promise<"running">((resolve) => (timer = setTimeout(() => resolve("running"), ms))),
  ]);
  clearTimeout(timer);
  return result;
}

/** Starts launcher_tree.ts and returns it with its pid and its child's, once the child runs. */
async function launchTree(): Promise<{ program: Program; pids: number[] }> {
  const pidsFile = await tempFile("pids.txt");
  const program = windowsLauncher.launch(denoScript("launcher_tree.ts", [pidsFile]));
  const pids = (await waitForFile(pidsFile)).split(" ").map(Number);
  assertEquals(pids[0], program.pid);
  assertOk(pids.every(isProcessRunning), "the program and its child run");
  return { program, pids };
}

interface HostLog {
  pid?: number;
  tree?: number[];
  delivered?: boolean;
  exitCode?: number;
  escalated?: boolean;
  error?: string;
}

/** Runs fixtures/launcher_host.ts SCENARIO and returns it; its log file's entries come from `read`. */
async function startHost(scenario: "wait" | "interrupt", options: LaunchOptions, ready?: string) {
  const logFile = await tempFile("host.log");
  const host = new Deno.Command(deno, {
    args: ["run", "--allow-all", fixture("launcher_host.ts"), logFile, scenario, JSON.stringify(options)]
      .concat(
        ready ? [ready] : [],
      ),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const read = async (): Promise<HostLog> => {
    try {
      const lines = (await Deno.readTextFile(logFile)).trim().split("\n").filter(Boolean);
      return Object.assign({}, ...lines.map((line) => JSON.parse(line)));
    } catch {
      return {};
    }
  };
  return { host, read };
}

test("the program receives exactly its arguments — spaces, quotes, backslashes, non-ASCII, empty", async () => {
  const args = ["two words", 'say "hi"', String.raw`C:\path with\ spaces\\`, "ünïcode ✓", "", "a\tb"];
  await using program = windowsLauncher.launch(denoScript("launcher_report.ts", args, { stdout: "pipe" }));
  const report = JSON.parse(await new Response(program.stdout).text());
  assertEquals(report.args, args);
  assertEquals(await program.exited, 0);
});

test("the program gets exactly its environment, its directory, and NUL as stdin", async () => {
  const host = Deno.env.toObject();
  const environment = {
    SystemRoot: host.SystemRoot ?? host.SYSTEMROOT,
    SERVITOR_TEST_EXIT: "42",
    "ÜNÏCODE_NAME": "välue with spaces = and %PATH%",
  };
  const directory = path.win32.dirname(await tempFile("x"));
  await using program = windowsLauncher.launch(
    denoScript("launcher_report.ts", [], { environment, directory, stdout: "pipe", stderr: "pipe" }),
  );
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(program.stdout).text(),
    new Response(program.stderr).text(),
    program.exited,
  ]);
  const report = JSON.parse(stdout);
  for (const [name, value] of Object.entries(environment)) assertEquals(report.env[name], value, name);
  // None of the host's own variables, except those Wine and Deno add to every process (WINE*,
  // SystemDrive, PROCESSOR_ARCHITECTURE; PATH and DENO_NODE_SHIM_ACTIVE).
  for (const name of ["TEMP", "USERPROFILE", "ComSpec", "PATHEXT", "USERNAME", "windir"]) {
    assertEquals(report.env[name], undefined, name);
  }
  assertEquals(report.cwd.toLowerCase(), directory.toLowerCase());
  assertEquals(report.stdin, null, "NUL: the end of input at once");
  assertEquals(stderr, "to stderr");
  assertEquals(exitCode, 42);
});

test("the program reads its stdin from the AppStdin file", async () => {
  const input = await tempFile("input.txt");
  await Deno.writeTextFile(input, "from the file");
  await using program = windowsLauncher.launch(
    denoScript("launcher_report.ts", [], { stdinPath: input, stdout: "pipe" }),
  );
  assertEquals(JSON.parse(await new Response(program.stdout).text()).stdin, "from the file");
});

test("a megabyte of piped stdout, every byte value in uneven writes, arrives exactly", async () => {
  const length = 1 << 20;
  await using program = windowsLauncher.launch(
    denoScript("launcher_bytes.ts", [String(length)], { stdout: "pipe" }),
  );
  const bytes = new Uint8Array(await new Response(program.stdout).arrayBuffer());
  assertEquals(bytes.length, length);
  const expected = pattern(length);
  assertOk(bytes.every((byte, i) => byte === expected[i]), "every byte as written");
  assertEquals(await program.exited, 0);
});

test("no handle of the host but the program's standard handles is inherited", async () => {
  // Another inheritable pipe of the host (as another program's output would be): if the program inherited
  // its write end, the pipe would end only when the program does.
  const other = createPipe();
  const reader = new PipeReader(other.read);
  await using program = windowsLauncher.launch(sleeper());
  other.write.close();
  const ended = await Promise.race([
    new Response(reader.stream).arrayBuffer().then(() => "ended"),
    sleep(3_000).then(() => "held open by the program"),
  ]);
  assertEquals(ended, "ended");
  assertOk(isProcessRunning(program.pid));
});

test("programs' ends and piped output are all waited for on one thread of the host, however many run", async () => {
  const hostThreads = () => listThreads().filter((thread) => thread.processId === Deno.pid).length;
  const piped = () => sleeper({ stdout: "pipe", stderr: "pipe" });
  // Read as the host reads them: each stream always has a read in flight.
  const read = (program: Program) =>
    [program.stdout, program.stderr].map((s) => new Response(s).arrayBuffer());
  await using first = windowsLauncher.launch(piped());
  read(first);
  await sleep(200);
  const withOne = hostThreads();
  await using second = windowsLauncher.launch(piped());
  await using third = windowsLauncher.launch(piped());
  await using fourth = windowsLauncher.launch(piped());
  for (const program of [second, third, fourth]) read(program);
  await sleep(200);
  // A blocking wait each (the process, its output, its errors) was 9 threads more for 3 programs more.
  assertOk(hostThreads() - withOne < 3, `${hostThreads()} threads with 4 programs, ${withOne} with 1`);
});

test("the program runs at its priority class and on its processors from the start", async () => {
  await using program = windowsLauncher.launch(
    sleeper({ priority: "below_normal", affinity: [0] }),
  );
  assertEquals(processSettings(program.pid), { priority: "below_normal", affinity: 1n });
});

test("processors the machine doesn't have are dropped from the affinity, as NSSM does", async () => {
  await using program = windowsLauncher.launch(
    sleeper({ priority: "high", affinity: [0, 63] }),
  );
  assertEquals(processSettings(program.pid), { priority: "high", affinity: 1n });
});

test("a program that ends by itself reports its exit code, and stopping it then delivers nothing", async () => {
  await using program = windowsLauncher.launch(
    denoScript("launcher_report.ts", [], {
      environment: { ...Deno.env.toObject(), SERVITOR_TEST_EXIT: "3" },
    }),
  );
  assertEquals(await program.exited, 3);
  for (const method of windowsLauncher.methods) {
    assertEquals(await program.stop(method, false), false, method);
  }
});

test("a program given the host's own standard output and error runs with them", async () => {
  await using program = windowsLauncher.launch(
    denoScript("launcher_bytes.ts", ["0"], { stdout: "inherit", stderr: "inherit" }),
  );
  assertEquals([program.stdout, program.stderr], [null, null]);
  assertEquals(await program.exited, 0);
});

test("a piped output nobody reads doesn't hold up disposal for long, and reading it later ends", async () => {
  const program = windowsLauncher.launch(
    denoScript("launcher_bytes.ts", [String(1 << 20)], { stdout: "pipe" }),
  );
  await sleep(500);
  const started = Date.now();
  await program[Symbol.asyncDispose]();
  assertOk(Date.now() - started < 3_000, `disposal took ${Date.now() - started} ms`);
  // What was read before disposal is still there; then the stream ends.
  assertOk((await new Response(program.stdout).arrayBuffer()).byteLength < 1 << 20);
});

test("a missing program is a LaunchError naming the path and Application", () => {
  const program = String.raw`C:\servitor\no such\app.exe`;
  assertThrows(() => windowsLauncher.launch(denoScript("x", [], { program })), LaunchError);
  try {
    windowsLauncher.launch(denoScript("x", [], { program }));
  } catch (error) {
    assertMatch(
      (error as Error).message,
      /^cannot start C:\\servitor\\no such\\app\.exe: .+ \(CreateProcessW, error 2\) — check Application$/,
    );
  }
});

test("a missing directory, a file that is no program, and a missing stdin file are LaunchErrors naming them", () => {
  const cases: [Partial<LaunchOptions>, RegExp][] = [
    [
      { directory: String.raw`C:\servitor\no such dir` },
      /\(CreateProcessW, error 267\) — check AppDirectory \(C:\\servitor\\no such dir\)$/,
    ],
    [
      { program: fixture("launcher_report.ts") },
      /launcher_report\.ts: .* \(CreateProcessW, error 193\) — Application is not a program/,
    ],
    [
      { stdinPath: String.raw`C:\servitor\no input.txt` },
      /^cannot open C:\\servitor\\no input\.txt for the program's input: .* — check AppStdin$/,
    ],
  ];
  for (const [options, message] of cases) {
    try {
      windowsLauncher.launch(denoScript("launcher_report.ts", [], options));
      throw new Error(`started with ${JSON.stringify(options)}`);
    } catch (error) {
      assertOk(error instanceof LaunchError, String(error));
      assertMatch((error as Error).message, message);
    }
  }
});

test("killing the tree ends the program and the program it started", async () => {
  const { program, pids } = await launchTree();
  await using _ = program;
  assertEquals(await program.stop("kill", true), true);
  assertEquals(await program.exited, KILLED_EXIT_CODE);
  await assertAllEnd(pids);
});

test("killing only the program leaves its child to the job, which disposal then ends", async () => {
  const { program, pids } = await launchTree();
  assertEquals(await program.stop("kill", false), true);
  assertEquals(await program.exited, KILLED_EXIT_CODE);
  assertOk(isProcessRunning(pids[1]), "the child outlives its parent until the job is closed");
  await program[Symbol.asyncDispose]();
  await assertAllEnd(pids);
});

test("disposing of a running program ends it and every process it started", async () => {
  const { program, pids } = await launchTree();
  await program[Symbol.asyncDispose]();
  await assertAllEnd(pids);
  assertEquals(await program.stop("kill", true), false, "nothing to stop after disposal");
});

test("when the launching process itself is killed, the job ends the program and its child", async () => {
  const pidsFile = await tempFile("pids.txt");
  const { host, read } = await startHost("wait", denoScript("launcher_tree.ts", [pidsFile]));
  const pids = (await waitForFile(pidsFile)).split(" ").map(Number);
  assertEquals((await read()).pid, pids[0]);
  assertOk(pids.every(isProcessRunning));
  host.kill(); // TerminateProcess: the host gets no chance to clean up; Windows closes its handles
  await host.status;
  await assertAllEnd(pids);
});

test("Ctrl-C reaches a program in its own console from a host without one, and the program cleans up", async () => {
  const ready = await tempFile("ready");
  const marker = await tempFile("marker");
  const { host, read } = await startHost(
    "interrupt",
    denoScript("launcher_sigint.ts", [ready, marker]),
    ready,
  );
  await host.status;
  const log = await read();
  assertEquals(log.error, undefined);
  assertEquals(log, { pid: log.pid, tree: log.tree, delivered: true, exitCode: 7, escalated: false });
  assertEquals(await Deno.readTextFile(marker), "cleaned up");
});

test("a .cmd program runs through cmd.exe, never waits on stdin (NUL), and ends on Ctrl-C or kill with its tree", async () => {
  const ready = await tempFile("ready");
  const options = denoScript("launcher_report.ts", [], {
    program: fixture("launcher_batch.cmd"),
    arguments: ["two words", "plain"],
    environment: { ...Deno.env.toObject(), SERVITOR_TEST_DENO: deno, SERVITOR_TEST_READY: ready },
    stdout: "pipe",
  });
  // From the test process: its output, and the kill.
  await using program = windowsLauncher.launch(options);
  const output = new Response(program.stdout).text();
  await waitForFile(ready);
  assertEquals(await program.stop("kill", true), true);
  assertEquals(await exitWithin(program, 5_000), KILLED_EXIT_CODE);
  assertMatch(await output, /^args: "two words" plain\r\nquestion\? after the question\r\n$/);

  // From a host without a console: Ctrl-C first, then the kill if it is still running after 10 s.
  const again = await tempFile("ready");
  const { host, read } = await startHost(
    "interrupt",
    { ...options, stdout: "null", environment: { ...options.environment, SERVITOR_TEST_READY: again } },
    again,
  );
  await host.status;
  const log = await read();
  assertEquals(log.error, undefined);
  // cmd.exe ends on the Ctrl-C by itself (Wine 10: with STATUS_CONTROL_C_EXIT), not by the kill: its
  // "Terminate batch job (Y/N)?" reads NUL's end of input.
  assertEquals([log.delivered, log.escalated], [true, false]);
  await assertAllEnd(log.tree!);
});

test("WM_QUIT ends a program's message loop, and WM_CLOSE closes its window when it can have one", async () => {
  for (const method of ["quit", "close"] as const) {
    const ready = await tempFile("ready");
    await using program = windowsLauncher.launch(denoScript("launcher_window.ts", [ready]));
    const kind = await waitForFile(ready);
    if (method === "close" && kind === "no window") {
      // A Wine without a display driver creates no window (the test-bed's, unless its prefix has
      // HKCU\Software\Wine\Drivers Graphics=null): then there is nothing to close, and stop says so.
      assertEquals(await program.stop("close", true), false);
      continue;
    }
    assertEquals(await program.stop(method, true), true, method);
    assertEquals(await exitWithin(program, 5_000), method === "quit" ? 4 : 3, method);
  }
});

test("a console program has no window to close and no message queue to quit: those stops deliver nothing", async () => {
  await using program = windowsLauncher.launch(sleeper());
  await sleep(500);
  assertEquals(await program.stop("close", true), false);
  assertEquals(await program.stop("quit", false), false);
  assertOk(isProcessRunning(program.pid));
});

test("an event reaches the Application event log", () => {
  reportEvent("servitor-test", "information", "servitor's launcher test: ünïcode ✓");
  reportEvent("servitor-test", "warning", "a warning");
  reportEvent("servitor-test", "error", "an error");
});
