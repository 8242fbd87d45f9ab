import { assertEquals } from "../assert.ts";
import { hookEnvironment, type HookFacts, hookVariableNames } from "../../host/hooks.ts";

const base: HookFacts = {
  exe: "C:\\tools\\servitor.exe",
  serviceName: "web",
  displayName: "Web server",
  commandLine: '"C:\\web\\server.exe" --port 80',
  counters: { startRequested: 1, started: 0, throttled: 1, exits: 0 },
  hostStartedAt: 1_000_000,
  now: 1_000_055,
  hostPid: 404,
  version: "0.1.0",
  buildDate: "2026-11-25",
};

/** Only the NSSM_* half, without the prefix, for comparing with NSSM's own dumps. */
function nssmValues(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).filter(([name]) => name.startsWith("NSSM_")).map((
      [name, value],
    ) => [name.slice(5), value]),
  );
}

const fixed = {
  HOOK_VERSION: "1",
  EXE: "C:\\tools\\servitor.exe",
  CONFIGURATION: "64-bit",
  VERSION: "0.1.0",
  BUILD_DATE: "2026-11-25",
  PID: "404",
  SERVICE_NAME: "web",
  SERVICE_DISPLAYNAME: "Web server",
  COMMAND_LINE: '"C:\\web\\server.exe" --port 80',
};

Deno.test("a Start/Pre hook sees what NSSM shows before the program's first start", () => {
  const environment = hookEnvironment("Start/Pre", { ...base, lastControl: undefined }, 20_000);
  assertEquals(nssmValues(environment), {
    ...fixed,
    DEADLINE: "20000",
    APPLICATION_PID: "",
    EVENT: "Start",
    ACTION: "Pre",
    TRIGGER: "START",
    LAST_CONTROL: "START",
    START_REQUESTED_COUNT: "1",
    START_COUNT: "0",
    THROTTLE_COUNT: "1",
    EXIT_COUNT: "0",
    EXITCODE: "",
    RUNTIME: "55",
    APPLICATION_RUNTIME: "",
  });
});

Deno.test("every NSSM_ variable has a SERVITOR_ twin with the same value, for every event", () => {
  for (const event of ["Start/Post", "Stop/Pre", "Exit/Post", "Rotate/Pre", "Power/Resume"] as const) {
    const environment = hookEnvironment(event, {
      ...base,
      applicationPid: 456,
      applicationStartedAt: 1_000_010,
    }, 1);
    assertEquals(Object.keys(environment).length, hookVariableNames.length * 2);
    for (const name of hookVariableNames) {
      assertEquals(environment[`SERVITOR_${name}`], environment[`NSSM_${name}`], `${event} ${name}`);
      assertEquals(typeof environment[`NSSM_${name}`], "string", `${event} ${name}`);
    }
  }
});

Deno.test("a Start/Post hook sees the running program's pid and runtime, and no exit code", () => {
  const environment = hookEnvironment("Start/Post", {
    ...base,
    applicationPid: 456,
    applicationStartedAt: 1_000_100,
    now: 1_001_601,
    counters: { startRequested: 1, started: 1, throttled: 0, exits: 0 },
    trigger: "continue",
  }, 60_000);
  assertEquals(nssmValues(environment), {
    ...fixed,
    DEADLINE: "60000",
    APPLICATION_PID: "456",
    EVENT: "Start",
    ACTION: "Post",
    TRIGGER: "START",
    LAST_CONTROL: "START",
    START_REQUESTED_COUNT: "1",
    START_COUNT: "1",
    THROTTLE_COUNT: "0",
    EXIT_COUNT: "0",
    EXITCODE: "",
    RUNTIME: "1601",
    APPLICATION_RUNTIME: "1501",
  });
});

Deno.test("a Stop/Pre hook is triggered by STOP, or by SHUTDOWN when the system goes down", () => {
  const running = { ...base, applicationPid: 456, applicationStartedAt: 1_000_000 };
  const stop = hookEnvironment("Stop/Pre", { ...running, trigger: "stop", lastControl: "stop" }, 20_000);
  assertEquals(
    [stop.NSSM_EVENT, stop.NSSM_ACTION, stop.NSSM_TRIGGER, stop.NSSM_LAST_CONTROL, stop.NSSM_EXITCODE],
    ["Stop", "Pre", "STOP", "STOP", ""],
  );
  const shutdown = hookEnvironment(
    "Stop/Pre",
    { ...running, trigger: "shutdown", lastControl: "shutdown" },
    1,
  );
  assertEquals([shutdown.NSSM_TRIGGER, shutdown.NSSM_LAST_CONTROL], ["SHUTDOWN", "SHUTDOWN"]);
  const preshutdown = hookEnvironment("Stop/Pre", { ...running, trigger: "preshutdown" }, 1);
  assertEquals(preshutdown.SERVITOR_TRIGGER, "SHUTDOWN");
});

Deno.test("servitor's own restarts say why to Stop/Pre (SCHEDULED, HEALTH); Health/Unhealthy is triggered by HEALTH", () => {
  const running = { ...base, applicationPid: 456, applicationStartedAt: 1_000_000 };
  const scheduled = hookEnvironment("Stop/Pre", { ...running, trigger: "scheduled" }, 1);
  assertEquals([scheduled.NSSM_TRIGGER, scheduled.SERVITOR_TRIGGER, scheduled.NSSM_LAST_CONTROL], [
    "SCHEDULED",
    "SCHEDULED",
    "START",
  ]);
  assertEquals(hookEnvironment("Stop/Pre", { ...running, trigger: "health" }, 1).SERVITOR_TRIGGER, "HEALTH");
  const unhealthy = hookEnvironment("Health/Unhealthy", running, 1);
  assertEquals([unhealthy.SERVITOR_EVENT, unhealthy.SERVITOR_ACTION, unhealthy.SERVITOR_TRIGGER], [
    "Health",
    "Unhealthy",
    "HEALTH",
  ]);
});

Deno.test("an Exit/Post hook has a blank trigger and pid, the unsigned exit code and the run's length", () => {
  const environment = hookEnvironment("Exit/Post", {
    ...base,
    applicationStartedAt: 1_000_100,
    applicationExitedAt: 1_002_978,
    now: 1_003_156,
    exitCode: -1073741510, // STATUS_CONTROL_C_EXIT as a signed 32-bit number
    trigger: "stop",
    lastControl: "stop",
    counters: { startRequested: 1, started: 1, throttled: 0, exits: 1 },
  }, 60_000);
  assertEquals(nssmValues(environment), {
    ...fixed,
    DEADLINE: "60000",
    APPLICATION_PID: "",
    EVENT: "Exit",
    ACTION: "Post",
    TRIGGER: "",
    LAST_CONTROL: "STOP",
    START_REQUESTED_COUNT: "1",
    START_COUNT: "1",
    THROTTLE_COUNT: "0",
    EXIT_COUNT: "1",
    EXITCODE: "3221225786",
    RUNTIME: "3156",
    APPLICATION_RUNTIME: "2878",
  });
});

Deno.test("an Exit/Post hook after a start that never launched says exit code 0 and no runtime, as NSSM", () => {
  const environment = hookEnvironment(
    "Exit/Post",
    { ...base, counters: { ...base.counters, exits: 1 } },
    60_000,
  );
  assertEquals(
    [environment.NSSM_EXITCODE, environment.NSSM_APPLICATION_RUNTIME, environment.NSSM_APPLICATION_PID],
    ["0", "", ""],
  );
});

Deno.test("a Start/Pre hook before a restart has no exit code or runtime, though the program ran before", () => {
  const environment = hookEnvironment("Start/Pre", {
    ...base,
    exitCode: 3,
    applicationStartedAt: 1_000_000,
    applicationExitedAt: 1_002_000,
    counters: { startRequested: 2, started: 1, throttled: 1, exits: 1 },
  }, 20_000);
  assertEquals(
    [environment.NSSM_EXITCODE, environment.NSSM_APPLICATION_RUNTIME, environment.NSSM_TRIGGER],
    ["", "", "START"],
  );
  assertEquals(environment.NSSM_START_REQUESTED_COUNT, "2");
});

Deno.test("a Stop/Pre while the program is down shows its last exit code and run", () => {
  const environment = hookEnvironment("Stop/Pre", {
    ...base,
    exitCode: 3,
    applicationStartedAt: 1_000_000,
    applicationExitedAt: 1_000_597,
    now: 1_005_000,
  }, 20_000);
  assertEquals([environment.NSSM_EXITCODE, environment.NSSM_APPLICATION_RUNTIME], ["3", "597"]);
});

Deno.test("rotation and power hooks are triggered by ROTATE and POWEREVENT", () => {
  const rotate = hookEnvironment("Rotate/Pre", { ...base, trigger: "rotate", lastControl: "rotate" }, 1);
  assertEquals([rotate.NSSM_EVENT, rotate.NSSM_ACTION, rotate.NSSM_TRIGGER], ["Rotate", "Pre", "ROTATE"]);
  assertEquals(rotate.NSSM_LAST_CONTROL, "ROTATE");
  const post = hookEnvironment("Rotate/Post", base, 1);
  assertEquals([post.NSSM_ACTION, post.NSSM_TRIGGER], ["Post", "ROTATE"]);
  const change = hookEnvironment("Power/Change", { ...base, lastControl: "power" }, 1);
  assertEquals([change.NSSM_EVENT, change.NSSM_ACTION, change.NSSM_TRIGGER], [
    "Power",
    "Change",
    "POWEREVENT",
  ]);
  assertEquals(change.NSSM_LAST_CONTROL, "POWEREVENT");
  const resume = hookEnvironment("Power/Resume", { ...base, lastControl: "continue" }, 1);
  assertEquals([resume.NSSM_ACTION, resume.NSSM_LAST_CONTROL], ["Resume", "CONTINUE"]);
});

Deno.test("the host's own pid and a blank version and build date when the host gives none", () => {
  const environment = hookEnvironment("Start/Pre", {
    ...base,
    hostPid: undefined,
    version: undefined,
    buildDate: undefined,
  }, 1);
  assertEquals(
    [environment.NSSM_PID, environment.NSSM_VERSION, environment.NSSM_BUILD_DATE],
    [String(Deno.pid), "", ""],
  );
});

Deno.test("a runtime is blank when the clock went backwards, as NSSM's set_hook_runtime", () => {
  const environment = hookEnvironment("Start/Post", {
    ...base,
    applicationPid: 1,
    applicationStartedAt: base.now + 5,
  }, 1);
  assertEquals(environment.NSSM_APPLICATION_RUNTIME, "");
});
