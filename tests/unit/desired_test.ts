import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import {
  diffSpecs,
  exportText,
  minimalSettings,
  needsRestart,
  readDesiredState,
} from "../../service/desired.ts";
import { defaultSpec } from "../../service/spec.ts";

Deno.test("apply's input: documents of settings and services: mappings, in several files", () => {
  const { services, errors } = readDesiredState([
    {
      file: "a.yaml",
      text: "name: Web\nprogram: /srv/web\nthrottleMs: 500\n---\nname: Api\nprogram: /srv/api\n---\n",
    },
    {
      file: "b.yaml",
      text: "services:\n  Worker:\n    program: /srv/worker\n    start: manual\n    passwordEnv: WORKER_PW\n",
    },
  ]);
  assertEquals(errors, []);
  assertEquals(services.map((service) => service.spec.name), ["Web", "Api", "Worker"]);
  assertEquals(services[0].spec.throttleMs, 500);
  assertEquals(services[2].spec.start, "manual");
  assertEquals(services[2].spec.displayName, "Worker");
  assertEquals(services[2].passwordEnv, "WORKER_PW");
  assertEquals([services[1].file, services[2].file], ["a.yaml", "b.yaml"]);
});

Deno.test("every error of the input is listed with its file, line and key, and no service is taken", () => {
  const { services, errors } = readDesiredState([
    { file: "a.yaml", text: "name: Web\nprogram: /srv/web\nthrotleMs: 500\nstart: sometimes\n" },
    { file: "b.yaml", text: "name: web\nprogram: /srv/other\n" },
    { file: "c.yaml", text: "name: [broken\n" },
    { file: "d.yaml", text: "- just\n- a list\n" },
    { file: "e.yaml", text: "services:\n  Api:\n    name: Other\n    program: /srv/api\n" },
  ]);
  const seen = errors.map((error) => `${error.file}:${error.line}:${error.key ?? ""}`);
  assertOk(seen.includes("a.yaml:3:throtleMs"), seen.join(" "));
  assertOk(seen.includes("a.yaml:4:start"), seen.join(" "));
  assertOk(seen.includes("e.yaml:3:services.Api.name"), seen.join(" "));
  assertOk(errors.some((error) => error.file === "c.yaml" && /not valid YAML/.test(error.message)));
  assertOk(errors.some((error) => error.file === "d.yaml" && /expected a mapping/.test(error.message)));
  // a.yaml's Web has errors, so b.yaml's "web" is the first Web; a name twice is found across files.
  const twice = readDesiredState([
    { file: "a.yaml", text: "name: Web\nprogram: /srv/web\n" },
    { file: "b.yaml", text: "name: web\nprogram: /srv/other\n" },
  ]).errors;
  assertEquals(twice.length, 1);
  assertMatch(twice[0].message, /"web" is described twice \(also a\.yaml:1\)/);
  assertEquals(services.length, 1, "only b.yaml's service is whole");
});

Deno.test("a diff names each changed setting with its values before and after, secrets masked", () => {
  const before = defaultSpec("Web", "/srv/web");
  before.environmentExtra = ["PORT=80", "DB_PASSWORD=hunter2"];
  const after = structuredClone(before);
  after.throttleMs = 500;
  after.output.rotation.online = true;
  after.environmentExtra = ["PORT=81", "DB_PASSWORD=swordfish"];
  after.restartBudget = { restarts: 3, seconds: 60 };
  assertEquals(diffSpecs(before, after), [
    {
      path: "environmentExtra",
      before: ["PORT=80", "DB_PASSWORD=***"],
      after: ["PORT=81", "DB_PASSWORD=***"],
    },
    { path: "output.rotation.online", before: false, after: true },
    { path: "throttleMs", before: 1500, after: 500 },
    { path: "restartBudget.restarts", before: undefined, after: 3 },
    { path: "restartBudget.seconds", before: undefined, after: 60 },
  ]);
  assertEquals(diffSpecs(before, structuredClone(before)), []);
});

Deno.test("changes the service manager holds need no restart; what the host reads does", () => {
  for (const path of ["displayName", "start", "account.kind", "recovery.actions", "dependsOn"]) {
    assertEquals(needsRestart(path), false, path);
  }
  for (const path of ["program", "arguments", "environmentExtra", "output.stdout", "hooks.Start/Pre"]) {
    assertEquals(needsRestart(path), true, path);
  }
});

Deno.test("export writes only what differs from NSSM's defaults, and reads back as the same service", () => {
  const spec = defaultSpec("Web", "/srv/web", ["--port", "80"]);
  assertEquals(minimalSettings(spec), { name: "Web", program: "/srv/web", arguments: ["--port", "80"] });
  spec.displayName = "The web site";
  spec.output.rotation.online = true;
  spec.account = { kind: "local_service" };
  spec.exit.codes = { "3": "exit" };
  const text = exportText([spec, defaultSpec("Api", "/srv/api")], "/etc/servitor/service.schema.json");
  assertMatch(text, /^# yaml-language-server: \$schema=\/etc\/servitor\/service\.schema\.json\n/);
  assertOk(!text.includes("throttleMs"), text);
  assertMatch(text, /output:\n {2}rotation:\n {4}online: true\n/);
  const back = readDesiredState([{ file: "exported.yaml", text }]);
  assertEquals(back.errors, []);
  assertEquals(back.services.map((service) => service.spec), [spec, defaultSpec("Api", "/srv/api")]);
});
