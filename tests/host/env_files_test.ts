/**
 * Environment files (AppEnvironmentFile, `--env_file`) as the program sees them: their place in the order,
 * read again at each start, and a file that can't be used stopping the service once with 251.
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually, readLines } from "../helpers.ts";
import { startHost, storedService } from "./helpers.ts";
import { HostExitCode } from "../../service/vocabulary.ts";

const SECRET = "s3cr3t-from-the-file";

/** A program that prints the variables the test looks at, runs a moment, and exits (to be restarted). */
const printer = ["-c", 'echo "SYS=$ENVTEST_SYS X=$ENVTEST_X Y=$ENVTEST_Y Z=$ENVTEST_Z"; sleep 1'];

Deno.test("environment files: system, then AppEnvironmentExtra, then the files in order, later winning; no value in servitor's logs", async () => {
  Deno.env.set("ENVTEST_SYS", "system");
  Deno.env.set("ENVTEST_X", "system");
  try {
    await using service = await storedService("/bin/sh", printer, (spec, root) => {
      spec.output.stdout = "out.log";
      spec.environmentExtra = ["ENVTEST_X=extra", "ENVTEST_Y=extra"];
      spec.envFiles = [path.join(root, "first.env"), path.join(root, "second.env")];
      Deno.writeTextFileSync(spec.envFiles[0], `ENVTEST_Y=first\nENVTEST_Z=first\nSECRET=${SECRET}\n`);
      Deno.writeTextFileSync(spec.envFiles[1], "# the later file wins\nexport ENVTEST_Z='second'\n");
    });
    await using host = startHost(service.root, service.spec.name);
    const out = path.join(service.logs, "out.log");
    const lines = await eventually(() => readLines(out), (lines) => lines.length > 0);
    assertEquals(lines[0], "SYS=system X=extra Y=first Z=second");
    host.signal("SIGINT");
    assertEquals(await host.exit(), 0);
    const errorLog = await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`))
      .catch(() => "");
    assertOk(
      !host.stderr.includes(SECRET) && !errorLog.includes(SECRET),
      "a file's value in servitor's logs",
    );
  } finally {
    Deno.env.delete("ENVTEST_SYS");
    Deno.env.delete("ENVTEST_X");
  }
});

Deno.test("environment files are read at every start: a changed file takes effect at the next restart", async () => {
  let file = "";
  await using service = await storedService("/bin/sh", printer, (spec, root) => {
    spec.output.stdout = "out.log";
    file = path.join(root, "app.env");
    spec.envFiles = [file];
    Deno.writeTextFileSync(file, "ENVTEST_Z=before\n");
  });
  await using host = startHost(service.root, service.spec.name);
  const out = path.join(service.logs, "out.log");
  await eventually(() => readLines(out), (lines) => lines.length > 0);
  await Deno.writeTextFile(file, "ENVTEST_Z=after\n");
  const lines = await eventually(
    () => readLines(out),
    (lines) => lines.some((line) => line.endsWith("Z=after")),
  );
  assertEquals(lines[0], "SYS= X= Y= Z=before", "the running program kept what it was started with");
  host.signal("SIGINT");
  assertEquals(await host.exit(), 0);
});

Deno.test("a missing environment file stops the service with 251, naming the file, once — no restart loop", async () => {
  let missing = "";
  await using service = await storedService("/bin/sh", printer, (spec, root) => {
    missing = path.join(root, "gone.env");
    spec.envFiles = [missing];
  });
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), HostExitCode.launchFailed);
  const errorLog = await Deno.readTextFile(path.join(service.logs, `${service.spec.name}_ERROR_LOG.txt`));
  assertMatch(errorLog, new RegExp(`environment file ${missing} can't be read \\(no such file\\)`));
  assertEquals(host.stderr.match(/\[ERR\].*cannot start/g)?.length, 1, "tried once");
});

Deno.test("a malformed line in an environment file names the file and the line, not its text", async () => {
  let file = "";
  await using service = await storedService("/bin/sh", printer, (spec, root) => {
    file = path.join(root, "app.env");
    spec.envFiles = [file];
    Deno.writeTextFileSync(file, `GOOD=1\n# a comment\nPASSWORD ${SECRET}\n`);
  });
  await using host = startHost(service.root, service.spec.name);
  assertEquals(await host.exit(), HostExitCode.launchFailed);
  assertMatch(host.stderr, new RegExp(`cannot start /bin/sh: ${file}:3: expected KEY=VALUE`));
  assertOk(!host.stderr.includes(SECRET), "the line's text (a secret, maybe) in the log");
});
