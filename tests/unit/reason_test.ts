/**
 * The reason `ManageService status` and `start` show for a service that is not running: which of the
 * host's words is the last one, and how an error-log line reads without its prefix.
 */
import { assertEquals } from "../assert.ts";
import { chooseReason, lastLine, logMessage, owesReason } from "../../cli/reason.ts";

const refused = "cannot start: /etc/servitor/web/service.yaml is not valid YAML: bad indentation";

Deno.test("an error-log line reads without its timestamp, level, category and the service's name", () => {
  assertEquals(
    logMessage(`2026-12-06 01:58:18.123 +00:00 [ERR] servitor·host: web: ${refused}`, "web"),
    refused,
  );
  // A message that names another service first keeps it; a line of another shape is taken whole.
  assertEquals(
    logMessage("2026-12-06 01:58:18.123 +00:00 [WRN] servitor·host: db: waits", "web"),
    "db: waits",
  );
  assertEquals(logMessage("  something else: entirely \r", "web"), "something else: entirely");
  assertEquals(lastLine("first\r\nsecond\r\n\r\n"), "second");
  assertEquals(lastLine("\n"), undefined);
});

Deno.test("a reason is owed to a service stopped with a failure, or paused — not to one stopped cleanly or running", () => {
  assertEquals(
    owesReason("stopped", { state: "stopped", exitCode: { kind: "exit_status", code: 250 } }),
    true,
  );
  assertEquals(owesReason("stopped", { state: "stopped", exitCode: { kind: "win32", code: 1067 } }), true);
  assertEquals(owesReason("paused", { state: "running", pid: 5 }), true);
  assertEquals(owesReason("stopped", { state: "stopped", exitCode: { kind: "win32", code: 0 } }), false);
  assertEquals(owesReason("stopped", { state: "stopped" }), false);
  assertEquals(owesReason("running", { state: "running", pid: 5 }), false);
});

Deno.test("a host that refused its configuration wrote only its error log: that line, not an earlier run's status.json", () => {
  const earlierRun = { word: { state: "stopped", reason: "the program exited with code 3" }, at: 1_000 };
  assertEquals(chooseReason("stopped", {}, earlierRun, { word: refused, at: 2_000 }), refused);
  assertEquals(chooseReason("stopped", {}, undefined, { word: refused, at: 2_000 }), refused);
});

Deno.test("a host that said STOPPED after its last error-log line: its own reason, never an older line", () => {
  const spent =
    "the program exited with code 1 after 0.1 s; it was restarted 3 times within 60 s (the restart budget): giving up";
  // The error line and STOPPED come from the same failure, status.json written just after.
  assertEquals(
    chooseReason("stopped", {}, { word: { state: "stopped", reason: spent }, at: 2_001 }, {
      word: spent,
      at: 2_000,
    }),
    spent,
  );
  // AppExit Exit with a code: no error line of its own; how the program exited, not an earlier failure.
  assertEquals(
    chooseReason(
      "stopped",
      {},
      { word: { state: "stopped", lastExit: { code: 3 } }, at: 5_000 },
      { word: refused, at: 2_000 },
    ),
    "the program exited with code 3",
  );
  // A host killed outright said nothing after it ran: no stale line is passed off as the reason.
  assertEquals(
    chooseReason("stopped", {}, { word: { state: "running" }, at: 5_000 }, { word: refused, at: 2_000 }),
    undefined,
  );
});

Deno.test("a paused service shows the running host's reason, else its error log's last line", () => {
  const waits =
    "the program exited with code 0 after 0.0 s; the next start is due at 2026-12-06T02:10:00.000Z";
  assertEquals(
    chooseReason("paused", { state: "paused", reason: waits }, undefined, { word: "older", at: 1 }),
    waits,
  );
  assertEquals(chooseReason("paused", {}, undefined, { word: waits, at: 1 }), waits);
});
