import { assertEquals, assertMatch, assertOk, assertThrows } from "../assert.ts";
import {
  applyExitCode,
  applyReport,
  type ApplyTarget,
  carryOut,
  type CurrentService,
  machineErrors,
  parseApplyArgs,
  planApply,
  planLines,
} from "../../cli/apply.ts";
import { exportOutput, parseExportArgs } from "../../cli/export.ts";
import { readDesiredState } from "../../service/desired.ts";
import { defaultSpec } from "../../service/spec.ts";

const desired = (text: string) => {
  const state = readDesiredState([{ file: "services.yaml", text }]);
  assertEquals(state.errors, []);
  return state.services;
};

Deno.test("apply's command line: flags in either spelling, inputs in order, a missing input is a usage error", () => {
  const options = parseApplyArgs(["a.yaml", "--check", "--detailed-exitcodes", "dir", "--timeout", "5"]);
  assertEquals(options.inputs, ["a.yaml", "dir"]);
  assertEquals([options.check, options.detailedExitCodes, options.prune, options.timeoutMs], [
    true,
    true,
    false,
    5000,
  ]);
  assertEquals(parseApplyArgs(["-", "--detailed_exitcodes"]).detailedExitCodes, true);
  assertThrows(() => parseApplyArgs(["--check"]), Error, "which file");
  assertThrows(() => parseApplyArgs(["a.yaml", "--force"]), Error, "unknown option '--force'");
});

Deno.test("the plan creates what is missing, updates only what differs, and leaves the rest alone", () => {
  const services = desired(
    "name: Web\nprogram: /srv/web\nthrottleMs: 500\n---\nname: Api\nprogram: /srv/api\n---\n" +
      "name: Worker\nprogram: /srv/worker\ndescription: crunches\n",
  );
  const web = defaultSpec("Web", "/srv/web");
  const api = defaultSpec("Api", "/srv/api");
  const current = new Map<string, CurrentService>([
    ["Web", { spec: web, state: "running" }],
    ["Api", { spec: api, state: "running" }],
  ]);
  const plans = planApply(services, current, ["Web", "Api"], { prune: false, windows: false });
  assertEquals(plans.map((plan) => [plan.name, plan.action, plan.restart]), [
    ["Web", "update", "pending"],
    ["Api", "unchanged", "none"],
    ["Worker", "create", "none"],
  ]);
  assertEquals(plans[0].changes, [{ path: "throttleMs", before: 1500, after: 500 }]);
});

Deno.test("a change the service manager holds needs no restart; a stopped service is never restart pending", () => {
  const services = desired(
    "name: Web\nprogram: /srv/web\ndescription: the site\n---\nname: Api\nprogram: /srv/api2\n",
  );
  const current = new Map<string, CurrentService>([
    ["Web", { spec: defaultSpec("Web", "/srv/web"), state: "running" }],
    ["Api", { spec: defaultSpec("Api", "/srv/api"), state: "stopped" }],
  ]);
  const plans = planApply(services, current, [], { prune: false, windows: false });
  assertEquals(plans.map((plan) => [plan.action, plan.restart]), [["update", "none"], ["update", "none"]]);
});

Deno.test("--prune removes only servitor's services the files don't name; on Windows names match without case", () => {
  const services = desired("name: web\nprogram: /srv/web\n");
  const current = new Map<string, CurrentService>([
    ["Web", { spec: defaultSpec("Web", "/srv/web"), state: "stopped" }],
    ["Old", { spec: defaultSpec("Old", "/srv/old"), state: "running" }],
  ]);
  const plans = planApply(services, current, ["Web", "Old"], { prune: true, windows: true });
  assertEquals(plans.map((plan) => [plan.name, plan.action]), [["Web", "update"], ["Old", "remove"]]);
  // The same service: only the display name, which defaults to the name as written, differs.
  assertEquals(plans[0].changes, [{ path: "displayName", before: "Web", after: "web" }]);
  const linux = planApply(services, current, ["Web", "Old"], { prune: false, windows: false });
  assertEquals(linux.map((plan) => [plan.name, plan.action]), [["web", "create"]]);
});

Deno.test("a program must be an absolute path on this machine, and exist here", () => {
  const services = desired(
    "name: A\nprogram: /srv/a\n---\nname: B\nprogram: /srv/missing\n---\nname: C\nprogram: 'C:\\c.exe'\n",
  );
  const errors = machineErrors(services, false, (file) => file === "/srv/a");
  assertEquals(errors.map((error) => `${error.line}:${error.key}`), ["4:program", "7:program"]);
  assertMatch(errors[0].message, /\/srv\/missing does not exist on this machine/);
  assertMatch(errors[1].message, /"C:\\\\c\.exe" is not an absolute path here/);
  // A CPU cap beyond this machine's cores, as InstallService's --max_cpu refuses it.
  const capped = desired(
    "name: E\nprogram: /srv/a\nmaxCpuPercent: 300\n---\nname: F\nprogram: /srv/a\nmaxCpuPercent: 200\n",
  );
  const cpu = machineErrors(capped, false, () => true, 2);
  assertEquals(cpu.map((error) => `${error.line}:${error.key}`), ["1:maxCpuPercent"]);
  assertEquals(cpu[0].message, "300% of one core is more than this machine has (2 cores: at most 200)");
  // A relative path is the schema's error, wherever the file is read.
  assertMatch(
    readDesiredState([{ file: "f", text: "name: D\nprogram: bin/d\n" }]).errors[0].message,
    /absolute path/,
  );
});

Deno.test("carrying out: a failing service is reported and the others go on; exit codes 0, 2, 4, 6", async () => {
  const services = desired(
    "name: A\nprogram: /srv/a\n---\nname: B\nprogram: /srv/b\n---\nname: C\nprogram: /srv/c\n",
  );
  const done: string[] = [];
  const target: ApplyTarget = {
    servitorServices: () => Promise.resolve([]),
    current: () => Promise.resolve(undefined),
    create: (service) => {
      if (service.spec.name === "B") return Promise.reject(new Error("the service manager refused"));
      done.push(service.spec.name);
      return Promise.resolve();
    },
    update: () => Promise.resolve(),
    remove: () => Promise.resolve(),
    restart: () => Promise.resolve(),
    withSetLock: (work) => work(),
  };
  const plans = planApply(services, new Map(), [], { prune: false, windows: false });
  const outcomes = await carryOut(plans, target, { restart: false });
  assertEquals(done, ["A", "C"]);
  assertMatch(outcomes[1].error ?? "", /refused/);
  assertEquals(applyExitCode(outcomes, true), 6);
  assertOk(applyExitCode(outcomes, false) !== 0);
  const report = applyReport(outcomes, []);
  assertEquals(report.changed, true);
  assertEquals(report.services.map((service) => [service.name, service.action, "error" in service]), [
    ["A", "create", false],
    ["B", "create", true],
    ["C", "create", false],
  ]);
  const unchanged = planApply(
    desired("name: A\nprogram: /srv/a\n"),
    new Map([["A", {
      spec: defaultSpec("A", "/srv/a"),
      state: "stopped" as const,
    }]]),
    [],
    { prune: false, windows: false },
  );
  assertEquals(applyExitCode(await carryOut(unchanged, target, { restart: false }), true), 0);
  assertEquals(applyExitCode(await carryOut(plans.slice(0, 1), target, { restart: false }), true), 2);
  assertEquals(applyExitCode(await carryOut(plans.slice(1, 2), target, { restart: false }), true), 4);
});

Deno.test("a person reads one line per service, and with --diff each change as -old and +new", () => {
  const services = desired(
    "name: Web\nprogram: /srv/web\nthrottleMs: 500\nenvironmentExtra: [API_TOKEN=s3cret]\n",
  );
  const current = new Map<string, CurrentService>([["Web", {
    spec: defaultSpec("Web", "/srv/web"),
    state: "running",
  }]]);
  const plans = planApply(services, current, [], { prune: false, windows: false });
  const lines = planLines(plans, { diff: true, check: true });
  assertMatch(lines[0], /^Web: would update \(environmentExtra, throttleMs\); restart pending/);
  assertOk(lines.includes("-throttleMs: 1500") && lines.includes("+throttleMs: 500"), lines.join("\n"));
  assertOk(lines.includes('+environmentExtra: ["API_TOKEN=***"]'), lines.join("\n"));
  assertOk(!lines.join("\n").includes("s3cret"), "a secret never shows");
  assertEquals(lines.at(-1), "check: 0 to create, 1 to update, 0 to remove, 0 unchanged");
});

Deno.test("export's YAML and JSON forms both read back as the same services, and --all or names are needed", () => {
  const web = defaultSpec("Web", "/srv/web", ["--port", "80"]);
  web.start = "manual";
  const specs = [web, defaultSpec("Api", "/srv/api")];
  for (const json of [false, true]) {
    const text = exportOutput(specs, json, "/etc/servitor/service.schema.json");
    const back = readDesiredState([{ file: "exported", text }]);
    assertEquals(back.errors, []);
    assertEquals(back.services.map((service) => service.spec), specs);
  }
  assertEquals(parseExportArgs(["--all", "--json"]), { names: [], all: true, json: true, user: false });
  assertThrows(() => parseExportArgs([]), Error, "--all");
  assertThrows(() => parseExportArgs(["Web", "--all"]), Error, "not both");
});
