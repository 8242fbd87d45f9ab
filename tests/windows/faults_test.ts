/**
 * Faults injected into the host under Wine's SCM, where Wine can make them: the host ended outright
 * (TerminateProcess) under a fast writer with online rotation, a stored configuration that is YAML but
 * wrong, and the program's working directory gone at start. Each test prints one `figure:` line for the
 * README's Reliability section. (A full disk and a deleted log folder are the host tier's: Wine gives a
 * Windows program no small disk to fill, and keeps the link count of a deleted open file at 1.)
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { isProcessRunning, terminateProcessById } from "../../ffi/process.ts";
import { rotatedFiles } from "../../host/rotation.ts";
import { notWindows, waitForState } from "./helpers.ts";
import { hostedService, refusedStart, startTolerantly } from "./hosted.ts";
import { assertRotatedLinesWhole, eventually, eventuallyLines, readLines, sleep } from "../helpers.ts";

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: notWindows, fn });
const fixtures = path.win32.join(import.meta.dirname!, "fixtures");

function figure(fault: string, injected: number, survived: number, bytesLost: string) {
  console.log(`figure: ${fault} | injected ${injected} | survived ${survived} | bytes lost ${bytesLost}`);
}

test("the host ended outright (TerminateProcess) under a fast writer with online rotation: the program ends with it, every rotated file holds whole lines", async () => {
  using hosted = await hostedService("servitor_faults_killed", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "faults_writer.ts"),
  ], (spec) => {
    spec.output.stdout = "out.log";
    spec.output.rotation.online = true;
    spec.output.rotation.bytes = 64 * 1024;
  });
  hosted.service.start();
  const hostPid = (await waitForState(hosted.service, "running", 30_000)).processId;
  const log = path.win32.join(hosted.logs, "out.log");
  await eventually(() => rotatedFiles(log), (files) => files.length >= 5, 60_000);
  const { programPid } = await hosted.status();
  assertOk(programPid && isProcessRunning(programPid), `the program ${programPid} runs`);
  terminateProcessById(hostPid, 1);
  // Its job object closes with the host (KILL_ON_JOB_CLOSE): the program goes too.
  await eventually(() => isProcessRunning(programPid!), (running) => !running, 10_000);
  await eventually(() => isProcessRunning(hostPid), (running) => !running, 10_000);

  const { files, lines } = await assertRotatedLinesWhole(log);
  figure(
    "host ended (TerminateProcess), online rotation",
    1,
    1,
    `0 (${files} files, ${lines} whole lines)`,
  );
});

test("a stored configuration that is YAML but wrong stops the service with 250, the error log naming the key and what it expects", async () => {
  const cases: [string, RegExp][] = [
    ["throttleMs: 1500\nrestartDelayMsec: 10\n", /restartDelayMsec: unknown setting/],
    ['throttleMs: "1500"\n', /throttleMs: expected a number, not "1500"/],
    ["stop: { consoleMs: -1500 }\n", /stop\.consoleMs: expected a whole number of 0 or more, not -1500/],
    ["program: server.exe\n", /program: expected an absolute path, not "server\.exe"/],
  ];
  for (const [yaml, message] of cases) {
    using hosted = await hostedService("servitor_faults_yaml", Deno.execPath(), [], () => {});
    const program = yaml.startsWith("program:") ? "" : `program: ${JSON.stringify(Deno.execPath())}\n`;
    await Deno.writeTextFile(hosted.specFile, `name: ${hosted.name}\n${program}${yaml}`);
    startTolerantly(hosted.service);
    const stopped = await waitForState(hosted.service, "stopped", 30_000);
    assertEquals(stopped.exitCode, { kind: "service_specific", code: 250 }, yaml);
    const errors = await eventuallyLines(hosted.errorLog, (lines) => lines.some((l) => message.test(l)));
    assertOk(!/\.ts:\d+/.test(errors.join("\n")), "no stack trace in the error log");
  }
  figure("configuration YAML but wrong", cases.length, cases.length, "0 (the start refused: 250)");
});

test("a service whose working directory is gone stops with 251, names it, and is not restarted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-faults-" });
  const work = path.win32.join(dir, "work");
  await Deno.mkdir(work);
  using hosted = await hostedService("servitor_faults_no_directory", Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(fixtures, "host_print_pid.ts"),
  ], (spec) => {
    spec.directory = work;
  });
  await Deno.remove(work);
  const { line } = await refusedStart(hosted, 251);
  assertMatch(line, /work/, `the error log names the directory: ${line}`);
  // Given time to loop, it does not.
  await sleep(5_000);
  assertEquals(hosted.service.queryStatus().state, "stopped");
  assertEquals((await hosted.status()).counters.startRequested, 1);
  assertEquals((await readLines(hosted.errorLog)).filter((l) => l.includes("cannot start")).length, 1);
  figure("working directory missing at start", 1, 1, "0 (stopped: 251)");
});
