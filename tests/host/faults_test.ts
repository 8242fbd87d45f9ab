/**
 * Faults injected into a running host on Linux — a full disk, the log folder deleted, the host killed
 * outright, a stored configuration that is YAML but wrong, the program's files gone — and what a person
 * finds afterwards. Each test prints one `figure:` line (faults injected, survived, bytes lost) for the
 * README's Reliability section.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { alive, fixtures, startHost, storedService } from "./helpers.ts";
import { assertRotatedLinesWhole, eventually, readLines } from "../helpers.ts";
import { HostExitCode } from "../../service/vocabulary.ts";
import { rotatedFiles } from "../../host/rotation.ts";
import { numberedLines } from "./fixtures/output_lines.ts";
import type { ServiceSpec } from "../../service/spec.ts";

const linesFixture = path.join(fixtures, "output_lines.ts");
const root = Deno.uid() === 0;

function figure(fault: string, injected: number, survived: number, bytesLost: string) {
  console.log(`figure: ${fault} | injected ${injected} | survived ${survived} | bytes lost ${bytesLost}`);
}

async function status(logs: string) {
  return JSON.parse(await Deno.readTextFile(path.join(logs, "status.json")));
}

function run(command: string, ...args: string[]) {
  const { code, stderr } = new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).outputSync();
  if (code !== 0) throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
}

/** A line as AppTimestampLog writes it: `YYYY-MM-DD HH:MM:SS.mmm ` then the program's line. */
const stamped = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (out (\d{8}) x*)$/;
const unstamped = /^(out (\d{8}) x*)$/;
const STAMP_BYTES = 24;

/** The numbers of output_lines.ts's lines in a log, each line checked whole (and stamped, if asked). */
function numbersIn(lines: string[], withStamps = true): number[] {
  return lines.map((line) => {
    const match = (withStamps ? stamped : unstamped).exec(line);
    if (!match) throw new Error(`not a whole line: ${JSON.stringify(line)}`);
    assertEquals(`${match[1]}\n`, numberedLines("out", Number(match[2]), 1), `line ${match[2]} intact`);
    return Number(match[2]);
  });
}

/** The lines of a log's rotated files, oldest first, then of the log itself. */
async function linesWithRotated(log: string): Promise<string[]> {
  const files = [...(await rotatedFiles(log)).map((file) => file.path), log];
  return (await Promise.all(files.map(readLines))).flat();
}

for (const through of ["timestamps", "online rotation"] as const) {
  Deno.test({
    name: `a full disk (output through the host for its ${through}): the host drops and counts the output, ` +
      "says so once, keeps the program running, and writes again by itself once there is room",
    ignore: !root,
    async fn() {
      await using service = await storedService(Deno.execPath(), [], (spec) => {
        spec.arguments = ["run", "--quiet", linesFixture, "slow", "1000000", "2"];
        spec.output.stdout = "out.log";
        if (through === "timestamps") spec.output.timestamp = true;
        else Object.assign(spec.output.rotation, { online: true, bytes: 96 * 1024 });
      });
      // The log folder on a 1 MiB tmpfs, nearly filled: the program's lines fill the rest within seconds.
      await Deno.mkdir(service.logs, { recursive: true });
      run("mount", "-t", "tmpfs", "-o", "size=1m", "servitor-faults", service.logs);
      try {
        const filler = path.join(service.logs, "filler");
        await Deno.writeFile(filler, new Uint8Array(1024 * 1024 - 64 * 1024));
        await using host = startHost(service.root, service.spec.name);
        await host.waitFor(/the program's output is being dropped/, 30_000);
        const first = await eventually(() => status(service.logs), (s) => s.outputDroppedBytes > 0, 10_000);
        // Still read while nothing can be written: the program is not blocked, the count grows.
        await eventually(
          () => status(service.logs),
          (s) => s.outputDroppedBytes > first.outputDroppedBytes,
          10_000,
        );
        assertOk(alive(first.programPid), "the program runs on");

        await Deno.remove(filler);
        await host.waitFor(/writing to .*out\.log again; \d+ bytes of output were dropped meanwhile/);
        const log = path.join(service.logs, "out.log");
        const before = (await linesWithRotated(log)).length;
        await eventually(() => linesWithRotated(log), (lines) => lines.length > before + 20);
        host.signal("SIGINT");
        assertEquals(await host.exit(), 0);

        const last = await status(service.logs);
        assertEquals(host.stderr.match(/is being dropped/g)?.length, 1, "said once");
        // The error log could not take that line while the disk was full; it has it now, before the "again".
        const errorLog = await Deno.readTextFile(
          path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`),
        );
        assertMatch(errorLog, /is being dropped[^]*writing to .*out\.log again/);
        assertEquals(last.counters.started, 1, "never restarted");
        // Every line in the logs is whole; the lines missing are exactly the bytes status counted.
        const withStamps = through === "timestamps";
        const numbers = numbersIn(await linesWithRotated(log), withStamps);
        let missingBytes = 0;
        for (let i = 1; i < numbers.length; i++) {
          assertOk(numbers[i] > numbers[i - 1], "in order");
          for (let n = numbers[i - 1] + 1; n < numbers[i]; n++) {
            missingBytes += (withStamps ? STAMP_BYTES : 0) + numberedLines("out", n, 1).length;
          }
        }
        assertOk(missingBytes > 0);
        assertEquals(last.outputDroppedBytes, missingBytes, "every byte dropped is counted");
        figure(
          `disk full (1 MiB tmpfs), ${through}`,
          1,
          1,
          `${missingBytes} dropped, all counted in status; 0 uncounted`,
        );
      } finally {
        run("umount", "-l", service.logs);
      }
    },
  });
}

Deno.test("the log folder deleted while the program writes: made again at the next write, said in one line", async () => {
  await using service = await storedService(Deno.execPath(), [], (spec) => {
    spec.arguments = ["run", "--quiet", linesFixture, "slow", "1000000", "5"];
    spec.output.stdout = "out.log";
    spec.output.timestamp = true;
  });
  await using host = startHost(service.root, service.spec.name);
  const log = path.join(service.logs, "out.log");
  await eventually(() => readLines(log), (lines) => lines.length >= 20);
  // Out of the host's way first, so that a file it makes meanwhile can't stop the removal half-way.
  await Deno.rename(service.logs, `${service.logs}.deleted`);
  await Deno.remove(`${service.logs}.deleted`, { recursive: true });
  await host.waitFor(/out\.log was deleted while the program ran: created it again/);
  const lines = await eventually(() => readLines(log), (lines) => lines.length >= 50);
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
  assertEquals(host.stderr.match(/was deleted while the program ran/g)?.length, 1, "said once");
  // From the line that found the file gone on, nothing is lost: the lines follow one another.
  const numbers = numbersIn(lines);
  for (let i = 1; i < numbers.length; i++) assertEquals(numbers[i], numbers[i - 1] + 1);
  assertEquals((await status(service.logs)).counters.started, 1, "the program ran on, never restarted");
  figure("log folder deleted", 1, 1, "0 after the next write (what the folder held is gone with it)");
});

Deno.test("the host killed outright (kill -9) under a fast writer with online rotation: the program dies with it, every rotated file holds whole lines", async () => {
  // A program that would outlive its host: it ignores SIGPIPE, so a reader gone does not end it.
  await using service = await storedService("/bin/sh", [], (spec) => {
    spec.arguments = ["-c", "trap '' PIPE; i=0; while :; do i=$((i+1)); echo \"line $i\"; done"];
    spec.output.stdout = "out.log";
    spec.output.rotation.online = true;
    spec.output.rotation.bytes = 64 * 1024;
  });
  // As systemd runs it: no console to copy the output to.
  await using host = startHost(service.root, service.spec.name, { underSystemd: true });
  const log = path.join(service.logs, "out.log");
  await eventually(() => rotatedFiles(log), (files) => files.length >= 5, 30_000);
  // The writer is fast: five files can be there before the host's status.json names the program.
  const programPid: number = (await eventually(
    () => status(service.logs).catch(() => ({})),
    (s) => s.programPid !== undefined,
  )).programPid;
  assertOk(alive(programPid));
  host.signal("SIGKILL");
  await host.exit();
  let survivor = true;
  try {
    await eventually(() => alive(programPid), (running) => !running, 5_000);
    survivor = false;
  } finally {
    if (survivor) Deno.kill(-programPid, "SIGKILL");
  }
  const { files, lines } = await assertRotatedLinesWhole(log);
  figure(
    "host killed (SIGKILL), online rotation",
    1,
    1,
    `0 (${files} files, ${lines} whole lines)`,
  );
});

Deno.test("a program that never lets its pipe run dry (online rotation): the host still says it runs, and stops it", async () => {
  // `yes` writes faster than the host can write files: the pipe never empties, so the host's reads always find
  // data — and must still let its status writes and a stop's signal through.
  await using service = await storedService(
    "/usr/bin/yes",
    ["a line that is written again and again"],
    (spec) => {
      spec.output.stdout = "out.log";
      spec.output.rotation.online = true;
      spec.output.rotation.bytes = 1024 * 1024;
    },
  );
  await using host = startHost(service.root, service.spec.name, { underSystemd: true });
  const running = await eventually(
    () => status(service.logs).catch(() => ({})),
    (s) => s.state === "running",
  );
  assertOk(alive(running.programPid), "status.json names the running program");
  await eventually(() => rotatedFiles(path.join(service.logs, "out.log")), (files) => files.length >= 3);
  host.signal("SIGTERM");
  assertEquals(await host.exit(), 0, "the stop went through while the program wrote");
  assertOk(!alive(running.programPid), "the program was stopped with the host");
});

Deno.test("a stored configuration that is YAML but wrong fails the start with 250 and names the key", async () => {
  const cases: [string, RegExp][] = [
    ["throttleMs: 1500\nrestartDelayMsec: 10\n", /restartDelayMsec: unknown setting/],
    ['throttleMs: "1500"\n', /throttleMs: expected a number, not "1500"/],
    ["stop: { consoleMs: -1500 }\n", /stop\.consoleMs: expected a whole number of 0 or more, not -1500/],
    ["program: bin/server\n", /program: expected an absolute path, not "bin\/server"/],
  ];
  for (const [yaml, message] of cases) {
    await using service = await storedService("/bin/sleep", ["100"]);
    const file = path.join(service.root, service.spec.name, "service.yaml");
    const base = `name: ${service.spec.name}\n${yaml.startsWith("program:") ? "" : "program: /bin/sleep\n"}`;
    await Deno.writeTextFile(file, base + yaml);
    await using host = startHost(service.root, service.spec.name);
    assertEquals(await host.exit(), HostExitCode.configuration, yaml);
    assertMatch(host.stderr, message);
    assertMatch(
      await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`)),
      message,
    );
    assertOk(!/at .*\.ts:\d+/.test(host.stderr), "no stack trace");
  }
  figure("configuration YAML but wrong", cases.length, cases.length, "0 (the start refused: 250)");
});

Deno.test("the program's files gone at start — the program, its working directory — stop the service with 251, once", async () => {
  const gone: [string, (spec: ServiceSpec, root: string) => string][] = [
    ["the program", (spec, root) => {
      spec.program = path.join(root, "server");
      Deno.copyFileSync("/bin/sleep", spec.program);
      return spec.program;
    }],
    ["its working directory", (spec, root) => {
      spec.directory = path.join(root, "work");
      Deno.mkdirSync(spec.directory);
      return spec.directory;
    }],
  ];
  for (const [what, make] of gone) {
    let missing = "";
    // The files exist when the service is installed …
    await using service = await storedService("/bin/sleep", ["100"], (spec, root) => {
      spec.directory = undefined;
      missing = make(spec, root);
    });
    // … and are gone when it starts.
    await Deno.remove(missing, { recursive: true });
    await using host = startHost(service.root, service.spec.name);
    assertEquals(await host.exit(), HostExitCode.launchFailed, what);
    assertMatch(host.stderr, /cannot start .*no such program, or no such working directory/);
    assertEquals(
      host.stderr.match(/\[ERR\].*cannot start/g)?.length,
      1,
      `${what}: tried once, not in a loop`,
    );
  }
  figure("program's files missing at start", gone.length, gone.length, "0 (stopped: 251)");
});
