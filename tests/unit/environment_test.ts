import { assertEquals, assertThrows } from "../assert.ts";
import { programEnvironment, serviceEnvironment, withEnvFiles } from "../../host/environment.ts";
import { EnvFileError, loadEnvFileParser } from "../../service/env_file.ts";

await loadEnvFileParser();

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

Deno.test("environment files come last, in order, later winning; values as written; Windows names without case", () => {
  const files: Record<string, string> = {
    "C:\\a.env": "path=C:\\from-a\nRATE=100%PATH%\n",
    "C:\\b.env": "RATE=2\n",
  };
  const read = (file: string) => {
    if (!(file in files)) throw new Deno.errors.NotFound(`${file}: os error 2`);
    return files[file];
  };
  const base = programEnvironment({ PATH: "C:\\Windows" }, undefined, ["RATE=1"], true);
  assertEquals(withEnvFiles(base, ["C:\\a.env"], true, read), { path: "C:\\from-a", RATE: "100%PATH%" });
  assertEquals(withEnvFiles(base, ["C:\\a.env", "C:\\b.env"], true, read).RATE, "2");
  assertThrows(
    () => withEnvFiles(base, ["C:\\a.env", "C:\\gone.env"], true, read),
    EnvFileError,
    "the environment file C:\\gone.env can't be read (no such file)",
  );
});
