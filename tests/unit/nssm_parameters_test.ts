import { systemdIgnoredSettings } from "../../systemd/ignored_settings.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { defaultSpec } from "../../service/spec.ts";
import {
  canonicalAffinity,
  type Change,
  dumpEntries,
  findParameter,
  nssmAccount,
  nssmParameters,
  type NssmSpec,
  ParameterError,
  parseNssmNumber,
} from "../../cli/nssm_parameters.ts";

const fresh = (name = "svc"): NssmSpec => ({
  ...defaultSpec(name, "C:\\windows\\system32\\cmd.exe", ["/c", "ping", "-n", "100", "127.0.0.1"]),
  directory: "C:\\windows\\system32",
});

function parameter(name: string) {
  const found = findParameter(name);
  if (!found) throw new Error(`no parameter ${name}`);
  return found;
}

const get = (spec: NssmSpec, name: string, subparameter?: string) =>
  parameter(name).get(spec, subparameter, { imagePath: "IMAGE" });
const set = (spec: NssmSpec, name: string, values: string[], subparameter?: string): Change =>
  parameter(name).set(spec, values, subparameter);
const reset = (spec: NssmSpec, name: string, subparameter?: string): Change =>
  parameter(name).reset(spec, subparameter);

Deno.test("numbers are read as nssm's strtoul reads them: hex, octal, wrapping minus, empty is 0", () => {
  assertEquals(
    ["1500", "0x10", "010", "-1", "", "0", "abc", "12abc", "0x", "08", " 7"].map(parseNssmNumber),
    [1500, 16, 8, 4294967295, 0, 0, undefined, undefined, undefined, undefined, 7],
  );
});

Deno.test("AppAffinity reads back as nssm canonicalises it", () => {
  assertEquals(["0", "1,0", "0-2,4", "4,2,1,0,5", "0,1,2,3"].map(canonicalAffinity), [
    "0",
    "0,1",
    "0-2,4",
    "0-2,4,5",
    "0-3",
  ]);
});

/** A value for each parameter, the string get gives back after it, and the message set prints. */
const samples: [string, string[], string, Change["outcome"], string?][] = [
  ["Application", ["C:\\x y\\z.exe"], "C:\\x y\\z.exe", "set"],
  ["AppParameters", ['"a b"', "c"], '"a b" c', "set"],
  ["AppDirectory", ["C:\\x y"], "C:\\x y", "set"],
  ["AppExit", ["Exit"], "Exit", "set", "Default"],
  ["AppExit", ["ignore"], "Ignore", "set", "3"],
  ["AppExit", ["Restart"], "Restart", "reset", "2"],
  ["AppEvents", ["cmd", "/c", "echo", "hi"], "cmd /c echo hi", "set", "Start/Pre"],
  ["AppAffinity", ["1,0"], "0,1", "set"],
  ["AppEnvironment", [":X=1"], "X=1", "set"],
  ["AppEnvironmentExtra", ["A=1", "B=two words"], "A=1\nB=two words", "set"],
  ["AppNoConsole", ["1"], "1", "set"],
  ["AppPriority", ["high_priority_class"], "HIGH_PRIORITY_CLASS", "set"],
  ["AppRestartDelay", ["2000"], "2000", "set"],
  ["AppStdin", ["C:\\in.txt"], "C:\\in.txt", "set"],
  ["AppStdinShareMode", ["2"], "2", "reset"],
  ["AppStdinCreationDisposition", ["3"], "3", "reset"],
  ["AppStdinFlagsAndAttributes", ["128"], "128", "reset"],
  ["AppStdout", ["C:\\out", "put.log"], "C:\\out put.log", "set"],
  ["AppStdoutShareMode", ["3"], "3", "reset"],
  ["AppStdoutCreationDisposition", ["2"], "2", "set"],
  ["AppStdoutFlagsAndAttributes", ["128"], "128", "reset"],
  ["AppStdoutCopyAndTruncate", ["1"], "1", "set"],
  ["AppStderr", ["C:\\err.log"], "C:\\err.log", "set"],
  ["AppStderrShareMode", ["3"], "3", "reset"],
  ["AppStderrCreationDisposition", ["2"], "2", "set"],
  ["AppStderrFlagsAndAttributes", ["128"], "128", "reset"],
  ["AppStderrCopyAndTruncate", ["1"], "1", "set"],
  ["AppStopMethodSkip", ["6"], "6", "set"],
  ["AppStopMethodConsole", ["0x10"], "16", "set"],
  ["AppStopMethodWindow", ["2500"], "2500", "set"],
  ["AppStopMethodThreads", ["1500"], "1500", "reset"],
  ["AppKillProcessTree", ["0"], "0", "set"],
  ["AppThrottle", ["-1"], "4294967295", "set"],
  ["AppRedirectHook", ["1"], "1", "set"],
  ["AppRotateFiles", ["1"], "1", "set"],
  ["AppRotateOnline", ["1"], "1", "set"],
  ["AppRotateSeconds", ["86400"], "86400", "set"],
  ["AppRotateBytes", ["70000"], "70000", "set"],
  ["AppRotateBytesHigh", ["1"], "1", "set"],
  ["AppRotateDelay", ["100"], "100", "set"],
  ["AppTimestampLog", ["1"], "1", "set"],
  ["AppRotateKeep", ["5"], "5", "set"],
  ["AppRotateCompress", ["1"], "1", "set"],
  ["AppRestartBudget", ["5/10m"], "5/600", "set"],
  ["AppHookDeadline", ["30000"], "30000", "set"],
  ["AppLogDirectory", ["C:\\logs"], "C:\\logs", "set"],
  ["AppEnvironmentFile", ["C:\\app.env", "C:\\secrets.env"], "C:\\app.env\nC:\\secrets.env", "set"],
  ["AppHealthCheck", ["http://127.0.0.1:8080/health"], "http://127.0.0.1:8080/health", "set"],
  ["AppHealthInterval", ["5000"], "5000", "set"],
  ["AppHealthTimeout", ["1000"], "1000", "set"],
  ["AppHealthRetries", ["5"], "5", "set"],
  ["AppHealthStart", ["0"], "0", "set"],
  ["AppHealthAction", ["none"], "None", "set"],
  ["AppMaxMemory", ["512M"], "536870912", "set"],
  ["AppMaxCpu", ["50"], "50", "set"],
  ["AppRestartEvery", ["86400000"], "86400000", "set"],
  ["AppRestartAt", ["04:30, 16:00"], "04:30,16:00", "set"],
  ["DependOnGroup", ["NetBIOSGroup"], "+NetBIOSGroup", "set"],
  ["DependOnService", ["RpcSs", "Spooler"], "RpcSs\nSpooler", "set"],
  ["Description", ["A", "description", "with  spaces"], "A description with  spaces", "set"],
  ["DisplayName", ["Dïsplay", "ü"], "Dïsplay ü", "set"],
  ["Environment", ["S=1", "R=2"], "S=1\nR=2", "set"],
  ["ObjectName", [], "NT Service\\svc", "set", "NT Service\\svc"],
  ["ObjectName", [], "NT Authority\\LocalService", "set", "Local Service"],
  ["ObjectName", ["correct", "horse"], ".\\games", "set", "games"],
  ["ObjectName", [], "LocalSystem", "reset", "NT Authority\\System"],
  ["Start", ["SERVICE_DELAYED_AUTO_START"], "SERVICE_DELAYED_AUTO_START", "set"],
  ["Start", ["SERVICE_DELAYED_START"], "SERVICE_DELAYED_AUTO_START", "set"],
  ["Type", ["SERVICE_WIN32_OWN_PROCESS"], "SERVICE_WIN32_OWN_PROCESS", "set"],
  ["FailureActions", ["restart/5s,restart/30000ms,none"], "restart/5s,restart/30s,none/0s", "set"],
  ["FailureActionsResetPeriod", ["3600"], "3600", "set"],
  ["PreshutdownTimeout", ["60000"], "60000", "set"],
];

/** The health check's other settings tune a check: the spec gets one first. */
const readyFor = (spec: NssmSpec, name: string) =>
  /^AppHealth(?!Check)/.test(name) ? set(spec, "AppHealthCheck", ["tcp://127.0.0.1:1"]).spec : spec;

Deno.test("every parameter: set, then get reads back what nssm would print, with nssm's message", () => {
  const covered = new Set(samples.map(([name]) => name));
  const missing = nssmParameters.map((p) => p.name).filter((name) => !["ImagePath", "Name"].includes(name))
    .filter((name) => !covered.has(name));
  assertEquals(missing, [], "a sample for every settable parameter");
  for (const [name, values, expected, outcome, subparameter] of samples) {
    const change = set(readyFor(fresh(), name), name, values, subparameter);
    const readSubparameter = name === "ObjectName" ? undefined : subparameter;
    assertEquals(get(change.spec, name, readSubparameter), expected, `${name} ${values.join(" ")}`);
    assertEquals(change.outcome, outcome, `${name}'s message`);
  }
});

Deno.test("every parameter: reset gives back nssm's default, and says so as nssm does", () => {
  const spec: NssmSpec = defaultSpec("svc", "C:\\prog.exe");
  for (const [name, values, , , subparameter] of samples) {
    if (["Application", "Start", "Type"].includes(name)) continue;
    const readSubparameter = name === "ObjectName" ? undefined : subparameter;
    const before = get(spec, name, readSubparameter);
    const changed = set(readyFor(spec, name), name, values, subparameter).spec;
    const { spec: back, outcome } = reset(changed, name, readSubparameter);
    assertEquals(get(back, name, readSubparameter), before, `reset ${name}`);
    // nssm writes its empty default for these, and says "Set parameter".
    assertEquals(
      outcome,
      ["AppParameters", "AppDirectory"].includes(name) ? "set" : "reset",
      `reset ${name}`,
    );
  }
});

Deno.test("the parameters nssm has no default for, and those it won't change, are refused in one line", () => {
  for (
    const [name, action] of [
      ["Start", () => reset(fresh(), "Start")],
      ["Type", () => reset(fresh(), "Type")],
      ["ImagePath", () => reset(fresh(), "ImagePath")],
      ["Name", () => set(fresh(), "Name", ["x"])],
      ["Application", () => reset(fresh(), "Application")],
      ["Type", () => set(fresh(), "Type", ["SERVICE_INTERACTIVE_PROCESS"])],
      ["AppStdoutShareMode", () => set(fresh(), "AppStdoutShareMode", ["7"])],
      ["AppStdoutCreationDisposition", () => set(fresh(), "AppStdoutCreationDisposition", ["1"])],
      ["AppThrottle", () => set(fresh(), "AppThrottle", ["abc"])],
      ["AppExit", () => set(fresh(), "AppExit", ["Explode"], "4")],
      ["AppExit", () => set(fresh(), "AppExit", ["Exit"], "x")],
      ["AppPriority", () => set(fresh(), "AppPriority", ["HIGH"])],
      ["AppAffinity", () => set(fresh(), "AppAffinity", ["x"])],
      ["AppEvents", () => set(fresh(), "AppEvents", ["x"], "Start/Bogus")],
      ["AppEvents", () => set(fresh(), "AppEvents", ["x"], "Bogus")],
      ["Start", () => set(fresh(), "Start", ["bogus"])],
      ["ObjectName", () => set(fresh(), "ObjectName", [], "someuser")],
      ["AppEnvironmentExtra", () => set(fresh(), "AppEnvironmentExtra", ["bogus"])],
      ["AppRestartBudget", () => set(fresh(), "AppRestartBudget", ["often"])],
      ["AppEnvironmentFile", () => set(fresh(), "AppEnvironmentFile", ["app.env"])],
      ["AppHealthCheck", () => set(fresh(), "AppHealthCheck", ["gopher://host/"])],
      ["AppHealthCheck", () => set(fresh(), "AppHealthCheck", ["tcp://host:99999"])],
      ["AppHealthCheck", () => set(fresh(), "AppHealthCheck", ["http://host/a", "path"])],
      ["AppHealthInterval", () => set(fresh(), "AppHealthInterval", ["5000"])],
      ["AppHealthInterval", () => set(readyFor(fresh(), "AppHealthInterval"), "AppHealthInterval", ["0"])],
      ["AppHealthAction", () => set(readyFor(fresh(), "AppHealthAction"), "AppHealthAction", ["reboot"])],
      ["AppMaxMemory", () => set(fresh(), "AppMaxMemory", ["512K"])],
      ["AppMaxCpu", () => set(fresh(), "AppMaxCpu", [String(100 * navigator.hardwareConcurrency + 1)])],
      ["AppRestartEvery", () => set(fresh(), "AppRestartEvery", ["500"])],
      ["AppRestartAt", () => set(fresh(), "AppRestartAt", ["25:00"])],
    ] as const
  ) {
    let error: unknown;
    try {
      action();
    } catch (thrown) {
      error = thrown;
    }
    if (!(error instanceof ParameterError)) throw new Error(`${name}: no ParameterError but ${error}`);
    assertEquals(error.message.includes("\n"), false, `${name}: one line`);
    assertEquals(error.message.startsWith(name), true, `${name} names the parameter: ${error.message}`);
  }
});

Deno.test("a number set to nssm's non-zero default says Reset; to a zero default, Set", () => {
  assertEquals(set(fresh(), "AppThrottle", ["1500"]).outcome, "reset");
  assertEquals(set(fresh(), "AppKillProcessTree", ["1"]).outcome, "reset");
  assertEquals(set(fresh(), "AppStopMethodSkip", ["0"]).outcome, "set");
  assertEquals(set(fresh(), "AppAffinity", ["All"]).outcome, "reset");
  assertEquals(set(fresh(), "AppPriority", ["NORMAL_PRIORITY_CLASS"]).outcome, "reset");
  assertEquals(set(fresh(), "DisplayName", ["SVC"]).outcome, "reset");
});

Deno.test("AppExit: a code without its own action reads the default; Restart is nssm's default", () => {
  let spec = set(fresh(), "AppExit", ["Exit"], "Default").spec;
  assertEquals(get(spec, "AppExit", "5"), "Exit");
  spec = set(spec, "AppExit", ["Ignore"], "0x3").spec;
  assertEquals([get(spec, "AppExit", "3"), spec.exit.codes], ["Ignore", { 3: "ignore" }]);
  spec = reset(spec, "AppExit", "3").spec;
  assertEquals(get(spec, "AppExit", "3"), "Exit");
  spec = reset(spec, "AppExit", "*").spec;
  assertEquals(get(spec, "AppExit", "Default"), "Restart");
});

Deno.test("AppEnvironmentExtra: +KEY adds or replaces in place, -KEY removes, -KEY=VALUE only that value, :KEY replaces", () => {
  let spec = set(fresh(), "AppEnvironmentExtra", ["A=1", "B=two words", "C="]).spec;
  assertEquals(get(spec, "AppEnvironmentExtra", "b"), "two words");
  assertEquals(get(spec, "AppEnvironmentExtra", "Z"), "");
  spec = set(spec, "AppEnvironmentExtra", ["+b=3"]).spec;
  assertEquals(spec.environmentExtra, ["A=1", "b=3", "C="]);
  spec = set(spec, "AppEnvironmentExtra", ["-A"]).spec;
  assertEquals(spec.environmentExtra, ["b=3", "C="]);
  spec = set(spec, "AppEnvironmentExtra", ["-b=4"]).spec;
  assertEquals(spec.environmentExtra, ["b=3", "C="]);
  spec = set(spec, "AppEnvironmentExtra", ["+D=4", "+E=5"]).spec;
  assertEquals(spec.environmentExtra, ["b=3", "C=", "D=4", "E=5"]);
  spec = set(spec, "AppEnvironmentExtra", [":+PLUS=1"]).spec;
  assertEquals(spec.environmentExtra, ["+PLUS=1"]);
  const emptied = set(reset(spec, "AppEnvironmentExtra").spec, "AppEnvironmentExtra", ["-A"]);
  assertEquals([emptied.spec.environmentExtra, emptied.outcome], [[], "reset"]);
  const last = set(set(fresh(), "AppEnvironment", ["X=1"]).spec, "AppEnvironment", ["-X"]);
  assertEquals([last.spec.environment, last.outcome], [undefined, "reset"]);
});

Deno.test("DependOnService and DependOnGroup: +, - and :, groups written +Group, services before groups", () => {
  let spec = set(fresh(), "DependOnService", ["RpcSs"]).spec;
  spec = set(spec, "DependOnService", ["+LanmanWorkstation"]).spec;
  spec = set(spec, "DependOnGroup", ["NetBIOSGroup"]).spec;
  assertEquals(spec.dependsOn, ["RpcSs", "LanmanWorkstation", "+NetBIOSGroup"]);
  spec = set(spec, "DependOnService", ["-rpcss"]).spec;
  assertEquals(spec.dependsOn, ["LanmanWorkstation", "+NetBIOSGroup"]);
  for (const value of ["NetBIOSGroup", ":NetBIOSGroup", ":+NetBIOSGroup"]) {
    assertEquals(set(spec, "DependOnGroup", [value]).spec.dependsOn, ["LanmanWorkstation", "+NetBIOSGroup"]);
  }
  for (const value of ["+Other", "++Other"]) {
    assertEquals(set(spec, "DependOnGroup", [value]).spec.dependsOn, [
      "LanmanWorkstation",
      "+NetBIOSGroup",
      "+Other",
    ]);
  }
  assertEquals(get(spec, "DependOnGroup"), "+NetBIOSGroup");
  assertEquals(reset(spec, "DependOnService").spec.dependsOn, ["+NetBIOSGroup"]);
});

Deno.test("ObjectName: nssm's well-known names, the virtual account, a user with the password after it", () => {
  assertEquals(
    ["LocalSystem", "System", "NT Authority\\System", "NetworkService", "Network Service", "NT SERVICE\\svc"]
      .map((name) => nssmAccount(name, "svc").kind),
    ["local_system", "local_system", "local_system", "network_service", "network_service", "virtual"],
  );
  assertEquals(nssmAccount("NT Service\\other", "svc"), { kind: "user", name: "NT Service\\other" });
  const change = set(fresh(), "ObjectName", ["correct", "horse", "battery", "staple"], "DOMAIN\\games");
  assertEquals([change.spec.account, change.password], [
    { kind: "user", name: "DOMAIN\\games" },
    "correct horse battery staple",
  ]);
});

Deno.test("dump of a fresh service has nssm's lines: AppExit Default, DisplayName, ObjectName, Start, Type", () => {
  const lines = dumpEntries(fresh(), "copy").map(({ parameter, entry }) =>
    [parameter, entry.subparameter, entry.value].filter((word) => word !== undefined).join(" ")
  );
  assertEquals(lines, [
    "AppParameters /c ping -n 100 127.0.0.1",
    "AppDirectory C:\\windows\\system32",
    "AppExit Default Restart",
    "DisplayName svc",
    "ObjectName LocalSystem",
    "Start SERVICE_AUTO_START",
    "Type SERVICE_WIN32_OWN_PROCESS",
  ]);
});

Deno.test("dump's lines, set on a new service, give back the same spec under the new name", () => {
  let spec = fresh();
  for (const [name, values, , , subparameter] of samples) {
    if (name === "Application" || (name === "ObjectName" && values.length)) continue;
    spec = set(spec, name, values, subparameter).spec;
  }
  spec = set(spec, "ObjectName", [], "NT Service\\svc").spec;
  spec = set(spec, "AppEvents", ["C:\\hooks\\exit.cmd"], "Exit/Post").spec;
  spec = set(spec, "AppExit", ["Suicide"], "7").spec;
  let copy: NssmSpec = { ...defaultSpec("copy", spec.program), directory: undefined };
  for (const { parameter, entry } of dumpEntries(spec, "copy")) {
    const values = parameter === "AppParameters" ? [entry.value] : [entry.value];
    copy = parameter === "ObjectName"
      ? set(copy, parameter, [], entry.value).spec
      : set(copy, parameter, values, entry.subparameter).spec;
  }
  assertEquals(copy, { ...spec, name: "copy" });
});

/** What nssm's get and set say for a parameter under systemd (cli/nssm.ts): the backend's ignored settings. */
const meaninglessUnderSystemd = (name: string) => systemdIgnoredSettings[findParameter(name)?.name ?? ""];

Deno.test("parameters with no meaning under systemd are named with the reason, whatever their case; the others are not", () => {
  for (
    const name of ["AppNoConsole", "appstopmethodthreads", "DependOnGroup", "Type", "PreshutdownTimeout"]
  ) {
    assertOk(meaninglessUnderSystemd(name), name);
  }
  for (
    const name of [
      "AppThrottle",
      "AppStopMethodWindow",
      "AppPriority",
      "AppAffinity",
      "DependOnService",
      "Nope",
    ]
  ) {
    assertEquals(meaninglessUnderSystemd(name), undefined, name);
  }
});
