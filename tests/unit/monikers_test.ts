import { assertEquals } from "../assert.ts";
import { compactTimestamp, expandSpec, type MonikerContext, resolveOutputPath } from "../../host/monikers.ts";

const now = new Date("2026-11-25T10:11:12.345Z");

const windows: MonikerContext = {
  program: "C:\\apps\\web server\\server.exe",
  service: "web",
  hostPid: 4242,
  now,
  environment: {
    TEMP: "C:\\Users\\svc\\AppData\\Local\\Temp",
    USERPROFILE: "C:\\Users\\svc",
    Path: "C:\\bin",
  },
  windows: true,
};

const linux: MonikerContext = {
  program: "/opt/web/server.bin",
  service: "web",
  hostPid: 77,
  now,
  environment: { HOME: "/home/svc", LOG_ROOT: "/srv/logs", Mixed: "m" },
  windows: false,
};

Deno.test("%PROGRAM% names the program without its extension, on Windows and Linux", () => {
  assertEquals(expandSpec("%PROGRAM%.out.txt", windows), "C:\\apps\\web server\\server.out.txt");
  assertEquals(expandSpec("%PROGRAM%.out.txt", linux), "/opt/web/server.out.txt");
  assertEquals(expandSpec("%PROGRAM%.log", { ...linux, program: "/usr/bin/node" }), "/usr/bin/node.log");
});

Deno.test("%PROGRAM_BASE% and %PROGRAM_DIR% split the program's path", () => {
  assertEquals(
    expandSpec("%PROGRAM_DIR%\\logs\\%PROGRAM_BASE%.log", windows),
    "C:\\apps\\web server\\logs\\server.log",
  );
  assertEquals(expandSpec("%PROGRAM_DIR%/%PROGRAM_BASE%", linux), "/opt/web/server");
});

Deno.test("%SERVICE%, %PID% and %TIME% name this launch, the time with no colon in it", () => {
  assertEquals(expandSpec("%SERVICE%-%PID%-%TIME%.log", linux), "web-77-20261125T101112.345.log");
  assertEquals(compactTimestamp(new Date("2013-12-21T11:39:39.007Z")), "20131221T113939.007");
});

Deno.test("environment variables expand, case-insensitively only on Windows", () => {
  assertEquals(expandSpec("%path%;%PATH%", windows), "C:\\bin;C:\\bin");
  assertEquals(expandSpec("%LOG_ROOT%/%Mixed%", linux), "/srv/logs/m");
  assertEquals(expandSpec("%log_root%/%MIXED%", linux), "%log_root%/%MIXED%");
  assertEquals(expandSpec("%service%", windows), "web");
  assertEquals(expandSpec("%service%", linux), "%service%");
});

Deno.test("unknown names stay as written and %% is one percent sign", () => {
  assertEquals(expandSpec("%NOPE%-%SERVICE%", linux), "%NOPE%-web");
  assertEquals(expandSpec("100%%-%%SERVICE%%", linux), "100%-%SERVICE%");
  assertEquals(expandSpec("50% done %SERVICE%", linux), "50% done web");
  assertEquals(expandSpec("C:\\100%\\x\\%SERVICE%.log", windows), "C:\\100%\\x\\web.log");
  assertEquals(expandSpec("trailing %", linux), "trailing %");
  assertEquals(expandSpec("%constructor%%toString%", linux), "%constructor%%toString%");
});

Deno.test("%TEMP%, %HOME% and %PROGRAMDATA% come from the environment, with the platform's fallbacks", () => {
  assertEquals(
    expandSpec("%TEMP%|%HOME%|%PROGRAMDATA%", windows),
    "C:\\Users\\svc\\AppData\\Local\\Temp|C:\\Users\\svc|C:\\ProgramData",
  );
  assertEquals(
    expandSpec("%TEMP%|%HOME%|%PROGRAMDATA%", {
      ...windows,
      environment: { SystemRoot: "D:\\Win", ProgramData: "E:\\Data" },
    }),
    "D:\\Win\\Temp|D:\\Win\\System32\\config\\systemprofile|E:\\Data",
  );
  assertEquals(expandSpec("%TEMP%|%HOME%|%PROGRAMDATA%", linux), "/tmp|/home/svc|/var/lib");
  assertEquals(expandSpec("%TEMP%|%HOME%", { ...linux, environment: { TMPDIR: "/run/t" } }), "/run/t|/root");
});

Deno.test("a relative spec lands in the log directory, an absolute one where it says", () => {
  assertEquals(resolveOutputPath("%SERVICE%.log", linux, "/var/log/servitor"), "/var/log/servitor/web.log");
  assertEquals(resolveOutputPath("%LOG_ROOT%/web.log", linux, "/var/log/servitor"), "/srv/logs/web.log");
  assertEquals(
    resolveOutputPath("logs\\%SERVICE%.log", windows, "C:\\ProgramData\\servitor"),
    "C:\\ProgramData\\servitor\\logs\\web.log",
  );
  assertEquals(
    resolveOutputPath("%PROGRAM%.out.txt", windows, "C:\\ProgramData\\servitor"),
    "C:\\apps\\web server\\server.out.txt",
  );
  assertEquals(resolveOutputPath("\\\\nas\\logs\\web.log", windows, "C:\\x"), "\\\\nas\\logs\\web.log");
});
