/**
 * The output layer against real files and real child processes: what an administrator finds in the log
 * folder after a program wrote into it.
 */
import path from "path";
import { gunzipSync } from "node:zlib";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { defaultSpec, type OutputSpec, type RotationSpec } from "../../service/spec.ts";
import { OutputWriter, pipeDescriptors, rotateAtStart } from "../../host/output.ts";
import { posixLauncher } from "../../host/launcher_posix.ts";
import { rotatedFiles, rotatedName, rotateFile } from "../../host/rotation.ts";
import { renameNoReplace } from "../../ffi/libc.ts";
import { numberedLines } from "./fixtures/output_lines.ts";
import { eventually } from "../helpers.ts";

const fixture = new URL("./fixtures/output_lines.ts", import.meta.url).pathname;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function outputSpec(rotation: Partial<RotationSpec> = {}, rest: Partial<OutputSpec> = {}): OutputSpec {
  const base = defaultSpec("web", "/bin/true").output;
  return { ...base, ...rest, rotation: { ...base.rotation, ...rotation } };
}

function spawn(...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", fixture, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs the fixture with its output through a writer; resolves to the errors reported. */
async function runThrough(
  files: { stdout?: string; stderr?: string },
  spec: OutputSpec,
  args: string[],
  during?: (writer: OutputWriter) => Promise<void> | void,
): Promise<string[]> {
  const errors: string[] = [];
  const child = spawn(...args);
  {
    await using writer = await OutputWriter.open(files, spec, {
      echo: false,
      onError: (m) => errors.push(m),
    });
    const pumped = Promise.all([writer.pump("stdout", child.stdout), writer.pump("stderr", child.stderr)]);
    await during?.(writer);
    await pumped;
    assertEquals((await child.status).code, 0);
  }
  return errors;
}

/** The rotated files of `file`, oldest first, then the current one: what they hold, each. */
async function contentsInOrder(file: string): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for (const rotated of await rotatedFiles(file)) {
    const bytes = await Deno.readFile(rotated.path);
    pieces.push(rotated.compressed ? gunzipSync(bytes) : bytes);
  }
  pieces.push(await Deno.readFile(file));
  return pieces;
}

function joined(pieces: Uint8Array[]): string {
  return pieces.map((piece) => decoder.decode(piece)).join("");
}

async function withFolder(test: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "servitor-output-" });
  try {
    await test(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("50 MB from a fast writer, rotated online every MiB and on request, arrive whole and in order", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "web.log");
    const count = 1_200_000;
    const expected = encoder.encode(numberedLines("out", 0, count));
    assertOk(expected.length >= 50_000_000);
    // cat is the fastest writer there is: the time below is the writer's, not the program's.
    const source = path.join(folder, "source.txt");
    await Deno.writeFile(source, expected);
    const mib = 1024 * 1024;
    const errors: string[] = [];
    let requests = 0;
    const started = performance.now();
    const child = new Deno.Command("cat", { args: [source], stdout: "piped" }).spawn();
    {
      await using writer = await OutputWriter.open(
        { stdout: log },
        outputSpec({ online: true, bytes: mib }),
        {
          echo: false,
          onError: (m) => errors.push(m),
        },
      );
      // Four on-demand rotations while the data flows, as `nssm rotate` asks for them.
      let seen = 0;
      const tap = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.length;
          if (requests < 4 && seen > (requests + 1) * 10_000_000) {
            writer.rotateNow();
            requests++;
          }
          controller.enqueue(chunk);
        },
      });
      await writer.pump("stdout", child.stdout.pipeThrough(tap));
      assertEquals((await child.status).code, 0);
    }
    const seconds = (performance.now() - started) / 1000;
    assertEquals(errors, []);

    const pieces = await contentsInOrder(log);
    const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
    assertEquals(total, expected.length);
    const all = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      all.set(piece, at);
      at += piece.length;
    }
    assertOk(
      all.every((byte, i) => byte === expected[i]),
      "the files together hold exactly what was written",
    );
    const rotated = pieces.slice(0, -1);
    assertOk(rotated.length >= 50, `${rotated.length} rotated files`);
    for (const piece of rotated) {
      assertEquals(decoder.decode(piece.subarray(0, 4)), "out ", "a file starts with a whole line");
      assertEquals(piece[piece.length - 1], 10, "a file ends with a whole line");
      // Rotated at the first line end past the threshold: never more than one line over it.
      assertOk(piece.length < mib + 100, `a rotated file of ${piece.length} bytes`);
    }
    // A request finding the file just emptied by a size rotation has nothing to rotate: rare, allowed once.
    const early = rotated.filter((piece) => piece.length < mib).length;
    assertOk(requests === 4 && early >= 3 && early <= 4, `${early} files rotated on request`);

    // The same writer straight into a file, for comparison.
    const direct = path.join(folder, "direct.log");
    const t0 = performance.now();
    const shell = await new Deno.Command("sh", { args: ["-c", `cat "$0" > "$1"`, source, direct] }).output();
    const directSeconds = (performance.now() - t0) / 1000;
    assertEquals(shell.code, 0);
    const mb = expected.length / 1e6;
    console.log(
      `    ${mb.toFixed(1)} MB through the writer with ${rotated.length} rotations: ${
        seconds.toFixed(2)
      } s ` +
        `(${(mb / seconds).toFixed(0)} MB/s); cat > file: ${directSeconds.toFixed(2)} s ` +
        `(${(mb / directSeconds).toFixed(0)} MB/s)`,
    );
  }));

/**
 * The lines of `log` and its rotated files, in order, checked: several files, each ending with a whole line,
 * and `count` numbered lines of each stream in order, nothing else.
 */
async function interleavedWhole(log: string, count: number): Promise<string[]> {
  const pieces = await contentsInOrder(log);
  assertOk(pieces.length > 3, `${pieces.length} files`);
  for (const piece of pieces) assertEquals(piece[piece.length - 1], 10, "a file ends with a whole line");
  const lines = joined(pieces).split("\n").slice(0, -1);
  const wanted = (tag: string) => numberedLines(tag, 0, count).split("\n").slice(0, -1);
  assertEquals(lines.filter((line) => line.startsWith("out ")), wanted("out"));
  assertEquals(lines.filter((line) => line.startsWith("err ")), wanted("err"));
  assertEquals(lines.length, 2 * count, "no line is anything but a whole line of one stream");
  return lines;
}

Deno.test("stdout and stderr into one file interleave without splitting a line, also across rotations", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "both.log");
    const count = 20_000;
    const errors = await runThrough(
      { stdout: log, stderr: log },
      outputSpec({ online: true, bytes: 256 * 1024 }),
      ["interleave", String(count)],
    );
    assertEquals(errors, []);
    const lines = await interleavedWhole(log, count);
    let switches = 0;
    for (let i = 1; i < lines.length; i++) if (lines[i].slice(0, 3) !== lines[i - 1].slice(0, 3)) switches++;
    // Each stream's pipe holds 64 KiB at most, so the streams must take turns at least a dozen times.
    assertOk(switches >= 10, `the streams took turns ${switches} times`);
  }));

/** The fixture started as the host starts a program on Linux: its stdout and stderr piped to the host. */
function launch(folder: string, ...args: string[]) {
  return posixLauncher.launch({
    program: Deno.execPath(),
    arguments: ["run", "--quiet", fixture, ...args],
    directory: folder,
    environment: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    stdout: "pipe",
    stderr: "pipe",
    priority: "normal",
    newConsole: false,
  });
}

Deno.test({
  name:
    "pipes read straight from their descriptors (Linux): both streams arrive whole and in order, a slow " +
    "writer's lines while it runs",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withFolder(async (folder) => {
      const log = path.join(folder, "both.log");
      const count = 20_000;
      const errors: string[] = [];
      {
        await using program = launch(folder, "interleave", String(count));
        assertOk(
          pipeDescriptors.has(program.stdout!) && pipeDescriptors.has(program.stderr!),
          "the launcher gave the pump both pipes' descriptors",
        );
        await using writer = await OutputWriter.open(
          { stdout: log, stderr: log },
          outputSpec({ online: true, bytes: 256 * 1024 }),
          { echo: false, onError: (m) => errors.push(m) },
        );
        await Promise.all([writer.pump("stdout", program.stdout!), writer.pump("stderr", program.stderr!)]);
        assertEquals(await program.exited, 0);
      }
      assertEquals(errors, []);
      await interleavedWhole(log, count);

      // A writer that pauses between lines: each reaches the file while the program still runs.
      const slow = path.join(folder, "slow.log");
      await using program = launch(folder, "slow", "3", "400");
      let exited = false;
      program.exited.then(() => exited = true);
      await using writer = await OutputWriter.open({ stdout: slow }, outputSpec({ online: true }), {
        echo: false,
        onError: (m) => errors.push(m),
      });
      const pumped = writer.pump("stdout", program.stdout!);
      await eventually(() => Deno.readTextFile(slow), (text) => text.split("\n").length > 2, 20_000, slow);
      assertOk(!exited, "the second line was in the file before the program ended");
      await pumped;
      assertEquals(await Deno.readTextFile(slow), numberedLines("out", 0, 3));
      assertEquals(errors, []);
    }),
});

Deno.test("with AppTimestampLog every line starts with the local time to the millisecond", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "stamped.log");
    const spec = outputSpec({}, { timestamp: true });
    const before = Date.now();
    assertEquals(await runThrough({ stdout: log }, spec, ["slow", "5", "20"]), []);
    // A line that arrives in two pieces gets one stamp; an unfinished last line gets one too.
    assertEquals(await runThrough({ stdout: log }, spec, ["partial"]), []);
    const after = Date.now();
    const text = await Deno.readTextFile(log);
    const stamp = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) /;
    const lines = text.split("\n");
    assertEquals(lines.map((line) => line.replace(stamp, "")), [
      ...numberedLines("out", 0, 5).split("\n").slice(0, -1),
      "abcdef",
      "tail",
    ]);
    for (const line of lines) {
      assertMatch(line, stamp);
      const [, y, mo, d, h, mi, s, ms] = stamp.exec(line)!.map(Number);
      const time = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
      assertOk(time >= before - 1 && time <= after + 1, `${line}: local time of the writing`);
    }
  }));

Deno.test("the host's own lines go between the program's lines, stamped like them", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "hooks.log");
    const errors: string[] = [];
    {
      await using writer = await OutputWriter.open({ stdout: log }, outputSpec({}, { timestamp: true }), {
        echo: false,
        onError: (m) => errors.push(m),
      });
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const pumped = writer.pump("stdout", readable);
      const program = writable.getWriter();
      await program.write(encoder.encode("half a "));
      await new Promise((resolve) => setTimeout(resolve, 20));
      writer.writeLine("stdout", "hook: Rotate/Pre ran");
      await program.write(encoder.encode("line\n"));
      await program.close();
      await pumped;
    }
    assertEquals(errors, []);
    const lines = (await Deno.readTextFile(log)).split("\n").map((line) => line.slice(24));
    assertEquals(lines, ["hook: Rotate/Pre ran", "half a line", ""]);
  }));

Deno.test("AppRotateKeep keeps exactly the newest N rotated files", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "keep.log");
    const count = 20_000;
    const errors = await runThrough(
      { stdout: log },
      outputSpec({ online: true, bytes: 64 * 1024, keep: 3 }),
      [
        "fast",
        String(count),
      ],
    );
    assertEquals(errors, []);
    const rotated = await rotatedFiles(log);
    assertEquals(rotated.length, 3);
    const kept = joined(await contentsInOrder(log));
    assertOk(numberedLines("out", 0, count).endsWith(kept), "the kept files are the last ones, in order");
    assertOk(kept.length > 3 * 64 * 1024);
  }));

Deno.test("AppRotateCompress leaves valid gzip files holding exactly what was rotated", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "zipped.log");
    const count = 20_000;
    const errors = await runThrough(
      { stdout: log },
      outputSpec({ online: true, bytes: 256 * 1024, compress: true }),
      [
        "fast",
        String(count),
      ],
    );
    assertEquals(errors, []);
    const rotated = await rotatedFiles(log);
    assertOk(rotated.length >= 3, `${rotated.length} rotated files`);
    assertOk(rotated.every((file) => file.compressed && file.path.endsWith(".log.gz")), "all compressed");
    const names = [...Deno.readDirSync(folder)].map((entry) => entry.name);
    assertEquals(names.filter((name) => name.includes(".partial")), []);
    assertEquals(joined(await contentsInOrder(log)), numberedLines("out", 0, count));
  }));

Deno.test("a log renamed away by an administrator while the program writes: nothing lost, the log comes back", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "web.log");
    const moved = path.join(folder, "moved-by-admin.txt");
    const count = 100;
    let sizeAtRename = 0;
    const errors = await runThrough(
      { stdout: log },
      outputSpec({ online: true, bytes: 1000 }),
      ["slow", String(count), "3"],
      async () => {
        // Renamed once the program has written something, with most of its lines still to come.
        while ((await Deno.stat(log)).size === 0) await new Promise((resolve) => setTimeout(resolve, 2));
        await Deno.rename(log, moved);
        sizeAtRename = (await Deno.stat(moved)).size;
      },
    );
    assertEquals(errors, []);
    assertOk(
      (await Deno.stat(moved)).size > sizeAtRename,
      "the writer went on writing into the renamed file",
    );
    const everything = (await Promise.all(
      [...Deno.readDirSync(folder)].map((entry) => Deno.readTextFile(path.join(folder, entry.name))),
    )).join("").split("\n").filter((line) => line !== "").sort();
    assertEquals(everything, numberedLines("out", 0, count).split("\n").slice(0, -1).sort());
    assertOk((await Deno.stat(log)).size > 0, "the log is back at its path after the next rotation");
  }));

Deno.test("append keeps what the file held, replace empties it", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "sub", "dir", "app.log");
    assertEquals(await runThrough({ stdout: log }, outputSpec(), ["slow", "1", "0"]), []);
    assertEquals(await runThrough({ stdout: log }, outputSpec(), ["slow", "1", "0"]), []);
    assertEquals(await Deno.readTextFile(log), numberedLines("out", 0, 1).repeat(2));
    assertEquals(
      await runThrough({ stdout: log }, outputSpec({}, { stdoutDisposition: "replace" }), ["slow", "1", "0"]),
      [],
    );
    assertEquals(await Deno.readTextFile(log), numberedLines("out", 0, 1));
  }));

Deno.test("a rotated name taken already is never overwritten, also not by its .gz", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "app.log");
    const lastWrite = new Date("2026-11-25T10:11:12.345Z");
    const rotate = async (content: string) => {
      await Deno.writeTextFile(log, content);
      await Deno.utime(log, lastWrite, lastWrite);
      return await rotateFile(log, { seconds: 0, bytes: 0 }, false, new Date());
    };
    const first = await rotate("first\n");
    assertEquals(first, rotatedName(log, lastWrite));
    await Deno.rename(first!, `${first}.gz`);
    const second = await rotate("second\n");
    assertEquals(second, path.join(folder, "app-20261125T101112.345-1.log"));
    const third = await rotate("third\n");
    assertEquals(third, path.join(folder, "app-20261125T101112.345-2.log"));
    assertEquals(await Deno.readTextFile(`${first}.gz`), "first\n");
    assertEquals(await Deno.readTextFile(second!), "second\n");
    assertEquals(await Deno.readTextFile(third!), "third\n");
    assertEquals((await rotatedFiles(log)).map((r) => path.basename(r.path)), [
      "app-20261125T101112.345.log.gz",
      "app-20261125T101112.345-1.log",
      "app-20261125T101112.345-2.log",
    ]);
  }));

Deno.test("the rename online rotation makes on Linux leaves a file that took the name since alone", () =>
  withFolder(async (folder) => {
    // The name is free when listed and taken before the rename: the rotation must not replace it.
    const log = path.join(folder, "app.log");
    const rotated = path.join(folder, "app-20261125T101112.345.log");
    await Deno.writeTextFile(log, "ours\n");
    await Deno.writeTextFile(rotated, "someone else's\n");
    assertEquals(renameNoReplace(log, rotated), "taken");
    assertEquals(await Deno.readTextFile(rotated), "someone else's\n");
    assertEquals(await Deno.readTextFile(log), "ours\n");
    const free = path.join(folder, "app-20261125T101112.345-1.log");
    assertEquals(renameNoReplace(log, free), "renamed");
    assertEquals(await Deno.readTextFile(free), "ours\n");
  }));

Deno.test("AppRotateFiles at start rotates a shared log once and honours the size threshold and keep", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "start.log");
    const other = path.join(folder, "small.err");
    await Deno.writeTextFile(other, "tiny\n");
    const rotation = outputSpec({ files: true, bytes: 100, keep: 2, compress: true }).rotation;
    for (let run = 0; run < 4; run++) {
      await Deno.writeTextFile(log, `run ${run}\n`.repeat(20));
      await Deno.utime(log, new Date(), new Date(Date.UTC(2026, 0, 1, 0, 0, run)));
      const { rotated, background } = await rotateAtStart({ stdout: log, stderr: log }, rotation, new Date());
      assertEquals(rotated.length, 1);
      await background;
      const { rotated: none } = await rotateAtStart({ stderr: other }, rotation, new Date());
      assertEquals(none, [], "a file under AppRotateBytes stays");
    }
    const left = await rotatedFiles(log);
    assertEquals(left.map((r) => r.stamp), ["20260101T000002.000", "20260101T000003.000"]);
    assertEquals(decoder.decode(gunzipSync(await Deno.readFile(left[1].path))), "run 3\n".repeat(20));
    assertOk(!(await Deno.stat(log).then(() => true, () => false)), "the log itself was renamed away");
  }));

Deno.test("in console mode a person sees the program's output on the host's stdout and stderr too", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "console.log");
    const host = new URL("./fixtures/output_echo.ts", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", host, log, "300"],
      stdin: "null",
    }).output();
    assertEquals(code, 0, decoder.decode(stderr));
    assertEquals(decoder.decode(stdout), numberedLines("out", 0, 300));
    assertEquals(decoder.decode(stderr), numberedLines("err", 0, 300));
    const lines = (await Deno.readTextFile(log)).split("\n").slice(0, -1).sort();
    assertEquals(
      lines,
      (numberedLines("out", 0, 300) + numberedLines("err", 0, 300)).split("\n").slice(0, -1).sort(),
    );
  }));

Deno.test("copy-and-truncate rotation online loses and repeats nothing", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "copied.log");
    const count = 20_000;
    const spec = outputSpec({ online: true, bytes: 128 * 1024, stdoutCopyAndTruncate: true });
    assertEquals(await runThrough({ stdout: log }, spec, ["fast", String(count)]), []);
    const pieces = await contentsInOrder(log);
    assertOk(pieces.length > 5, `${pieces.length} files`);
    assertEquals(joined(pieces), numberedLines("out", 0, count));
  }));

Deno.test("Rotate/Pre runs before the log is renamed and Rotate/Post after, once per rotation", () =>
  withFolder(async (folder) => {
    const log = path.join(folder, "hooked.log");
    const seen: string[] = [];
    const errors: string[] = [];
    {
      await using writer = await OutputWriter.open({ stdout: log }, outputSpec({ online: true }), {
        echo: false,
        onError: (m) => errors.push(m),
        hooks: {
          beforeRotate: async () => {
            seen.push(`pre: ${await Deno.readTextFile(log)}|${(await rotatedFiles(log)).length}`);
          },
          afterRotate: async () => {
            seen.push(`post: ${await Deno.readTextFile(log)}|${(await rotatedFiles(log)).length}`);
          },
        },
      });
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const pumped = writer.pump("stdout", readable);
      const program = writable.getWriter();
      await program.write(encoder.encode("one\ntw"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      writer.rotateNow();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await program.write(encoder.encode("o\nthree\n"));
      await program.close();
      await pumped;
    }
    assertEquals(errors, []);
    assertEquals(seen, ["pre: one\n|0", "post: |1"]);
    assertEquals(joined(await contentsInOrder(log)), "one\ntwo\nthree\n");
  }));

Deno.test("output to /dev/null is written but never rotated", async () => {
  const errors: string[] = [];
  let hooks = 0;
  {
    await using writer = await OutputWriter.open(
      { stdout: "/dev/null", stderr: "/dev/null" },
      outputSpec({ online: true, bytes: 100 }, { stdoutDisposition: "replace" }),
      {
        echo: false,
        onError: (m) => errors.push(m),
        hooks: {
          beforeRotate: () => {
            hooks++;
            return Promise.resolve();
          },
          afterRotate: () => {},
        },
      },
    );
    writer.rotateNow();
    const child = spawn("fast", "1000");
    await Promise.all([writer.pump("stdout", child.stdout), writer.pump("stderr", child.stderr)]);
    assertEquals((await child.status).code, 0);
  }
  assertEquals(errors, []);
  assertEquals(hooks, 0);
  assertEquals(await rotatedFiles("/dev/null"), []);
});

Deno.test("lines cut across reads, a line longer than 64 KiB and an unfinished last line arrive exactly as written, also rotated online and timestamped", () =>
  withFolder(async (folder) => {
    const long = "x".repeat(100_000);
    // Each printf a write of its own, a pause between: the host reads the lines in pieces.
    const xs = "head -c 100000 /dev/zero | tr '\\0' x";
    const script = `printf 'first li'; sleep 0.05; printf 'ne\\nsecond\\n'; ${xs}; sleep 0.05; ${xs}; ` +
      `printf '\\nthird\\nunfinished'`;
    const expected = `first line\nsecond\n${long}${long}\nthird\nunfinished`;
    for (
      const [name, spec] of [
        ["plain", outputSpec()],
        ["rotating", outputSpec({ online: true, bytes: 50_000 })],
      ] as const
    ) {
      const file = path.join(folder, `${name}.log`);
      const child = new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "null" }).spawn();
      {
        await using writer = await OutputWriter.open({ stdout: file }, spec, {
          echo: false,
          onError: () => {},
        });
        await writer.pump("stdout", child.stdout);
      }
      await child.status;
      assertEquals(joined(await contentsInOrder(file)), expected, name);
    }
    const stamped = path.join(folder, "stamped.log");
    const child = new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "null" }).spawn();
    {
      await using writer = await OutputWriter.open(
        { stdout: stamped },
        outputSpec({}, { timestamp: true }),
        { echo: false, onError: () => {} },
      );
      await writer.pump("stdout", child.stdout);
    }
    await child.status;
    const lines = (await Deno.readTextFile(stamped)).split("\n");
    const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /;
    assertOk(lines.every((line) => stamp.test(line)), "every line, the long one too, starts with one stamp");
    assertEquals(lines.map((line) => line.replace(stamp, "")).join("\n"), expected);
  }));

Deno.test("the start of a line read when the host stops reading is written, though the program still runs", () =>
  withFolder(async (folder) => {
    for (
      const [name, spec] of [["plain", outputSpec()], [
        "rotating",
        outputSpec({ online: true, bytes: 4 }),
      ]] as const
    ) {
      const file = path.join(folder, `${name}.log`);
      // The program holds its stdout open: the writer is closed in the middle of a read, not at the end.
      const child = new Deno.Command("sh", {
        args: ["-c", "printf 'whole\\nhalf'; exec sleep 30"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const writer = await OutputWriter.open({ stdout: file }, spec, { echo: false, onError: () => {} });
      const pumped = writer.pump("stdout", child.stdout);
      await eventually(() => contentsInOrder(file).then(joined), (text) => text === "whole\n", 20_000, name);
      await writer[Symbol.asyncDispose]();
      await pumped;
      child.kill("SIGKILL");
      await child.status;
      assertEquals(joined(await contentsInOrder(file)), "whole\nhalf", name);
    }
  }));
