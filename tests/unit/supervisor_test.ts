import { assertEquals, assertOk } from "../assert.ts";
import { eventually, sleep } from "../helpers.ts";
import { defaultSpec, type ServiceSpec } from "../../service/spec.ts";
import {
  type Effect,
  initialState,
  type SupervisorEvent,
  type SupervisorOptions,
  type SupervisorState,
  transition,
} from "../../host/supervisor.ts";
import { HostExitCode, KILL_WAIT_MS } from "../../service/vocabulary.ts";
import { stopSteps } from "../../service/timing.ts";
import { restartDelayMs, throttleDelayMs } from "../../host/throttle.ts";
import { statusReporter } from "../../protocol/pending.ts";
import { nextCheckpoint, type ServiceSession, type StatusReport } from "../../protocol/session.ts";

const windowsMethods = ["interrupt", "close", "quit", "kill"] as const;

function options(change: (spec: ServiceSpec) => void = () => {}): SupervisorOptions {
  const spec = defaultSpec("demo", "/bin/demo");
  change(spec);
  return { spec, methods: windowsMethods };
}

/** Drives the machine as the host would, answering every synchronous hook with exit code 0 at once. */
class Driver {
  state: SupervisorState = initialState();
  effects: Effect[] = [];
  /** Each hook run, with NSSM_THROTTLE_COUNT as it would read then. */
  hooks: string[] = [];
  constructor(readonly options: SupervisorOptions, public now = 0) {}

  send(event: SupervisorEvent) {
    const { state, effects, answer } = transition(this.state, event, this.options);
    this.state = state;
    this.effects.push(...effects);
    for (const effect of effects) {
      if (effect.kind === "hook") this.hooks.push(`${effect.event} ${state.hookThrottleCount}`);
      if (
        effect.kind === "hook" && ["Start/Pre", "Stop/Pre", "Exit/Post", "Rotate/Pre"].includes(effect.event)
      ) {
        this.send({ kind: "hook_done", event: effect.event, exitCode: 0, now: this.now });
      }
    }
    return answer;
  }
  start() {
    this.send({ kind: "start", now: this.now });
    this.send({ kind: "launched", pid: 100, now: this.now });
  }
  /** The program runs for `ms` (outliving AppThrottle on the way, if it does), then exits with `code`. */
  runFor(ms: number, code = 1) {
    const end = this.now + ms;
    const due = this.state.deadline;
    if (this.state.phase.kind === "running" && due !== undefined && due <= end) {
      this.now = due;
      this.send({ kind: "deadline", now: due });
    }
    this.now = end;
    this.send({ kind: "exited", code, now: this.now });
  }
  /** Lets the one timer fire, if any, and relaunches when a launch was asked for. */
  waitOut() {
    if (this.state.deadline === undefined) return;
    this.now = this.state.deadline;
    this.send({ kind: "deadline", now: this.now });
  }
  launchIfAsked(pid = 101) {
    if (this.state.phase.kind === "launching") this.send({ kind: "launched", pid, now: this.now });
  }
  take() {
    const effects = this.effects;
    this.effects = [];
    return effects;
  }
  reports() {
    return this.take().filter((e) => e.kind === "report").map((e) => (e as { state: string }).state);
  }
}

Deno.test("the throttle waits are 0, 2, 4, 8 … seconds, capped at 256, and restart delay is a floor", () => {
  assertEquals([1, 2, 3, 4, 5, 9, 10, 30].map(throttleDelayMs), [
    0,
    2000,
    4000,
    8000,
    16000,
    256000,
    256000,
    256000,
  ]);
  assertEquals(restartDelayMs(0, 5000), 5000);
  assertEquals(restartDelayMs(3, 1000), 4000);
  assertEquals(restartDelayMs(3, 9000), 9000);
});

Deno.test("a program that dies at once is restarted after 0, 2, 4, 8 s, and the service shows PAUSED between", () => {
  const driver = new Driver(options());
  driver.start();
  const starts: number[] = [driver.now];
  for (let i = 0; i < 5; i++) {
    driver.runFor(100);
    driver.waitOut();
    driver.launchIfAsked();
    starts.push(driver.now);
  }
  const gaps = starts.slice(1).map((at, i) => at - starts[i] - 100);
  assertEquals(gaps, [0, 2000, 4000, 8000, 16000]);
  assertOk(driver.reports().includes("paused"), "PAUSED is reported while throttled");
  assertEquals(driver.state.counters.started, 6);
});

Deno.test("a run at least AppThrottle long resets the throttle: the next restart is immediate", () => {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(100);
  driver.launchIfAsked();
  driver.runFor(100);
  assertEquals(driver.state.phase.kind, "throttled");
  driver.waitOut();
  driver.launchIfAsked();
  driver.runFor(60_000); // a long, healthy run
  assertEquals(driver.state.phase.kind, "launching", "restarted at once, with no wait");
});

Deno.test("continue while throttled starts the program at once and resets the count", () => {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(10);
  driver.launchIfAsked();
  driver.runFor(10);
  assertEquals(driver.state.phase.kind, "throttled");
  driver.take();
  assertEquals(driver.send({ kind: "control", control: "continue", now: driver.now }), "handled");
  assertEquals(driver.state.phase.kind, "launching");
  assertEquals(driver.state.throttleCount, 0);
  assertOk(driver.reports().includes("continue_pending"));
});

Deno.test("pause of a running program is refused, as NSSM refuses it", () => {
  const driver = new Driver(options());
  driver.start();
  assertEquals(driver.send({ kind: "control", control: "pause", now: 0 }), "not_implemented");
  assertEquals(driver.state.phase.kind, "running");
});

/** The effects of a second short run (exit code 3 after 0.25 s): the program is throttled, PAUSED. */
function throttledOnce(): Effect[] {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(100, 3);
  driver.launchIfAsked();
  driver.take();
  driver.runFor(250, 3);
  return driver.take();
}

Deno.test("the PAUSED report says which exit code after how long, and when the next start is due", () => {
  const paused = throttledOnce().find((e) => e.kind === "report" && e.state === "paused");
  const reason = (paused as { reason?: string }).reason ?? "";
  assertOk(reason.includes("code 3") && reason.includes("0.3 s") && reason.includes("in 2.0 s"), reason);
  assertOk(reason.includes("continue"), reason);
});

Deno.test("the reason for PAUSED goes to the error log too, as a warning", () => {
  const line = throttledOnce().find((e) => e.kind === "log" && e.message.includes("next start is due"));
  assertEquals(line && line.kind === "log" && [line.level, line.errorLog], ["warning", true]);
});

Deno.test("AppExit Ignore leaves the service running without the program", () => {
  const driver = new Driver(options((spec) => spec.exit.default = "ignore"));
  driver.start();
  driver.take();
  driver.runFor(5000, 2);
  assertEquals(driver.state.phase.kind, "gone");
  assertOk(!driver.take().some((e) => e.kind === "launch" || (e.kind === "report" && e.state !== "running")));
});

Deno.test("AppExit Exit stops the service with the program's code as its service-specific code", () => {
  const driver = new Driver(options((spec) => spec.exit.codes["4"] = "exit"));
  driver.start();
  driver.runFor(5000, 4);
  const effects = driver.take();
  const stopped = effects.find((e) => e.kind === "report" && e.state === "stopped");
  assertEquals((stopped as { exitCode?: unknown }).exitCode, { kind: "service_specific", code: 4 });
  assertOk(effects.some((e) => e.kind === "exit_host" && e.code === 4 && !e.suicide));
});

Deno.test("AppExit Suicide ends the host without reporting STOPPED, so recovery actions fire", () => {
  const driver = new Driver(options((spec) => spec.exit.default = "suicide"));
  driver.start();
  driver.runFor(5000, 6);
  const effects = driver.take();
  assertOk(!effects.some((e) => e.kind === "report" && e.state === "stopped"));
  assertOk(effects.some((e) => e.kind === "exit_host" && e.suicide && e.code === 6));
});

Deno.test("Suicide as the default only is not honoured for exit code 0: the service stops gracefully", () => {
  const driver = new Driver(options((spec) => spec.exit.default = "suicide"));
  driver.start();
  driver.runFor(5000, 0);
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "report" && e.state === "stopped"));
  assertOk(effects.some((e) => e.kind === "exit_host" && !e.suicide && e.code === 0));
});

Deno.test("stop escalates Ctrl-C, WM_CLOSE, WM_QUIT, TerminateProcess, each after its timeout", () => {
  const driver = new Driver(options((spec) => spec.stop.windowMs = 700));
  driver.start();
  driver.take();
  driver.send({ kind: "control", control: "stop", now: 0 });
  const sent: [string, number][] = [];
  for (let i = 0; i < 4; i++) {
    for (const effect of driver.take()) {
      if (effect.kind === "stop_method") sent.push([effect.method, driver.now]);
    }
    driver.waitOut();
  }
  assertEquals(sent, [["interrupt", 0], ["close", 1500], ["quit", 2200], ["kill", 3700]]);
});

Deno.test("AppStopMethodSkip 5 skips Ctrl-C and WM_QUIT", () => {
  assertEquals(
    stopSteps(options((spec) => spec.stop.skip = 5)).map((step) => step.method),
    ["close", "kill"],
  );
});

Deno.test("a stop method that reaches nothing moves on at once, and the exit ends the stop as STOPPED", () => {
  const driver = new Driver(options());
  driver.start();
  driver.send({ kind: "control", control: "stop", now: 0 });
  driver.send({ kind: "stop_method_undelivered", now: 10 });
  assertEquals(driver.state.phase.kind === "stopping" && driver.state.phase.step, 1);
  driver.take();
  driver.runFor(50, 0);
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "report" && e.state === "stopped"));
  assertOk(!effects.some((e) => e.kind === "launch"), "a stopped service does not restart");
});

Deno.test("a kill that reaches nobody waits for the exit on its way: a program that ended on its own is STOPPED cleanly", () => {
  const driver = new Driver(options());
  driver.start();
  driver.send({ kind: "control", control: "stop", now: 0 });
  // Ctrl-C, WM_CLOSE and WM_QUIT reach nobody (the program is ending already), then the kill neither.
  for (let step = 0; step < 4; step++) driver.send({ kind: "stop_method_undelivered", now: 10 });
  assertEquals(
    driver.state.phase.kind === "stopping" && driver.state.phase.step,
    3,
    "still waiting, at the kill",
  );
  driver.take();
  driver.runFor(5, 0);
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "report" && e.state === "stopped"));
  assertOk(!effects.some((e) => e.kind === "log" && e.level === "error"), "no 'did not exit' error");
  assertEquals(driver.state.outcome?.hostExitCode, 0);
});

Deno.test("the stop wait hint covers the whole escalation", () => {
  const driver = new Driver(options());
  driver.start();
  driver.take();
  driver.send({ kind: "control", control: "stop", now: 0 });
  const first = driver.take().find((e) => e.kind === "report" && e.state === "stop_pending");
  assertOk((first as { waitHintMs: number }).waitHintMs >= 1500 * 3 + 3000);
});

Deno.test("once shutdown has begun, a program that exits is not restarted", () => {
  const driver = new Driver(options());
  driver.start();
  driver.send({ kind: "control", control: "preshutdown", now: 0 });
  driver.runFor(10, 1);
  assertEquals(driver.state.phase.kind, "stopped");
  assertOk(!driver.take().some((e) => e.kind === "launch" && driver.state.counters.started > 1));
});

Deno.test("a stop while throttled ends the wait and reports STOPPED at once", () => {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(10);
  driver.launchIfAsked();
  driver.runFor(10);
  driver.take();
  driver.send({ kind: "control", control: "stop", now: driver.now });
  assertEquals(driver.state.phase.kind, "stopped");
  assertEquals(driver.state.deadline, undefined);
});

Deno.test("a Start/Pre hook exiting 99 aborts the start; Exit/Post runs, as NSSM's, then STOPPED 252", () => {
  const supervisorOptions = options();
  let state = transition(initialState(), { kind: "start", now: 0 }, supervisorOptions).state;
  const aborted = transition(
    state,
    { kind: "hook_done", event: "Start/Pre", exitCode: 99, now: 0 },
    supervisorOptions,
  );
  state = aborted.state;
  assertOk(!aborted.effects.some((e) => e.kind === "launch"));
  assertOk(aborted.effects.some((e) => e.kind === "log" && e.level === "error" && /99/.test(e.message)));
  assertOk(aborted.effects.some((e) => e.kind === "hook" && e.event === "Exit/Post"));
  assertOk(aborted.effects.some((e) => e.kind === "report" && e.state === "stop_pending"));
  assertEquals(state.counters.exits, 1, "NSSM_EXIT_COUNT is 1 in that Exit/Post");
  const { effects } = transition(
    state,
    { kind: "hook_done", event: "Exit/Post", exitCode: 0, now: 10 },
    supervisorOptions,
  );
  const stopped = effects.find((e) => e.kind === "report" && e.state === "stopped");
  assertEquals((stopped as { exitCode?: unknown }).exitCode, {
    kind: "service_specific",
    code: HostExitCode.startAborted,
  });
  assertOk(effects.some((e) => e.kind === "exit_host" && e.code === HostExitCode.startAborted));
});

Deno.test("a program that can't be started stops the service with the reason, not a restart loop", () => {
  const driver = new Driver(options());
  driver.send({ kind: "start", now: 0 });
  driver.take();
  driver.send({ kind: "launch_failed", message: "cannot start /bin/demo: no such program", now: 0 });
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "log" && e.level === "error" && e.message.includes("/bin/demo")));
  assertOk(effects.some((e) => e.kind === "exit_host" && e.code === HostExitCode.launchFailed));
});

Deno.test("the restart budget, once spent, stops the service so the service manager's recovery takes over", () => {
  const driver = new Driver(options((spec) => spec.restartBudget = { restarts: 2, seconds: 60 }));
  driver.start();
  driver.runFor(5000);
  driver.launchIfAsked();
  driver.runFor(5000);
  driver.launchIfAsked();
  driver.take();
  driver.runFor(5000);
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "exit_host" && e.code === HostExitCode.restartBudgetSpent));
});

Deno.test("hooks run in NSSM's order through a crash and a stop", () => {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(5000);
  driver.launchIfAsked();
  driver.send({ kind: "control", control: "stop", now: driver.now });
  driver.runFor(10, 0);
  const hooks = driver.take().filter((e) => e.kind === "hook").map((e) => (e as { event: string }).event);
  // The second run is stopped before it outlived AppThrottle: no Start/Post, as NSSM's.
  assertEquals(hooks, [
    "Start/Pre",
    "Start/Post",
    "Exit/Post",
    "Start/Pre",
    "Stop/Pre",
    "Exit/Post",
  ]);
});

Deno.test("Start/Post runs once the program has outlived AppThrottle, and never for one that dies at once", () => {
  const driver = new Driver(options((spec) => spec.throttleMs = 1500));
  driver.start();
  assertOk(!driver.take().some((e) => e.kind === "hook" && e.event === "Start/Post"), "not at launch");
  driver.runFor(100);
  assertOk(!driver.take().some((e) => e.kind === "hook" && e.event === "Start/Post"), "not for a short run");
  driver.launchIfAsked();
  driver.runFor(60_000);
  assertOk(driver.take().some((e) => e.kind === "hook" && e.event === "Start/Post"));
});

Deno.test("NSSM_THROTTLE_COUNT counts as NSSM's: 1 at each Start/Pre, 0 at Start/Post, k+1 after k short runs", () => {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(5000); // outlives AppThrottle
  driver.launchIfAsked();
  driver.runFor(100); // dies at once
  driver.launchIfAsked();
  driver.runFor(100); // again: the next start is throttled
  driver.waitOut();
  driver.launchIfAsked();
  driver.send({ kind: "control", control: "stop", now: driver.now + 100 });
  driver.runFor(200, 0);
  assertEquals(driver.hooks, [
    "Start/Pre 1",
    "Start/Post 0",
    "Exit/Post 0",
    "Start/Pre 1",
    "Exit/Post 1",
    "Start/Pre 2",
    "Exit/Post 2",
    "Start/Pre 3",
    "Stop/Pre 3",
    "Exit/Post 3",
  ]);
});

Deno.test("rotate and power events are taken while running", () => {
  const driver = new Driver(options());
  driver.start();
  driver.take();
  assertEquals(driver.send({ kind: "control", control: "rotate", now: 0 }), "handled");
  assertEquals(driver.send({ kind: "control", control: "power_resume", now: 0 }), "handled");
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "rotate"));
  assertOk(effects.some((e) => e.kind === "hook" && e.event === "Power/Resume"));
});

/** A service session that records what the service manager would see, checkpoints counted as the SCM's. */
function fakeSession() {
  const seen: { state: string; checkpoint: number; waitHintMs: number }[] = [];
  let last: StatusReport | undefined;
  let checkpoint = 0;
  const session: ServiceSession = {
    kind: "scm",
    name: "demo",
    args: [],
    closed: Promise.resolve(),
    get last() {
      return last;
    },
    report(status) {
      checkpoint = nextCheckpoint(last, checkpoint, status.state);
      last = status;
      seen.push({ state: status.state, checkpoint, waitHintMs: status.waitHintMs ?? 0 });
    },
  };
  return { session, seen };
}

Deno.test("while a Start/Pre hook runs, START_PENDING's checkpoint rises and its hint covers the hook", async () => {
  const supervisorOptions = options((spec) => {
    spec.hooks["Start/Pre"] = "sleep 30";
    spec.hookDeadlineMs = 20_000;
  });
  const { effects } = transition(initialState(), { kind: "start", now: 0 }, supervisorOptions);
  assertOk(effects.some((e) => e.kind === "hook" && e.event === "Start/Pre"));
  const pending = effects.find((e) => e.kind === "report")!;
  assertOk(pending.kind === "report" && pending.state === "start_pending");
  const { session, seen } = fakeSession();
  const report = statusReporter(session, { maxIntervalMs: 20 });
  report({ state: pending.state, waitHintMs: pending.waitHintMs });
  await eventually(() => seen.length, (count) => count >= 3);
  report({ state: "running" });
  const count = seen.length;
  await sleep(100);
  assertEquals(seen.length, count, "nothing more once RUNNING is reported");
  const starting = seen.slice(0, -1);
  assertEquals(starting.map((s) => s.checkpoint), starting.map((_, i) => i + 1));
  assertOk(starting.every((s) => s.state === "start_pending" && s.waitHintMs >= 20_000));
  assertEquals(seen.at(-1), { state: "running", checkpoint: 0, waitHintMs: 0 });
});

Deno.test("a stop control: the program is sent the first stop method before the service manager hears STOP_PENDING for it", () => {
  const driver = new Driver(options());
  driver.start();
  driver.effects = [];
  driver.send({ kind: "control", control: "stop", now: 5000 });
  // Each report is a round trip to the SCM (about a millisecond under Wine): the program hears Ctrl-C first.
  const kinds = driver.effects.map((effect) =>
    effect.kind === "report" ? `report ${effect.state}` : effect.kind
  );
  assertEquals(kinds, ["report stop_pending", "hook", "stop_method", "report stop_pending"]);
  const method = driver.effects.find((effect) => effect.kind === "stop_method");
  assertOk(method?.kind === "stop_method" && method.method === "interrupt");
});

Deno.test("once the program has exited during a stop, STOP_PENDING's hint covers the Exit/Post hook", () => {
  const supervisorOptions = options((spec) => {
    spec.hooks["Exit/Post"] = "sleep 30";
    spec.hookDeadlineMs = 30_000;
  });
  let state = initialState();
  const send = (event: SupervisorEvent) => {
    const result = transition(state, event, supervisorOptions);
    state = result.state;
    return result.effects;
  };
  send({ kind: "start", now: 0 });
  send({ kind: "hook_done", event: "Start/Pre", exitCode: 0, now: 0 });
  send({ kind: "launched", pid: 100, now: 0 });
  send({ kind: "control", control: "stop", now: 5000 });
  send({ kind: "hook_done", event: "Stop/Pre", exitCode: 0, now: 5000 });
  // Ctrl-C worked at once: the escalation's hint is no longer the point, Exit/Post's deadline is.
  const effects = send({ kind: "exited", code: 0, now: 5100 });
  const pending = effects.find((e) => e.kind === "report");
  assertOk(pending?.kind === "report" && pending.state === "stop_pending" && pending.waitHintMs >= 30_000);
  assertOk(effects.some((e) => e.kind === "hook" && e.event === "Exit/Post"));
  const done = send({ kind: "hook_done", event: "Exit/Post", exitCode: 0, now: 20_000 });
  assertOk(done.some((e) => e.kind === "report" && e.state === "stopped"));
});

Deno.test("the run's start and exit times are kept for Exit/Post, and a new start has no run yet", () => {
  const driver = new Driver(options((spec) => spec.exit.default = "restart"));
  driver.now = 1_000;
  driver.start();
  assertEquals(driver.state.run, { startedAt: 1_000 });
  driver.now = 3_978;
  // What Exit/Post is told: the run that just ended, as NSSM's APPLICATION_RUNTIME (2978 ms here).
  const { state } = transition(driver.state, { kind: "exited", code: 3, now: 3_978 }, driver.options);
  assertEquals(state.run, { startedAt: 1_000, exitedAt: 3_978 });
  assertEquals(state.lastExit, { code: 3, runtimeMs: 2_978 });
  driver.send({ kind: "exited", code: 3, now: 3_978 });
  // Restarted at once (a run past AppThrottle): the next Start/Pre's start has no run.
  assertEquals(driver.state.phase.kind, "launching");
  assertEquals(driver.state.run, undefined);
});

Deno.test("each report names the controls taken: stop and power while running, continue only while throttled", () => {
  const driver = new Driver(options());
  driver.start();
  driver.runFor(10);
  driver.launchIfAsked();
  driver.runFor(10);
  const accepts = Object.fromEntries(
    driver.take().flatMap((e) => e.kind === "report" ? [[e.state, e.accepts]] : []),
  );
  assertEquals(accepts, {
    start_pending: [],
    running: ["stop", "shutdown", "preshutdown", "power_event"],
    paused: ["stop", "shutdown", "preshutdown", "power_event", "pause_continue"],
  });
  driver.send({ kind: "control", control: "stop", now: driver.now });
  const stopped = driver.take().find((e) => e.kind === "report" && e.state === "stopped");
  assertEquals(stopped?.kind === "report" && stopped.accepts, []);
});

/** A running program (pid 100) whose host fails at 5 s. */
function failedWhileRunning() {
  const driver = new Driver(options());
  driver.start();
  driver.now = 5_000;
  driver.take();
  driver.send({
    kind: "failed",
    reason: "internal error: disk gone — the service is stopped",
    now: driver.now,
  });
  return driver;
}

Deno.test("a host that fails kills the program's tree first and reports STOPPED 254 once it has exited", () => {
  const driver = failedWhileRunning();
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "stop_method" && e.method === "kill" && e.tree));
  assertOk(
    !effects.some((e) => e.kind === "report" || e.kind === "exit_host"),
    "not STOPPED before the kill",
  );
  driver.now = 5_020;
  driver.send({ kind: "exited", code: 137, now: driver.now });
  const end = driver.take();
  const stopped = end.find((e) => e.kind === "report" && e.state === "stopped");
  assertEquals(stopped?.kind === "report" && [stopped.exitCode, stopped.reason], [
    { kind: "service_specific", code: HostExitCode.internal },
    "internal error: disk gone — the service is stopped",
  ]);
  assertOk(end.some((e) => e.kind === "exit_host" && e.code === HostExitCode.internal));
  assertOk(!end.some((e) => e.kind === "hook"), "no Exit/Post, no restart after a failure");
  assertEquals(driver.state.outcome?.hostExitCode, HostExitCode.internal);
});

Deno.test("a failed host whose kill is not answered by an exit still reports STOPPED 254 after the kill wait", () => {
  const driver = failedWhileRunning();
  driver.take();
  assertEquals(driver.state.deadline, 5_000 + KILL_WAIT_MS);
  driver.send({ kind: "deadline", now: 5_000 + KILL_WAIT_MS - 1 });
  assertEquals(driver.take(), [], "not before the kill wait is over");
  driver.waitOut();
  assertOk(driver.take().some((e) => e.kind === "exit_host" && e.code === HostExitCode.internal));
});

Deno.test("a failed host whose kill reaches nobody (the program is gone) reports STOPPED 254 at once", () => {
  const driver = failedWhileRunning();
  driver.take();
  driver.send({ kind: "stop_method_undelivered", now: 5_001 });
  assertOk(driver.take().some((e) => e.kind === "exit_host" && e.code === HostExitCode.internal));
});

Deno.test("a host that fails with no program running reports STOPPED 254 at once, and hears nothing after", () => {
  const driver = new Driver(options());
  driver.send({ kind: "start", now: 0 });
  driver.take();
  // Start/Pre is done, the launch under way: the host fails before the program is there.
  driver.send({ kind: "failed", reason: "internal error: x", now: 10 });
  assertOk(driver.take().some((e) => e.kind === "exit_host" && e.code === HostExitCode.internal));
  for (
    const event of [
      { kind: "launched", pid: 7, now: 20 },
      { kind: "control", control: "continue", now: 20 },
      { kind: "deadline", now: 99_999 },
      { kind: "failed", reason: "again", now: 30 },
    ] as SupervisorEvent[]
  ) driver.send(event);
  assertEquals(driver.take(), []);
  assertEquals(driver.state.phase.kind, "stopped");
});

// Health checks and scheduled restarts (issue 15): the checks' timers and results are events, as a host
// carrying out the effects would send them.

function withHealth(change: Partial<NonNullable<ServiceSpec["health"]>> = {}) {
  return options((spec) => {
    spec.health = {
      check: "http://127.0.0.1:8080/health",
      intervalMs: 10_000,
      timeoutMs: 3_000,
      retries: 3,
      startMs: 0,
      action: "restart",
      ...change,
    };
  });
}

/** Lets the health timer fire and answers the check it asks for: `undefined` for ok, else why it failed. */
function check(driver: Driver, failure?: string): Effect[] {
  const due = driver.state.health?.due;
  if (due === undefined) throw new Error("no check is due");
  driver.now = due;
  driver.take();
  driver.send({ kind: "timer", timer: "health", now: due });
  const asked = driver.take().find((e) => e.kind === "health_check");
  if (asked?.kind !== "health_check") throw new Error("the timer asked for no check");
  driver.send({
    kind: "health_result",
    run: asked.run,
    ok: failure === undefined,
    why: failure,
    now: due + 5,
  });
  return driver.take();
}

const healthLines = (effects: Effect[]) =>
  effects.flatMap((e) => e.kind === "log" && e.message.startsWith("health check") ? [e.message] : []);

Deno.test("health: failures within the grace after a start don't count; the first one after it does", () => {
  const driver = new Driver(withHealth({ startMs: 30_000, retries: 1 }));
  driver.start();
  assertEquals(driver.state.health?.status, "starting");
  for (let i = 0; i < 2; i++) assertEquals(healthLines(check(driver, "HTTP 503")), []);
  assertEquals(driver.state.health?.status, "starting");
  assertEquals(driver.state.phase.kind, "running");
  const effects = check(driver, "HTTP 503"); // at 30 s: the grace is over
  assertEquals(driver.state.health?.status, "unhealthy");
  assertEquals(healthLines(effects).length, 1);
});

Deno.test("health: unhealthy after `retries` failures in a row: one error line naming how, the hook, a graceful stop", () => {
  const driver = new Driver(withHealth());
  driver.start();
  assertEquals(healthLines(check(driver, "HTTP 500")), []);
  assertEquals(healthLines(check(driver, "connection refused")), []);
  assertEquals(driver.state.health?.status, "starting");
  const effects = check(driver, "HTTP 500");
  assertEquals(driver.state.health?.status, "unhealthy");
  const lines = effects.filter((e) => e.kind === "log" && e.level === "error");
  assertEquals(lines.length, 1);
  assertOk(
    lines[0].kind === "log" &&
      /http:\/\/127\.0\.0\.1:8080\/health failed 3 times.*HTTP 500.*restarting/.test(lines[0].message),
    JSON.stringify(lines),
  );
  assertOk(effects.some((e) => e.kind === "hook" && e.event === "Health/Unhealthy"));
  assertOk(effects.some((e) => e.kind === "stop_method" && e.method === "interrupt"), "the usual escalation");
  assertEquals(driver.state.trigger, "health", "Stop/Pre's trigger says why");
  // The service stays RUNNING to the service manager: only the program restarts.
  assertEquals(effects.filter((e) => e.kind === "report"), []);
});

Deno.test("health: a success between failures starts the count again", () => {
  const driver = new Driver(withHealth());
  driver.start();
  check(driver, "timeout after 3.0 s");
  check(driver, "timeout after 3.0 s");
  assertEquals(healthLines(check(driver)), ["health check http://127.0.0.1:8080/health: healthy"]);
  check(driver, "timeout after 3.0 s");
  check(driver, "timeout after 3.0 s");
  assertEquals(driver.state.health?.status, "healthy");
  assertEquals(driver.state.phase.kind, "running");
});

Deno.test("health: action none only says so, keeps checking, and says when it is healthy again", () => {
  const driver = new Driver(withHealth({ action: "none", retries: 2 }));
  driver.start();
  const lines: string[] = [];
  lines.push(...healthLines(check(driver)));
  for (let i = 0; i < 4; i++) lines.push(...healthLines(check(driver, "exit code 2")));
  assertEquals(driver.state.phase.kind, "running", "not stopped");
  assertEquals(driver.state.health?.status, "unhealthy");
  lines.push(...healthLines(check(driver)));
  assertEquals(lines.length, 3, "one line per change of health: " + JSON.stringify(lines));
  assertOk(/failed 2 times in a row \(last: exit code 2\): unhealthy$/.test(lines[1]), lines[1]);
  assertOk(lines[2].endsWith("healthy again"), lines[2]);
});

Deno.test("health: checks never overlap — no check is asked while one is in flight, and a late answer of an earlier run is ignored", () => {
  const driver = new Driver(withHealth({ retries: 1 }));
  driver.start();
  const due = driver.state.health!.due!;
  driver.now = due;
  driver.take();
  driver.send({ kind: "timer", timer: "health", now: due });
  driver.send({ kind: "timer", timer: "health", now: due + 20_000 });
  assertEquals(driver.take().filter((e) => e.kind === "health_check").length, 1);
  driver.send({ kind: "health_result", run: 0, ok: false, why: "HTTP 500", now: due + 1 });
  assertEquals(driver.state.health?.status, "starting", "an answer for another run counts for nothing");
  assertEquals(driver.state.phase.kind, "running");
});

Deno.test("health: the restart of an unhealthy program is counted, throttled, and budgeted as any exit, whatever AppExit says", () => {
  const driver = new Driver(withHealth({ retries: 1, intervalMs: 200 }));
  driver.options.spec.exit.default = "exit";
  driver.options.spec.restartBudget = { restarts: 2, seconds: 60 };
  driver.start();
  const unhealthyThenExit = () => {
    check(driver, "HTTP 500");
    assertEquals(driver.state.phase.kind, "stopping");
    driver.now += 50;
    driver.send({ kind: "exited", code: 0, now: driver.now });
  };
  unhealthyThenExit();
  assertEquals(driver.state.phase.kind, "launching", "restarted at once the first time");
  driver.launchIfAsked(101);
  assertEquals(driver.state.counters.started, 2);
  unhealthyThenExit();
  assertEquals(driver.state.phase.kind, "throttled", "a run shorter than AppThrottle: throttled");
  assertOk(driver.reports().includes("paused"));
  driver.waitOut();
  driver.launchIfAsked(102);
  unhealthyThenExit();
  assertEquals(driver.state.phase.kind, "stopped", "the restart budget is spent");
  assertEquals(driver.state.outcome?.hostExitCode, HostExitCode.restartBudgetSpent);
});

Deno.test("health: a stop while the unhealthy program is being stopped stops the service instead", () => {
  const driver = new Driver(withHealth({ retries: 1 }));
  driver.start();
  check(driver, "HTTP 500");
  assertEquals(driver.send({ kind: "control", control: "stop", now: driver.now }), "handled");
  assertOk(driver.reports().includes("stop_pending"));
  driver.send({ kind: "exited", code: 0, now: driver.now + 10 });
  assertEquals(driver.state.phase.kind, "stopped");
});

Deno.test("scheduled restart: every N ms, a graceful stop with trigger scheduled, then a start without throttling", () => {
  const driver = new Driver(options((spec) => spec.restartEveryMs = 2_000));
  driver.start();
  const timer = driver.take().find((e) => e.kind === "timer" && e.timer === "restart");
  assertEquals(timer, { kind: "timer", timer: "restart", at: 2_000 });
  driver.now = 1_999;
  driver.send({ kind: "timer", timer: "restart", now: driver.now });
  assertEquals(driver.state.phase.kind, "running", "not before it is due");
  driver.now = 2_000;
  driver.send({ kind: "timer", timer: "restart", now: driver.now });
  const effects = driver.take();
  assertOk(effects.some((e) => e.kind === "log" && e.message.startsWith("scheduled restart (every 2.0 s)")));
  assertEquals(driver.state.trigger, "scheduled");
  assertOk(driver.hooks.some((hook) => hook.startsWith("Stop/Pre")));
  assertEquals(effects.filter((e) => e.kind === "report"), [], "the service stays RUNNING");
  driver.now = 2_100;
  driver.send({ kind: "exited", code: 1, now: driver.now });
  assertEquals(driver.state.phase.kind, "launching");
  driver.launchIfAsked();
  assertEquals(driver.state.counters.started, 2);
  assertEquals(driver.take().find((e) => e.kind === "timer" && e.timer === "restart"), {
    kind: "timer",
    timer: "restart",
    at: 4_100,
  });
});

Deno.test("scheduled restart: at a local time of day, and never during a stop or a shutdown", () => {
  const start = new Date(2026, 0, 1, 2, 59).getTime();
  const driver = new Driver(options((spec) => spec.restartAt = "03:00,15:00"), start);
  driver.start();
  const at = new Date(2026, 0, 1, 3, 0).getTime();
  assertEquals(driver.take().find((e) => e.kind === "timer" && e.timer === "restart"), {
    kind: "timer",
    timer: "restart",
    at,
  });
  driver.send({ kind: "control", control: "shutdown", now: at - 10 });
  driver.send({ kind: "timer", timer: "restart", now: at });
  assertOk(!driver.take().some((e) => e.kind === "log" && e.message.startsWith("scheduled restart")));
  assertEquals(driver.state.restarting, undefined);
  driver.send({ kind: "exited", code: 0, now: at + 10 });
  assertEquals(driver.state.phase.kind, "stopped");
});
