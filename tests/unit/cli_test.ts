import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { describeFailure, VERSION } from "../../cli/main.ts";
import { Win32Error } from "../../ffi/error.ts";

const main = new URL("../../cli/main.ts", import.meta.url).pathname;

async function servitor(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

Deno.test("servitor --version prints the version and exits 0", async () => {
  const { code, stdout } = await servitor("--version");
  assertEquals([code, stdout.trim()], [0, VERSION]);
});

Deno.test("an unknown command is one line on stderr, exit code 2, no stack trace", async () => {
  const { code, stdout, stderr } = await servitor("Instal-Service");
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertEquals(stderr.trim().split("\n").length, 1);
  assertMatch(stderr, /^servitor: unknown command 'Instal-Service' \(see 'servitor --help'\)/);
});

Deno.test("the command word is matched without regard to case", async () => {
  assertEquals((await servitor("VERSION")).code, 0);
  assertEquals((await servitor("--HELP")).code, 0);
});

Deno.test("a Win32 failure a person meets is one line with the function, the code, the message and what to do", () => {
  const denied = describeFailure(new Win32Error("OpenSCManagerW", 5, "Access is denied."));
  assertEquals(denied.exitCode, 4);
  assertEquals(
    denied.line,
    "OpenSCManagerW failed with error 5: Access is denied. (run it from an elevated prompt (Run as administrator))",
  );
  assertEquals(describeFailure(new Win32Error("OpenServiceW", 1060, "…")).exitCode, 6);
  assertEquals(describeFailure(new Win32Error("CreateServiceW", 1073, "…")).exitCode, 7);
  assertOk(describeFailure(new TypeError("boom")).line.includes("--debug"));
});
