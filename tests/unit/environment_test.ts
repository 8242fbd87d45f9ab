import { assertEquals } from "../assert.ts";
import { programEnvironment } from "../../host/environment.ts";

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
