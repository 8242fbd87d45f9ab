/**
 * The library's engine fed by a fake service manager: the callbacks' order against the states reported,
 * pending states reported again, stops at awkward moments, failures; sd_notify's fields; the command a
 * service installed by itself runs.
 */
import { assertEquals, assertMatch, assertOk, assertRejects } from "../assert.ts";
import { sleep } from "../helpers.ts";
import { dispatchFor, type ServiceCallbacks, type ServiceHandler } from "../../library/callbacks.ts";
import { type Connect, runLifecycle } from "../../library/lifecycle.ts";
import { startAsService } from "../../library/run_as_service.ts";
import { librarySignals } from "../../library/run_service.ts";
import { selfServiceCommand } from "../../library/install_self.ts";
import { reportPending } from "../../protocol/pending.ts";
import { notifyFields } from "../../protocol/sd_notify.ts";
import { connectSignals } from "../../protocol/signal_session.ts";
import type {
  AcceptedControl,
  ControlAnswer,
  ControlHandler,
  IncomingControl,
  ServiceSession,
  SessionKind,
  StatusReport,
} from "../../protocol/session.ts";
import { unixAddress } from "../../ffi/libc.ts";

/** A service manager that records each report and sends controls as the SCM's HandlerEx would. */
function fakeManager(kind: SessionKind = "scm") {
  const reports: StatusReport[] = [];
  let handler: ControlHandler | undefined;
  let close!: () => void;
  const closed = new Promise<void>((resolve) => close = resolve);
  const session: ServiceSession = {
    kind,
    name: "Fake",
    args: ["first"],
    get last() {
      return reports.at(-1);
    },
    closed,
    report(status) {
      if (reports.at(-1)?.state === "stopped") return;
      reports.push(status);
      if (status.state === "stopped") close();
    },
  };
  const errors: unknown[] = [];
  const connect: Connect = (_name, h) => {
    handler = h;
    return Promise.resolve(session);
  };
  return {
    reports,
    errors,
    connect,
    onError: (error: unknown) => void errors.push(error),
    send: (control: IncomingControl): ControlAnswer => handler!(control),
    get state() {
      return reports.at(-1)?.state;
    },
    /** The states reported, each once in a row. */
    states: () => reports.map((r) => r.state).filter((state, i, all) => state !== all[i - 1]),
    async until(condition: () => boolean, what: string, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`not ${what} after ${timeoutMs} ms: ${this.states()}`);
        await sleep(5);
      }
    },
  };
}

type Fake = ReturnType<typeof fakeManager>;

/** Runs `callbacks` on `fake`; `seen` gets each event with the state reported when it ran. */
function run(
  fake: Fake,
  callbacks: ServiceCallbacks | ServiceHandler,
  options: { waitHintMs?: number; accepts?: AcceptedControl[] } = {},
) {
  return runLifecycle(
    {
      name: "Fake",
      dispatch: dispatchFor(callbacks, options.accepts),
      waitHintMs: options.waitHintMs ?? 3000,
      onError: fake.onError,
    },
    fake.connect,
  );
}

/** Callbacks that record `event@state` for every event. */
function recorder(fake: Fake, seen: string[], change: ServiceCallbacks = {}): ServiceCallbacks {
  const events = [
    "start_pending",
    "running",
    "pause_pending",
    "paused",
    "continue_pending",
    "stop_pending",
    "stopped",
    "shutdown",
    "user_control",
  ] as const;
  const callbacks: ServiceCallbacks = {};
  for (const event of events) {
    const own = change[event] as ((context: never) => unknown) | undefined;
    (callbacks as Record<string, unknown>)[event] = async (context: { control?: IncomingControl }) => {
      const code = context.control?.kind === "user" ? ` ${context.control.code}` : "";
      seen.push(`${event}${code}@${fake.state}`);
      await own?.(context as never);
    };
  }
  return callbacks;
}

Deno.test("callbacks run in the order of the states reported: start, pause, continue, a user control, stop", async () => {
  const fake = fakeManager();
  const seen: string[] = [];
  const done = run(fake, recorder(fake, seen));
  await fake.until(() => fake.state === "running" && seen.length === 2, "running");
  assertEquals(fake.reports.at(-1)!.accepts, ["stop", "shutdown", "pause_continue"]);

  // The pending state is reported before HandlerEx returns: ControlService's answer shows it.
  assertEquals(fake.send({ kind: "pause" }), "handled");
  assertEquals(fake.state, "pause_pending");
  await fake.until(() => seen.length === 4, "paused");
  assertEquals(fake.send({ kind: "continue" }), "handled");
  assertEquals(fake.state, "continue_pending");
  await fake.until(() => seen.length === 6, "running again");
  assertEquals(fake.send({ kind: "user", code: 130 }), "handled");
  await fake.until(() => seen.length === 7, "the user control");
  assertEquals(fake.send({ kind: "stop" }), "handled");
  assertEquals(fake.state, "stop_pending");
  assertEquals(await done, 0);

  assertEquals(seen, [
    "start_pending@start_pending",
    "running@running",
    "pause_pending@pause_pending",
    "paused@paused",
    "continue_pending@continue_pending",
    "running@running",
    "user_control 130@running",
    "stop_pending@stop_pending",
    "stopped@stopped",
  ]);
  assertEquals(fake.states(), [
    "start_pending",
    "running",
    "pause_pending",
    "paused",
    "continue_pending",
    "running",
    "stop_pending",
    "stopped",
  ]);
  assertEquals(fake.reports.at(-1)!.exitCode, undefined);
  assertEquals(fake.errors, []);
});

Deno.test("a pending callback that outlasts its wait hint is reported again at half the hint, and may ask for more", async () => {
  const fake = fakeManager();
  const done = run(fake, {
    async stop_pending(context) {
      await sleep(260);
      context.pending(5000);
      await sleep(30);
    },
  }, { waitHintMs: 100 });
  await fake.until(() => fake.state === "running", "running");
  fake.send({ kind: "stop" });
  await done;
  const pending = fake.reports.filter((report) => report.state === "stop_pending");
  const hints = pending.map((report) => report.waitHintMs);
  // 1 at once, then every 50 ms for 260 ms, then once more with the hint asked for.
  assertOk(hints.filter((hint) => hint === 100).length >= 4, `reports: ${hints}`);
  assertEquals(hints.at(-1), 5000);
  assertEquals(fake.state, "stopped");
});

Deno.test("a stop that arrives while starting fires the signal at once and follows the start; running is never reported", async () => {
  const fake = fakeManager("console");
  const seen: string[] = [];
  let abortedDuringStart = false;
  const done = run(
    fake,
    recorder(fake, seen, {
      async start_pending(context) {
        await sleep(50);
        abortedDuringStart = context.signal.aborted;
      },
    }),
  );
  await fake.until(() => seen.length === 1, "starting");
  assertEquals(fake.send({ kind: "stop" }), "handled");
  assertEquals(await done, 0);
  assertOk(abortedDuringStart, "the signal fired while the start was under way");
  assertEquals(seen, ["start_pending@start_pending", "stop_pending@stop_pending", "stopped@stopped"]);
  assertEquals(fake.states(), ["start_pending", "stop_pending", "stopped"]);
});

Deno.test("not_ready runs first, while the service manager connects; start_pending is reported once it is done", async () => {
  const fake = fakeManager();
  const steps: string[] = [];
  let connected!: () => void;
  const connecting = new Promise<void>((resolve) => connected = resolve);
  // The SCM calls ServiceMain when it calls it: here, once the test says so.
  const connect: Connect = async (name, handler, onError) => {
    steps.push("connecting");
    await connecting;
    steps.push("connected");
    return await fake.connect(name, handler, onError);
  };
  let finishNotReady!: () => void;
  const done = runLifecycle({
    name: "Given",
    dispatch: dispatchFor({
      async not_ready(context) {
        steps.push(`not_ready ${context.state} ${context.name} ${context.manager} [${context.args}]`);
        await new Promise<void>((resolve) => finishNotReady = resolve);
        steps.push("not_ready done");
      },
      start_pending: (context) => void steps.push(`start_pending ${context.name} ${context.manager}`),
    }),
    waitHintMs: 3000,
    onError: fake.onError,
  }, connect);
  await sleep(20);
  // not_ready did not hold the connection back, and nothing was reported: there is no one to tell yet.
  assertEquals(steps, ["not_ready not_ready Given undefined []", "connecting"]);
  connected();
  await sleep(20);
  assertEquals(steps.slice(2), ["connected"]);
  assertEquals(fake.reports, []);
  finishNotReady();
  await fake.until(() => fake.state === "running", "running");
  assertEquals(steps.slice(3), ["not_ready done", "start_pending Fake scm"]);
  fake.send({ kind: "stop" });
  assertEquals(await done, 0);
  assertEquals(fake.states(), ["start_pending", "running", "stop_pending", "stopped"]);
});

Deno.test("a not_ready that throws stops the service once connected, with code 1; start_pending never runs", async () => {
  const fake = fakeManager();
  const seen: string[] = [];
  const code = await run(fake, {
    ...recorder(fake, seen),
    not_ready: () => {
      throw new Error("no configuration");
    },
  });
  assertEquals(code, 1);
  assertEquals(seen, ["stop_pending@stop_pending", "stopped@stopped"]);
  assertEquals(fake.states(), ["stop_pending", "stopped"]);
  assertEquals(fake.reports.at(-1)!.exitCode, { kind: "service_specific", code: 1 });
  assertEquals(fake.errors.map((error) => (error as Error).message), ["no configuration"]);
});

Deno.test("a start callback that throws is logged and stops the service with service-specific code 1", async () => {
  const fake = fakeManager();
  const seen: string[] = [];
  const code = await run(
    fake,
    recorder(fake, seen, {
      start_pending: () => {
        throw new Error("no database");
      },
    }),
  );
  assertEquals(code, 1);
  assertEquals(seen, ["start_pending@start_pending", "stop_pending@stop_pending", "stopped@stopped"]);
  assertEquals(fake.reports.at(-1)!.exitCode, { kind: "service_specific", code: 1 });
  assertMatch(fake.reports.at(-1)!.reason!, /callback/);
  assertEquals(fake.errors.map((error) => (error as Error).message), ["no database"]);
});

Deno.test("a running callback that rejects stops the service; a user control's failure is only logged", async () => {
  const fake = fakeManager();
  const done = run(fake, {
    user_control: () => Promise.reject(new Error("bad control")),
    running: async (context) => {
      await sleep(40);
      if (!context.signal.aborted) throw new Error("lost the connection");
    },
  });
  await fake.until(() => fake.state === "running", "running");
  fake.send({ kind: "user", code: 128 });
  assertEquals(await done, 1);
  assertEquals(fake.errors.map((error) => (error as Error).message), ["bad control", "lost the connection"]);
});

Deno.test("controls nothing answers are refused, and the service accepts only what its callbacks take", async () => {
  const fake = fakeManager();
  const done = run(fake, { stop_pending: () => {} });
  await fake.until(() => fake.state === "running", "running");
  assertEquals(fake.reports.at(-1)!.accepts, ["stop", "shutdown"]);
  assertEquals(fake.send({ kind: "pause" }), "not_implemented");
  assertEquals(fake.send({ kind: "user", code: 128 }), "not_implemented");
  assertEquals(fake.send({ kind: "param_change" }), "not_implemented");
  assertEquals(fake.send({ kind: "interrogate" }), "handled");
  fake.send({ kind: "stop" });
  await done;
});

Deno.test("unhandled answers what has no callback of its own", async () => {
  const fake = fakeManager();
  const seen: IncomingControl[] = [];
  const done = run(fake, { unhandled: (context) => void seen.push(context.control!) });
  await fake.until(() => fake.state === "running", "running");
  assertEquals(fake.send({ kind: "user", code: 200 }), "handled");
  assertEquals(fake.send({ kind: "param_change" }), "handled");
  await fake.until(() => seen.length === 2, "both controls");
  fake.send({ kind: "stop" });
  await done;
  assertEquals(seen, [{ kind: "user", code: 200 }, { kind: "param_change" }]);
});

Deno.test("one handler gets every event by name, and the service accepts pause, power events and session changes", async () => {
  const fake = fakeManager();
  const seen: string[] = [];
  const done = run(fake, (event, context) => {
    seen.push(`${event}${context.control ? ` ${context.control.kind}` : ""}`);
  });
  await fake.until(() => fake.state === "running", "running");
  assertEquals(fake.reports.at(-1)!.accepts, [
    "stop",
    "shutdown",
    "pause_continue",
    "power_event",
    "session_change",
  ]);
  fake.send({ kind: "power_event", eventType: 4, event: "suspend" });
  fake.send({ kind: "session_change", eventType: 5 });
  await fake.until(() => seen.length === 5, "both events");
  fake.send({ kind: "stop" });
  await done;
  assertEquals(seen, [
    "not_ready",
    "start_pending",
    "running",
    "power power_event",
    "session_change session_change",
    "stop_pending",
    "stopped",
  ]);
});

Deno.test("a shutdown runs the shutdown callback, then the stop path; the signal says why", async () => {
  const fake = fakeManager();
  const seen: string[] = [];
  let reason = "";
  const done = run(
    fake,
    recorder(fake, seen, {
      stop_pending: (context) => void (reason = (context.signal.reason as Error).message),
    }),
  );
  await fake.until(() => fake.state === "running", "running");
  fake.send({ kind: "shutdown" });
  await done;
  assertEquals(seen.slice(2), ["shutdown@stop_pending", "stop_pending@stop_pending", "stopped@stopped"]);
  assertMatch(reason, /shutting down/);
});

Deno.test("preshutdown is accepted when there is a callback for it", async () => {
  const fake = fakeManager();
  const done = run(fake, { preshutdown: () => {} });
  await fake.until(() => fake.state === "running", "running");
  assertEquals(fake.reports.at(-1)!.accepts, ["stop", "shutdown", "preshutdown"]);
  fake.send({ kind: "preshutdown" });
  assertEquals(await done, 0);
});

Deno.test("context.stop(3) stops the service from within with service-specific code 3", async () => {
  const fake = fakeManager();
  const code = await run(fake, { running: (context) => context.stop(3) });
  assertEquals(code, 3);
  assertEquals(fake.states(), ["start_pending", "running", "stop_pending", "stopped"]);
  assertEquals(fake.reports.at(-1)!.exitCode, { kind: "service_specific", code: 3 });
});

Deno.test("the plain form: the signal fires on stop, and STOP_PENDING lasts until the program says it has stopped", async () => {
  const fake = fakeManager();
  let finished!: Promise<number>;
  const service = await startAsService("Fake", (dispatch) => {
    finished = runLifecycle({ name: "Fake", dispatch, waitHintMs: 100, onError: fake.onError }, fake.connect);
    return finished;
  });
  assertEquals([service.name, service.args, service.manager], ["Fake", ["first"], "scm"]);
  assertEquals(fake.state, "running");
  assertEquals(fake.reports.at(-1)!.accepts, ["stop", "shutdown"]);
  assertEquals(fake.send({ kind: "pause" }), "not_implemented");
  assertOk(!service.signal.aborted);
  fake.send({ kind: "stop" });
  assertOk(service.signal.aborted, "the signal fires as the stop arrives");
  await sleep(180);
  assertEquals(fake.state, "stop_pending");
  assertOk(fake.reports.filter((report) => report.state === "stop_pending").length >= 3, "reported again");
  await service.stopped();
  assertEquals(fake.state, "stopped");
  assertEquals(await finished, 0);
});

Deno.test("the plain form: stopped(2) before any stop stops the service by itself, with code 2", async () => {
  const fake = fakeManager("systemd");
  let finished!: Promise<number>;
  {
    await using service = await startAsService("Fake", (dispatch) => {
      finished = runLifecycle(
        { name: "Fake", dispatch, waitHintMs: 100, onError: fake.onError },
        fake.connect,
      );
      return finished;
    });
    await service.stopped(2);
  }
  assertEquals(await finished, 2);
  assertEquals(fake.states(), ["start_pending", "running", "stop_pending", "stopped"]);
});

Deno.test("the plain form: a stop before it ran rejects with the service's name", async () => {
  const fake = fakeManager("console");
  const connect: Connect = async (name, handler, onError) => {
    const session = await fake.connect(name, handler, onError);
    handler({ kind: "stop" });
    return session;
  };
  await assertRejects(() =>
    startAsService(
      "Fake",
      (dispatch) => runLifecycle({ name: "Fake", dispatch, waitHintMs: 100, onError: fake.onError }, connect),
    )
  );
  assertEquals(fake.states(), ["start_pending", "stop_pending", "stopped"]);
});

Deno.test("on Linux SIGUSR2 is user control 128 when something answers it; SIGUSR1 is left to Deno's inspector", () => {
  const withUser = librarySignals(dispatchFor({ user_control: () => {} })).posix;
  assertEquals(Object.keys(withUser).sort(), ["SIGINT", "SIGTERM", "SIGUSR2"]);
  assertEquals(withUser.SIGUSR2, { kind: "user", code: 128 });
  assertEquals(Object.keys(librarySignals(dispatchFor({})).posix).sort(), ["SIGINT", "SIGTERM"]);
});

Deno.test("a pending report stops by itself once another state has been reported", async () => {
  const fake = fakeManager();
  let handler!: ControlHandler;
  const session = await fake.connect("Fake", (control) => handler(control), () => {});
  const pending = reportPending(session, { state: "start_pending", waitHintMs: 100 });
  await sleep(120);
  session.report({ state: "stopped" });
  const count = fake.reports.length;
  await sleep(120);
  pending.extend(1000);
  assertEquals(fake.reports.length, count);
  assertEquals(pending.state, "start_pending");
});

Deno.test("sd_notify: READY=1 once it runs (or waits throttled), STOPPING=1 when it stops, the timeout extended while pending", () => {
  assertEquals(notifyFields({ state: "start_pending", waitHintMs: 3000 }, true, false), [
    "STATUS=start pending",
    "EXTEND_TIMEOUT_USEC=3000000",
  ]);
  assertEquals(notifyFields({ state: "start_pending", waitHintMs: 3000 }, false, false), [
    "EXTEND_TIMEOUT_USEC=3000000",
  ]);
  assertEquals(notifyFields({ state: "running" }, true, false), ["READY=1", "STATUS=running"]);
  assertEquals(notifyFields({ state: "running" }, false, true), []);
  // A program that exited at once and waits for its restart: the service did start, once.
  assertEquals(notifyFields({ state: "paused", reason: "next start in 10 s" }, true, false), [
    "READY=1",
    "STATUS=paused: next start in 10 s",
  ]);
  assertEquals(notifyFields({ state: "running" }, true, true), ["STATUS=running"]);
  assertEquals(notifyFields({ state: "stop_pending", waitHintMs: 500 }, true, true), [
    "STOPPING=1",
    "STATUS=stop pending",
    "EXTEND_TIMEOUT_USEC=500000",
  ]);
  assertEquals(notifyFields({ state: "stopped", reason: "a callback\nfailed" }, true, false), [
    "STATUS=stopped: a callback failed",
  ]);
});

Deno.test("a session under systemd says READY=1 once: with the first PAUSED of a throttled host, not again once it runs", () => {
  const sent: string[][] = [];
  const session = connectSignals(
    "systemd",
    "web",
    {},
    () => "handled",
    () => {},
    () => {},
    (f) => sent.push(f),
  );
  session.report({ state: "start_pending", waitHintMs: 5000 });
  session.report({ state: "paused", reason: "the next start is due in 10 s" });
  session.report({ state: "start_pending", waitHintMs: 5000 });
  session.report({ state: "running" });
  session.report({ state: "stop_pending", waitHintMs: 1000 });
  session.report({ state: "stopped" });
  assertEquals(sent.flat().filter((field) => field === "READY=1").length, 1);
  assertEquals(sent[1], ["READY=1", "STATUS=paused: the next start is due in 10 s"]);
  assertEquals(sent[3], ["STATUS=running"]);
  assertOk(sent[4].includes("STOPPING=1"));
});

Deno.test("sd_notify's socket address: a path with its NUL, an abstract name without", () => {
  const path = unixAddress("/run/systemd/notify");
  assertEquals(path.length, 2 + 19 + 1);
  assertEquals([path.address[0], path.address[1], path.address[2]], [1, 0, "/".charCodeAt(0)]);
  const abstract = unixAddress("@/org/freedesktop/systemd1/notify/123");
  assertEquals(abstract.length, 2 + 37);
  assertEquals(abstract.address[2], 0);
});

Deno.test("a service installed by itself runs the compiled executable, or deno with run, its flags and the main module", () => {
  assertEquals(
    selfServiceCommand(
      {
        standalone: true,
        execPath: "C:\\apps\\worker.exe",
        mainModule: "file:///C:/src/main.ts",
        runFlags: [],
      },
      ["--port", "8080"],
    ),
    { program: "C:\\apps\\worker.exe", args: ["--port", "8080"] },
  );
  assertEquals(
    selfServiceCommand(
      {
        standalone: false,
        execPath: "/usr/bin/deno",
        mainModule: "file:///srv/worker/main%20loop.ts",
        runFlags: ["--allow-ffi", "--allow-read"],
      },
      ["/var/log/ticks.log"],
    ),
    {
      program: "/usr/bin/deno",
      args: ["run", "--allow-ffi", "--allow-read", "/srv/worker/main loop.ts", "/var/log/ticks.log"],
    },
  );
});
