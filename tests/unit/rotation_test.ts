import { assertEquals, assertOk } from "../assert.ts";
import { rotatedName, shouldRotate } from "../../host/rotation.ts";

const lastWrite = new Date("2013-12-21T11:39:39.457Z");

Deno.test("a rotated file is named for its last write time in UTC, as NSSM names it", () => {
  assertEquals(rotatedName("C:\\logs\\nssm.log", lastWrite, true), "C:\\logs\\nssm-20131221T113939.457.log");
  assertEquals(rotatedName("/var/log/nssm.log", lastWrite, false), "/var/log/nssm-20131221T113939.457.log");
  assertEquals(
    rotatedName("/var/log/x.log", new Date("2026-01-02T03:04:05.006Z"), false),
    "/var/log/x-20260102T030405.006.log",
  );
});

Deno.test("a file without extension gets the timestamp at the end, a dotted folder is not an extension", () => {
  assertEquals(
    rotatedName("Z:\\out\\dir.d\\noext", lastWrite, true),
    "Z:\\out\\dir.d\\noext-20131221T113939.457",
  );
  assertEquals(rotatedName("/out/dir.d/noext", lastWrite, false), "/out/dir.d/noext-20131221T113939.457");
});

Deno.test("only the last extension is kept after the timestamp, and the folder stays as written", () => {
  assertEquals(rotatedName("/srv/app.out.txt", lastWrite, false), "/srv/app.out-20131221T113939.457.txt");
  assertEquals(rotatedName("logs/app.log", lastWrite, false), "logs/app-20131221T113939.457.log");
  assertEquals(
    rotatedName("C:/mixed\\sep/a.log", lastWrite, true),
    "C:/mixed\\sep/a-20131221T113939.457.log",
  );
  assertEquals(rotatedName("a.log", lastWrite, true), "a-20131221T113939.457.log");
});

const now = new Date("2026-11-25T12:00:00Z");
const file = (size: number, secondsAgo: number) => ({
  isFile: true,
  size,
  mtime: new Date(now.getTime() - secondsAgo * 1000),
});

Deno.test("with no limits, any non-empty file is rotated at start", () => {
  assertOk(shouldRotate(file(1, 0), { seconds: 0, bytes: 0 }, now));
  assertEquals(shouldRotate(file(0, 1000), { seconds: 0, bytes: 0 }, now), false);
});

Deno.test("AppRotateSeconds spares a file written too recently", () => {
  assertEquals(shouldRotate(file(100, 59), { seconds: 60, bytes: 0 }, now), false);
  assertOk(shouldRotate(file(100, 60), { seconds: 60, bytes: 0 }, now));
});

Deno.test("AppRotateBytes spares a file smaller than the threshold", () => {
  assertEquals(shouldRotate(file(1023, 0), { seconds: 0, bytes: 1024 }, now), false);
  assertOk(shouldRotate(file(1024, 0), { seconds: 0, bytes: 1024 }, now));
});

Deno.test("both limits must allow it", () => {
  assertEquals(shouldRotate(file(5000, 10), { seconds: 60, bytes: 1024 }, now), false);
  assertEquals(shouldRotate(file(10, 100), { seconds: 60, bytes: 1024 }, now), false);
  assertOk(shouldRotate(file(5000, 100), { seconds: 60, bytes: 1024 }, now));
});

Deno.test("a device such as NUL or /dev/null is never rotated", () => {
  assertEquals(shouldRotate({ isFile: false, size: 0, mtime: null }, { seconds: 0, bytes: 0 }, now), false);
  assertEquals(shouldRotate({ isFile: false, size: 99, mtime: now }, { seconds: 0, bytes: 0 }, now), false);
});
