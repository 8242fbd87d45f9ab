/** The SCM wrapper's pure parts: the remote machine's name, and the controls a service can be sent. */
import { assertEquals, assertThrows } from "../assert.ts";
import { scmMachineName } from "../../ffi/scm.ts";
import { controlToWin32 } from "../../ffi/types.ts";
import { decodeControl } from "../../ffi/dispatcher.ts";

Deno.test("a remote machine is reached as \\\\name, written with its backslashes or without", () => {
  assertEquals(scmMachineName("srv"), "\\\\srv");
  assertEquals(scmMachineName("\\\\srv"), "\\\\srv");
  assertEquals(scmMachineName("\\srv"), "\\\\srv");
  assertEquals(scmMachineName("build-01.example.org"), "\\\\build-01.example.org");
});

Deno.test("no machine, or an empty name, is the local SCM", () => {
  assertEquals(scmMachineName(undefined), undefined);
  assertEquals(scmMachineName(""), undefined);
});

Deno.test("user controls 128 to 255 are sent as their own code; any other code is refused before Windows sees it", () => {
  assertEquals(controlToWin32({ kind: "user", code: 128 }), 128);
  assertEquals(controlToWin32({ kind: "user", code: 255 }), 255);
  for (const code of [127, 256, 0, -1, 128.5, NaN]) {
    assertThrows(
      () => controlToWin32({ kind: "user", code }),
      RangeError,
      "a user control code is 128 to 255",
    );
  }
  // The system's own controls keep their numbers (SERVICE_CONTROL_STOP 1, SERVICE_CONTROL_PARAMCHANGE 6).
  assertEquals(controlToWin32({ kind: "stop" }), 1);
  assertEquals(controlToWin32({ kind: "param_change" }), 6);
});

Deno.test("a service hears 128 to 255 as user controls, and codes around them as other controls", () => {
  assertEquals(decodeControl(128, 0), { kind: "user", code: 128 });
  assertEquals(decodeControl(255, 0), { kind: "user", code: 255 });
  assertEquals(decodeControl(127, 0), { kind: "other", code: 127 });
  assertEquals(decodeControl(256, 0), { kind: "other", code: 256 });
});
