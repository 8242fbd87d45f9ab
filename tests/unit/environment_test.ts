import { assertEquals } from "../assert.ts";
import { programEnvironment, serviceEnvironment } from "../../host/environment.ts";

Deno.test("AppEnvironmentExtra adds to the service's environment, expanding what came before", () => {
  const env = programEnvironment(
    { PATH: "C:\\Windows", HOME: "h" },
    undefined,
    ["PATH=C:\\bin;%PATH%"],
    true,
  );
  assertEquals(env, { PATH: "C:\\bin;C:\\Windows", HOME: "h" });
});

Deno.test("AppEnvironment replaces the environment; its entries expand in order, as nssm-readme's example", () => {
  const env = programEnvironment(
    { PATH: "C:\\old", OTHER: "x" },
    ["PATH=C:\\Windows\\System32;C:\\Windows", "PATH=C:\\bin;%PATH%"],
    [],
    true,
  );
  assertEquals(env, { PATH: "C:\\bin;C:\\Windows\\System32;C:\\Windows" });
});

Deno.test("AppEnvironment can't see the variables it replaced: they stay unexpanded", () => {
  assertEquals(programEnvironment({ PATH: "/usr/bin" }, ["PATH=/opt/bin:%PATH%"], [], false), {
    PATH: "/opt/bin:%PATH%",
  });
});

Deno.test("Windows variable names match without regard to case; Linux names don't", () => {
  assertEquals(programEnvironment({ Path: "C:\\w" }, undefined, ["PATH=C:\\b;%path%"], true), {
    PATH: "C:\\b;C:\\w",
  });
  assertEquals(programEnvironment({ Path: "/w" }, undefined, ["PATH=/b:%path%"], false), {
    Path: "/w",
    PATH: "/b:%path%",
  });
});

Deno.test("the service's own Environment block is merged sorted, before AppEnvironmentExtra sees it", () => {
  const merged = serviceEnvironment({ SystemRoot: "C:\\Windows" }, ["ZED=%APP%\\z", "APP=C:\\app"], true);
  // Sorted, APP comes first, so ZED can use it (and nssm-readme's warning holds the other way round).
  assertEquals(merged, { SystemRoot: "C:\\Windows", APP: "C:\\app", ZED: "C:\\app\\z" });
  assertEquals(programEnvironment(merged, undefined, ["PATH=%APP%"], true).PATH, "C:\\app");
});
