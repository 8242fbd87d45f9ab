import { assertEquals, assertOk } from "../assert.ts";
import { serviceJsonSchema, settingIssues } from "../../service/schema.ts";
import { defaultSpec } from "../../service/spec.ts";

const schemaFile = new URL("../../schema/service.schema.json", import.meta.url);

Deno.test("schema/service.schema.json is what `servitor schema` prints (run `deno task schema` after a change)", async () => {
  assertEquals(JSON.parse(await Deno.readTextFile(schemaFile)), serviceJsonSchema());
});

Deno.test("a file with only a name and a program takes NSSM's defaults (nssm-readme), in the JSON Schema too", () => {
  const spec = defaultSpec("Web", "/usr/bin/web");
  assertEquals(spec.displayName, "Web");
  assertEquals([spec.start, spec.account.kind, spec.priority, spec.exit.default], [
    "auto",
    "local_system",
    "normal",
    "restart",
  ]);
  assertEquals([spec.throttleMs, spec.restartDelayMs, spec.preshutdownTimeoutMs], [1500, 0, 180_000]);
  assertEquals(spec.stop, {
    skip: 0,
    consoleMs: 1500,
    windowMs: 1500,
    threadsMs: 1500,
    killProcessTree: true,
  });
  assertEquals([spec.output.stdoutDisposition, spec.output.rotation.online], ["append", false]);
  const properties = serviceJsonSchema().properties as Record<string, { default?: unknown }>;
  assertEquals(properties.throttleMs.default, 1500);
});

Deno.test("every problem of a file is listed, each with its key path", () => {
  const issues = settingIssues({
    name: "a/b",
    program: "/p",
    start: "sometimes",
    stop: { consoleMs: -1 },
    colour: "blue",
  });
  const paths = issues.map((issue) => issue.path.join("."));
  for (const path of ["name", "start", "stop.consoleMs", "colour"]) assertOk(paths.includes(path), path);
  assertEquals(settingIssues({ name: "ok", program: "/p" }), []);
});

Deno.test("the JSON Schema refuses what the store refuses: unknown keys anywhere", () => {
  const schema = serviceJsonSchema() as {
    additionalProperties: boolean;
    properties: Record<string, { additionalProperties?: boolean }>;
  };
  assertEquals(schema.additionalProperties, false);
  assertEquals(schema.properties.stop.additionalProperties, false);
});
