import { assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { parseHealthTarget } from "../../service/health.ts";
import { nextRestartAt, parseRestartTimes } from "../../service/schedule.ts";
import { EnvFileError, loadEnvFileParser, parseEnvFile } from "../../service/env_file.ts";
import { parseSpec } from "../../service/store.ts";

await loadEnvFileParser();

Deno.test("health targets: http(s), tcp and cmd, and each bad one refused in one line", () => {
  assertEquals(parseHealthTarget("http://127.0.0.1:8080/health"), {
    kind: "http",
    url: "http://127.0.0.1:8080/health",
  });
  assertEquals(parseHealthTarget("https://localhost/"), { kind: "http", url: "https://localhost/" });
  assertEquals(parseHealthTarget("tcp://127.0.0.1:5432"), { kind: "tcp", host: "127.0.0.1", port: 5432 });
  assertEquals(parseHealthTarget("tcp://[::1]:22"), { kind: "tcp", host: "::1", port: 22 });
  assertEquals(parseHealthTarget("cmd:check.cmd --quick"), { kind: "cmd", command: "check.cmd --quick" });
  const bad: [string, RegExp][] = [
    ["ftp://host/", /ftp: is not a health-check scheme/],
    ["tcp://host:70000", /port 70000 is out of range/],
    ["tcp://host:0", /port 0 is out of range/],
    ["tcp://host", /needs a port/],
    ["http://host/a path", /can't contain spaces/],
    ["localhost:8080", /not a health check/],
    ["cmd:", /needs a command line/],
  ];
  for (const [text, message] of bad) {
    try {
      parseHealthTarget(text);
      throw new Error(`${text} was taken`);
    } catch (error) {
      assertMatch((error as Error).message, message);
    }
  }
});

Deno.test("restart times: HH:MM lists, 25:00 refused, the next one by local time", () => {
  assertEquals(parseRestartTimes("04:30, 23:00,04:30"), [270, 1380]);
  assertThrows(() => parseRestartTimes("25:00"), RangeError, "not a time of day");
  assertThrows(() => parseRestartTimes("4pm"), RangeError, "HH:MM");
  const now = new Date(2026, 11, 6, 10, 0);
  assertEquals(nextRestartAt(now, [270, 1380]), new Date(2026, 11, 6, 23, 0));
  assertEquals(nextRestartAt(new Date(2026, 11, 6, 23, 30), [270, 1380]), new Date(2026, 11, 7, 4, 30));
  assertEquals(
    nextRestartAt(new Date(2026, 11, 6, 23, 0), [1380]),
    new Date(2026, 11, 7, 23, 0),
    "not now again",
  );
});

Deno.test("env files: dotenv's syntax, and a line that is not KEY=VALUE named with its file and line", () => {
  const values = parseEnvFile(
    "# settings\nexport PORT=8080\nNAME='two words'\nCERT=\"line one\nline two\"\nEMPTY=\n",
    "app.env",
  );
  assertEquals(values, { PORT: "8080", NAME: "two words", CERT: "line one\nline two", EMPTY: "" });
  assertThrows(() => parseEnvFile("A=1\nthis is not a setting\n", "app.env"), EnvFileError, "app.env:2:");
  assertThrows(() => parseEnvFile("A=1\nB=\0\n", "app.env"), EnvFileError, "app.env:2: contains a NUL");
  assertThrows(() => parseEnvFile('A="never closed\n', "app.env"), EnvFileError, "never closed");
});

Deno.test("the stored settings beyond NSSM: each checked, each bad value one message naming the key", () => {
  const spec = parseSpec(
    "name: s\nprogram: /p\nhealth: { check: 'http://127.0.0.1:8080/' }\nenvFiles: [/etc/app.env]\n" +
      "maxMemoryBytes: 268435456\nmaxCpuPercent: 50\nrestartAt: '04:00'\n",
    "svc.yaml",
  );
  assertEquals(spec.health, {
    check: "http://127.0.0.1:8080/",
    intervalMs: 10_000,
    timeoutMs: 3_000,
    retries: 3,
    startMs: 30_000,
    action: "restart",
  });
  const bad: [string, RegExp][] = [
    ["health: { check: 'ftp://x/' }", /health\.check: "ftp:\/\/x\/": ftp: is not a health-check scheme/],
    [
      "health: { check: 'tcp://h:1', intervalMs: 0 }",
      /health\.intervalMs: expected a whole number of 1 or more/,
    ],
    ["maxMemoryBytes: 1000", /maxMemoryBytes: expected a whole number of 1048576 or more/],
    ["restartAt: '25:00'", /restartAt: "25:00" is not a time of day/],
    ["envFiles: [app.env]", /envFiles\.0: expected an absolute path/],
  ];
  for (const [line, message] of bad) {
    try {
      parseSpec(`name: s\nprogram: /p\n${line}\n`, "svc.yaml");
      throw new Error(`${line} was taken`);
    } catch (error) {
      assertMatch((error as Error).message, message);
    }
  }
});
