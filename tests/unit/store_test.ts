import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import { defaultSpec, parseAffinity, usableAffinity } from "../../service/spec.ts";
import { parseSpec, readSpec, SpecError, stringifySpec, writeSpec } from "../../service/store.ts";
import { CHECKED_SPEC_FILE, readCheckedSpec } from "../../service/checked_spec.ts";
import { readStoredSpec } from "../../service/spec_reader.ts";

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("it did not throw");
}

Deno.test("a stored spec reads back equal, and the file is private to its owner", async () => {
  const root = await Deno.makeTempDir();
  try {
    const spec = defaultSpec("store_demo", "/usr/bin/env", ["two words", 'say "hi"', "ünïcode"]);
    spec.exit.codes["3"] = "exit";
    spec.hooks["Start/Pre"] = "/bin/true";
    spec.output.stdout = "%PROGRAM%.out.txt";
    const file = await writeSpec(root, spec);
    assertEquals(await readSpec(root, "store_demo"), spec);
    assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/store_demo`)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("settings left out of a hand-written file take NSSM's defaults", () => {
  const spec = parseSpec("name: svc\nprogram: /bin/prog\nthrottleMs: 500\n", "svc.yaml");
  assertEquals(spec.throttleMs, 500);
  assertEquals(spec.stop, defaultSpec("svc", "/bin/prog").stop);
  assertEquals(spec.exit.default, "restart");
});

Deno.test("a bad setting is one message naming the file, the key and the value", () => {
  const cases: [string, RegExp][] = [
    ["name: s\nprogram: /p\nthrotleMs: 5\n", /svc\.yaml:3: throtleMs: unknown setting/],
    ["name: s\nprogram: /p\nthrottleMs: fast\n", /throttleMs: expected a number, not "fast"/],
    ["name: s\nprogram: /p\nexit: { default: reboot }\n", /exit\.default: "reboot" is not one of/],
    ["name: s\nprogram: /p\nexit: { codes: { x: exit } }\n", /"x" is not an exit code/],
    ["name: s\nprogram: /p\nhooks: { Start/Later: x }\n", /hooks\.Start\/Later: not a hook event/],
    ["name: s\nprogram: /p\naffinity: 0-x\n", /AppAffinity "0-x"/],
    ["name: s\nprogram: /p\nenvironmentExtra: [NOEQUALS]\n", /"NOEQUALS" is not KEY=VALUE/],
    ["program: /p\n", /svc\.yaml:1: name: missing, expected a string/],
    ["name: s\n", /program: missing, expected a string/],
    ["name: s\nprogram: bin/server\n", /svc\.yaml:2: program: expected an absolute path, not "bin\/server"/],
    ["name: s\nprogram: /p\ndirectory: work\n", /directory: expected an absolute path, not "work"/],
    ["name: [unclosed\n", /svc\.yaml is not valid YAML/],
    [
      "name: s\nprogram: /p\nstop:\n  consoleMs: -1\n",
      /svc\.yaml:4: stop\.consoleMs: expected a whole number of 0 or more, not -1/,
    ],
    ["name: s\nprogram: /p\naccount: { kind: admin }\n", /account\.kind: "admin" is not one of local_system/],
    ["- name: s\n", /svc\.yaml: expected a mapping of settings/],
  ];
  for (const [text, message] of cases) {
    const error = thrownBy(() => parseSpec(text, "svc.yaml"));
    assertOk(error instanceof SpecError, text);
    assertMatch(error.message, message);
  }
});

Deno.test("absolute paths are absolute as either Linux or Windows reads them", () => {
  const spec = parseSpec(
    'name: s\nprogram: C:\\srv\\a.exe\nlogDirectory: "\\\\\\\\server\\\\logs"\n',
    "svc.yaml",
  );
  assertEquals([spec.program, spec.logDirectory], ["C:\\srv\\a.exe", "\\\\server\\logs"]);
});

Deno.test("a missing configuration says to install the service again", async () => {
  const root = await Deno.makeTempDir();
  try {
    await readSpec(root, "nothing_here").then(() => assertOk(false), (error) => {
      assertOk(error instanceof SpecError);
      assertMatch(error.message, /does not exist: install the service again/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the YAML of a spec parses back to the same spec", () => {
  const spec = defaultSpec("round", "C:\\Program Files\\app\\app.exe", ["--port", "80"]);
  spec.restartBudget = { restarts: 5, seconds: 60 };
  spec.environment = ["PATH=C:\\bin;%PATH%"];
  assertEquals(parseSpec(stringifySpec(spec), "round.yaml"), spec);
});

Deno.test("AppAffinity 0-2,4 is the first, second, third and fifth processors", () => {
  assertEquals(parseAffinity("0-2,4"), [0, 1, 2, 4]);
  assertThrows(() => parseAffinity("4-2"), RangeError);
  assertThrows(() => parseAffinity("64"), RangeError);
});

Deno.test("a leftover or planted service.yaml.new is never written through: the spec lands in a new file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const directory = `${root}/planted`;
    await Deno.mkdir(directory);
    // Someone else's file, readable by all, with a second name (a hard link) they keep watching.
    const planted = `${directory}/service.yaml.new`;
    await Deno.writeTextFile(planted, "name: planted\nprogram: /bin/evil\n", { mode: 0o666 });
    await Deno.chmod(planted, 0o666);
    await Deno.link(planted, `${root}/watched`);
    const spec = defaultSpec("planted", "/bin/true");
    const file = await writeSpec(root, spec);
    assertEquals(await readSpec(root, "planted"), spec);
    assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600, "the planted file's mode was kept");
    assertEquals(await Deno.readTextFile(`${root}/watched`), "name: planted\nprogram: /bin/evil\n");
    assertEquals(await Deno.stat(planted).then(() => true, () => false), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("AppAffinity keeps the processors the machine has, and all of them when it has none of those", () => {
  assertEquals(usableAffinity(parseAffinity("0-2,4"), [0, 1]), [0, 1]);
  assertEquals(usableAffinity(parseAffinity("1,3"), [0, 1, 2, 3]), [1, 3]);
  assertEquals(usableAffinity(parseAffinity("4-7"), [0, 1]), undefined);
});

Deno.test("the host's checked form is used only while it matches service.yaml and servitor's version", async () => {
  const root = await Deno.makeTempDir();
  try {
    const spec = defaultSpec("checked_demo", "/usr/bin/env", ["a b"]);
    spec.throttleMs = 2500;
    const yamlFile = await writeSpec(root, spec);
    const checkedFile = `${root}/checked_demo/${CHECKED_SPEC_FILE}`;
    assertEquals((await Deno.stat(checkedFile)).mode! & 0o777, 0o600);
    assertEquals(await readCheckedSpec(yamlFile, checkedFile), spec);
    // Another servitor (its schema may complete a spec otherwise) reads the YAML.
    assertEquals(await readCheckedSpec(yamlFile, checkedFile, "0.0.0-other"), undefined);
    // A hand edit of the YAML (even one of the same meaning) makes the form stale: the YAML is the truth.
    await Deno.writeTextFile(
      yamlFile,
      (await Deno.readTextFile(yamlFile)).replace("throttleMs: 2500", "throttleMs: 900"),
    );
    assertEquals(await readCheckedSpec(yamlFile, checkedFile), undefined);
    assertEquals((await readSpec(root, "checked_demo")).throttleMs, 900);
    // Not the checked form, or none at all.
    await Deno.writeTextFile(checkedFile, "{}");
    assertEquals(await readCheckedSpec(yamlFile, checkedFile), undefined);
    await Deno.remove(checkedFile);
    assertEquals(await readCheckedSpec(yamlFile, checkedFile), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a reader that changes nothing gets the checked form, the YAML when that is stale, and the YAML's error", async () => {
  const root = await Deno.makeTempDir();
  try {
    const spec = defaultSpec("reader_demo", "/usr/bin/env");
    const yamlFile = await writeSpec(root, spec);
    const checkedFile = `${root}/reader_demo/${CHECKED_SPEC_FILE}`;
    // A form whose stamp still matches is believed: marked here, to see which one was read.
    const form = JSON.parse(await Deno.readTextFile(checkedFile));
    form.spec.throttleMs = 1234;
    await Deno.writeTextFile(checkedFile, JSON.stringify(form));
    assertEquals((await readStoredSpec(root, "reader_demo")).throttleMs, 1234);
    // A hand edit of the YAML: the YAML, read and checked by the store.
    await Deno.writeTextFile(
      yamlFile,
      (await Deno.readTextFile(yamlFile)).replace("throttleMs: 1500", "throttleMs: 900"),
    );
    assertEquals((await readStoredSpec(root, "reader_demo")).throttleMs, 900);
    await Deno.writeTextFile(
      yamlFile,
      (await Deno.readTextFile(yamlFile)).replace("throttleMs: 900", "throttleMs: soon"),
    );
    const error = await readStoredSpec(root, "reader_demo").then(() => undefined, (error) => error);
    assertOk(error instanceof SpecError, String(error));
    assertMatch(error.message, /throttleMs/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
