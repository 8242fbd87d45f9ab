/**
 * The program's memory and CPU limits on Windows (issue 15), under Wine: the job the program runs in holds
 * them (JOB_OBJECT_LIMIT_JOB_MEMORY, JobObjectCpuRateControlInformation's hard cap), as the system reads
 * them back.
 */
import path from "path";
import { assertEquals, assertOk } from "../assert.ts";
import { windowsLauncher, WindowsProgram } from "../../host/launcher_windows.ts";
import { cpuRateFor } from "../../ffi/structs.ts";
import { notWindows } from "./helpers.ts";
import { eventually } from "../helpers.ts";

const test = (name: string, fn: () => void | Promise<void>) => Deno.test({ name, ignore: notWindows, fn });

/** Wine writes HKLM\\Software\\Wine into every prefix; Windows has no such key. */
const underWine = !notWindows &&
  new Deno.Command("reg", { args: ["query", "HKLM\\Software\\Wine"], stdout: "null", stderr: "null" })
      .outputSync().code === 0;

/** Launches `code` in this deno.exe, its output piped. */
function launchEval(code: string) {
  return windowsLauncher.launch({
    program: Deno.execPath(),
    arguments: ["eval", code],
    directory: path.win32.dirname(Deno.execPath()),
    environment: Deno.env.toObject(),
    stdout: "pipe",
    stderr: "pipe",
    priority: "normal",
    newConsole: true,
  });
}

test("the program's job holds its memory limit and its CPU cap, or one line says which is not enforced", async () => {
  const notice = windowsLauncher.limit({ memoryBytes: 64 * 1024 ** 2, cpuPercent: 50 });
  // Wine 10 takes JOB_OBJECT_LIMIT_JOB_MEMORY without keeping it, and refuses CPU rate control (87);
  // Windows 8 and later keep both.
  if (underWine) {
    assertEquals(
      notice,
      [
        "the memory limit is not enforced: the job object did not keep it",
        "the CPU cap is not enforced: SetInformationJobObject failed with error 87: Invalid parameter.",
      ].join("; "),
    );
  } else assertEquals(notice, undefined);
  await using program = launchEval("setTimeout(() => {}, 120_000)");
  assertOk(program instanceof WindowsProgram, "the Windows launcher's program");
  assertEquals((program as WindowsProgram).jobLimits(), {
    memoryBytes: underWine ? undefined : 64 * 1024 ** 2,
    cpuRate: underWine ? undefined : cpuRateFor(50, navigator.hardwareConcurrency),
  });
});

test("a program allocating past its job's memory limit: refused and told on Windows, neither under Wine", async () => {
  windowsLauncher.limit({ memoryBytes: 64 * 1024 ** 2 });
  await using program = launchEval(
    "const held = []; for (let i = 0; i < 10; i++) held.push(new Uint8Array(20e6).fill(1)); console.log('held 200 MB')",
  );
  const [out, code] = await Promise.all([new Response(program.stdout).text(), program.exited]);
  // The job's messages reach its completion port: the program's start and exit, and on Windows the
  // refused allocation, which is how the host tells a program past its memory limit.
  const messages = await eventually(
    () => (program as WindowsProgram).jobMessages(),
    (all) => all.some((message) => message.kind === "exit_process" && message.processId === program.pid),
    20_000,
    "the job's messages",
  );
  assertOk(messages.some((message) => message.kind === "new_process" && message.processId === program.pid));
  // Wine 10 neither keeps the limit (above) nor refuses an allocation for it.
  if (underWine) {
    assertEquals([out.trim(), code], ["held 200 MB", 0]);
    assertEquals(program.exceededMemoryLimit(), false);
  } else {
    assertOk(code !== 0 && !out.includes("held"), `refused: exit ${code}, ${out}`);
    assertEquals(program.exceededMemoryLimit(), true);
  }
});
