/** Hooks run as real Linux processes: their variables, deadline, exit codes and output. */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { defaultSpec } from "../../service/spec.ts";
import { hookEnvironment, type HookFacts, runConfiguredHook, runHook } from "../../host/hooks.ts";
import { alive, fixtures, startHost, storedService } from "./helpers.ts";
import { eventually, sleep, tempDir } from "../helpers.ts";

const ignore = Deno.build.os === "windows";

const facts: HookFacts = {
  exe: "/usr/bin/servitor",
  serviceName: "hooked",
  displayName: "Hooked service",
  commandLine: '"/usr/bin/server" --port 80',
  counters: { startRequested: 1, started: 0, throttled: 1, exits: 0 },
  hostStartedAt: Date.now(),
  now: Date.now(),
};

/** The service's environment: what the test runs with, but only PATH of it, and one variable of its own. */
const serviceEnvironment = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", FROM_THE_SERVICE: "yes" };

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split("\n").filter((line) => line.includes("=")).map((line) => {
      const equals = line.indexOf("=");
      return [line.slice(0, equals), line.slice(equals + 1)];
    }),
  );
}

Deno.test({
  name: "a hook sees the service's environment and the NSSM_ and SERVITOR_ variables, nothing else",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    Deno.env.set("ONLY_IN_THE_TEST_RUNNER", "1");
    const environment = { ...serviceEnvironment, ...hookEnvironment("Start/Pre", facts, 60_000) };
    const result = await runHook("env > env.txt; pwd > pwd.txt", environment, {
      deadlineMs: 10_000,
      directory: temp.path,
    });
    assertEquals(result, { exitCode: 0, killed: false });
    const seen = parseEnv(await Deno.readTextFile(path.join(temp.path, "env.txt")));
    assertEquals(seen.FROM_THE_SERVICE, "yes");
    assertEquals([seen.NSSM_EVENT, seen.NSSM_ACTION, seen.NSSM_TRIGGER], ["Start", "Pre", "START"]);
    assertEquals([seen.SERVITOR_EVENT, seen.SERVITOR_SERVICE_NAME], ["Start", "hooked"]);
    assertEquals(seen.NSSM_DEADLINE, "60000");
    assertEquals(seen.NSSM_APPLICATION_PID, "");
    assertEquals(seen.ONLY_IN_THE_TEST_RUNNER, undefined);
    assertEquals(
      (await Deno.readTextFile(path.join(temp.path, "pwd.txt"))).trim(),
      await Deno.realPath(temp.path),
    );
  },
});

Deno.test({
  name: "a hook that outlives its deadline is killed, and so is what it started",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const started = Date.now();
    const result = await runHook("sleep 30 & echo $! > child.pid; sleep 30", serviceEnvironment, {
      deadlineMs: 500,
      directory: temp.path,
    });
    const took = Date.now() - started;
    assertEquals(result, { killed: true });
    assertOk(took >= 450 && took < 5_000, `runHook returned after ${took} ms`);
    const grandchild = Number(await Deno.readTextFile(path.join(temp.path, "child.pid")));
    assertOk(grandchild > 0);
    await eventually(
      () => alive(grandchild),
      (running) => !running,
      2_000,
      `whether the hook's child ${grandchild} runs`,
    );
  },
});

Deno.test({
  name: "what a hook leaves running when it exits is killed, as NSSM does, and does not hold up its output",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const lines: string[] = [];
    const started = Date.now();
    const result = await runHook("sleep 30 & echo $! > child.pid; echo done", serviceEnvironment, {
      deadlineMs: 20_000,
      directory: temp.path,
      output: { stdout: (line) => lines.push(line), stderr: () => {} },
    });
    assertEquals(result, { exitCode: 0, killed: false });
    assertEquals(lines, ["done"]);
    assertOk(Date.now() - started < 5_000, "the leftover held the hook's output open");
    const leftover = Number(await Deno.readTextFile(path.join(temp.path, "child.pid")));
    await eventually(
      () => alive(leftover),
      (running) => !running,
      2_000,
      `whether the hook's leftover ${leftover} runs`,
    );
  },
});

Deno.test({
  name: "a leftover that escaped the hook's group holds its output open only until the deadline",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const lines: string[] = [];
    const started = Date.now();
    // The hook waits until its child has left the group, so the group kill at its exit can't catch it.
    const hook = "setsid sh -c 'echo $$ > escaped.pid; exec sleep 30' & " +
      "while [ ! -s escaped.pid ]; do sleep 0.01; done; echo done";
    const result = await runHook(hook, serviceEnvironment, {
      deadlineMs: 500,
      directory: temp.path,
      output: { stdout: (line) => lines.push(line), stderr: () => {} },
    });
    const took = Date.now() - started;
    const escaped = Number(await Deno.readTextFile(path.join(temp.path, "escaped.pid")));
    try {
      Deno.kill(escaped, "SIGKILL");
    } catch {
      // gone already
    }
    // The hook itself exited in time: its code counts, though its output was cut at the deadline.
    assertEquals(result, { exitCode: 0, killed: false });
    assertEquals(lines, ["done"]);
    assertOk(took >= 450 && took < 5_000, `runHook returned after ${took} ms`);
  },
});

Deno.test({
  name: "a hook's exit code comes back, 99 (abort the start) included",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    for (const code of [0, 3, 99, 255]) {
      const result = await runHook(`exit ${code}`, serviceEnvironment, {
        deadlineMs: 10_000,
        directory: temp.path,
      });
      assertEquals(result, { exitCode: code, killed: false });
    }
  },
});

Deno.test({
  name: "a hook command that doesn't exist gives an error, not an exception",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const missing = await runHook("/no/such/hook --flag", serviceEnvironment, {
      deadlineMs: 10_000,
      directory: temp.path,
    });
    assertEquals([missing.killed, missing.exitCode], [false, 127]);
    assertMatch(missing.error ?? "", /\/no\/such\/hook.*not found/);

    const noDirectory = await runHook("true", serviceEnvironment, {
      deadlineMs: 10_000,
      directory: path.join(temp.path, "gone"),
    });
    assertEquals([noDirectory.killed, noDirectory.exitCode], [false, undefined]);
    assertMatch(noDirectory.error ?? "", /could not be started/);
  },
});

Deno.test({
  name: "a hook's output lines arrive when its output is redirected",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const stdout: string[] = [];
    const stderr: string[] = [];
    const result = await runHook(
      "printf 'one\\ntwo\\r\\n'; echo oops >&2; printf 'last'",
      serviceEnvironment,
      {
        deadlineMs: 10_000,
        directory: temp.path,
        output: { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
      },
    );
    assertEquals(result, { exitCode: 0, killed: false });
    assertEquals(stdout, ["one", "two", "last"]);
    assertEquals(stderr, ["oops"]);
  },
});

Deno.test({
  name: "a hook's output that nobody reads does not hold it up",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    // Far more than a pipe holds: were it piped and not read, the hook would block until its deadline.
    const result = await runHook(
      "head -c 4000000 /dev/zero; head -c 4000000 /dev/zero >&2",
      serviceEnvironment,
      {
        deadlineMs: 10_000,
        directory: temp.path,
      },
    );
    assertEquals(result, { exitCode: 0, killed: false });
  },
});

Deno.test({
  name: "aborting kills a running hook",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const started = Date.now();
    const result = await runHook("sleep 30", serviceEnvironment, {
      deadlineMs: 60_000,
      directory: temp.path,
      signal: abort.signal,
    });
    assertEquals(result, { killed: true });
    assertOk(Date.now() - started < 5_000);
  },
});

Deno.test({
  name: "a configured hook runs with the spec's deadline; an event without one runs nothing",
  ignore,
  async fn() {
    await using temp = await tempDir("servitor-hooks-");
    const spec = defaultSpec("hooked", "/usr/bin/server");
    spec.hookDeadlineMs = 7_000;
    spec.hooks["Stop/Pre"] =
      'echo "$NSSM_EVENT/$NSSM_ACTION $NSSM_TRIGGER $NSSM_DEADLINE $FROM_THE_SERVICE" > seen.txt';
    const options = { environment: serviceEnvironment, directory: temp.path };
    assertEquals(runConfiguredHook(spec, "Start/Pre", facts, options), undefined);
    const result = await runConfiguredHook(spec, "Stop/Pre", { ...facts, trigger: "stop" }, options);
    assertEquals(result, { exitCode: 0, killed: false });
    assertEquals(await Deno.readTextFile(path.join(temp.path, "seen.txt")), "Stop/Pre STOP 7000 yes\n");
  },
});

Deno.test({
  name: "Exit/Post, through a real host, sees the run's length: after an exit and after a stop, as NSSM",
  ignore,
  async fn() {
    const record = (root: string) =>
      `env | grep -E '^(NSSM|SERVITOR)_(APPLICATION_)?RUNTIME=' | sort > ${root}/exit_post`;
    // The program exits by itself (code 3 after 0.3 s; AppExit Exit stops the service) …
    await using exited = await storedService(path.join(fixtures, "exit_with.sh"), [], (spec, root) => {
      spec.arguments = [path.join(root, "runs"), "3"];
      spec.exit.default = "exit";
      spec.hooks["Exit/Post"] = record(root);
    });
    await using exitedHost = startHost(exited.root, exited.spec.name);
    assertEquals(await exitedHost.exit(), 3);
    // … or is stopped (0xC000013A for NSSM; here the stop's signal), having run at least 0.5 s.
    await using stopped = await storedService(path.join(fixtures, "chatty.sh"), [], (spec, root) => {
      spec.hooks["Exit/Post"] = record(root);
    });
    await using stoppedHost = startHost(stopped.root, stopped.spec.name);
    await stoppedHost.waitFor(/started/);
    await sleep(500);
    stoppedHost.signal("SIGINT");
    assertEquals(await stoppedHost.exit(), 0);

    for (const [service, atLeast] of [[exited, 300], [stopped, 500]] as const) {
      const seen = parseEnv(await Deno.readTextFile(path.join(service.root, "exit_post")));
      const status = JSON.parse(await Deno.readTextFile(path.join(service.logs, "status.json")));
      // The run's length is what the host measured of it (status.json's lastExit), not blank, not the time
      // since the host started; each SERVITOR_ twin says the same.
      assertEquals(seen.NSSM_APPLICATION_RUNTIME, String(status.lastExit.runtimeMs));
      assertEquals(seen.SERVITOR_APPLICATION_RUNTIME, seen.NSSM_APPLICATION_RUNTIME);
      assertEquals(seen.SERVITOR_RUNTIME, seen.NSSM_RUNTIME);
      assertOk(status.lastExit.runtimeMs >= atLeast, `a run of ${status.lastExit.runtimeMs} ms`);
      assertOk(Number(seen.NSSM_RUNTIME) >= status.lastExit.runtimeMs, JSON.stringify(seen));
    }
  },
});
