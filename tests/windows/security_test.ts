/**
 * ffi/security.ts on Windows: the stored configuration's directory, changed by administrators only.
 *
 * What Wine 10 (the test-bed's, Debian trixie) does, tried on 2026-11-25:
 * - LookupAccountNameW knows LocalService and NetworkService (bare, with NT AUTHORITY\, and spelled
 *   "LOCAL SERVICE"), SYSTEM, Administrators, Users, Everyone and the user running Wine
 *   (S-1-5-21-0-0-0-1000, as "root" and ".\root"). It knows no "LocalSystem" (servitor writes that as SY
 *   without asking) and no NT SERVICE\<name> at all, not even for a service that is installed: error 1332.
 * - ConvertStringSecurityDescriptorToSecurityDescriptorW reads servitor's SDDL, and
 *   ConvertSecurityDescriptorToStringSecurityDescriptorW prints it back unchanged.
 * - SetNamedSecurityInfoW on a directory (owner, protected DACL) returns success and keeps nothing: no
 *   extended attribute is written and the Unix mode is unchanged. GetNamedSecurityInfoW gives, before and
 *   after, the descriptor Wine makes up for every file from its Unix owner and mode:
 *   O:<user>D:(A;OICI;FA;;;SY)(A;OICI;FA;;;<user>)(A;OICI;0x1200a9;;;WD), not protected.
 * - A missing path is error 3 (or 2 when only its last part is missing) from either function.
 * So under Wine the read-back test is left to real Windows, and what can be asserted is asserted.
 */
import path from "path";
import { assertEquals, assertMatch } from "../assert.ts";
import { Win32Error } from "../../ffi/error.ts";
import { ServiceControlManager } from "../../ffi/scm.ts";
import {
  directorySddl,
  directorySddlFor,
  lookupAccountSid,
  resolveTrustees,
  secureDirectory,
  systemSddl,
} from "../../ffi/security.ts";
import { denoServiceCommand, notWindows, uniqueName } from "./helpers.ts";

/** Wine writes HKLM\Software\Wine into every prefix; Windows has no such key. */
const underWine = !notWindows &&
  new Deno.Command("reg", { args: ["query", "HKLM\\Software\\Wine"], stdout: "null", stderr: "null" })
      .outputSync().code === 0;

const test = (name: string, fn: () => void | Promise<void>, ignore = notWindows) =>
  Deno.test({ name, ignore, fn });

const expected = "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;LS)(A;OICI;0x1301bf;;;NS)";

/** Calls `fn` and returns the Win32Error it throws. */
function win32ErrorOf(fn: () => unknown): Win32Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Win32Error) return error;
    throw error;
  }
  throw new Error("expected a Win32Error, and nothing was thrown");
}

test("the SDDL for readers [LocalService] and writers [NetworkService] is what the system reads it as", () => {
  const built = directorySddlFor(resolveTrustees(
    { readers: ["LocalService"], writers: ["NetworkService"] },
    lookupAccountSid,
  ));
  assertEquals(built, expected);
  assertEquals(systemSddl(built), expected);
});

test("LookupAccountNameW resolves LocalService, NetworkService and the user running the tests", () => {
  assertEquals(lookupAccountSid("NT AUTHORITY\\LocalService"), "S-1-5-19");
  assertEquals(lookupAccountSid("NetworkService"), "S-1-5-20");
  assertEquals(lookupAccountSid("Administrators"), "S-1-5-32-544");
  const user = lookupAccountSid(Deno.env.get("USERNAME")!);
  assertMatch(user, /^S-1-5-21-\d+-\d+-\d+-\d+$/);
  // A looked-up account lands in the SDDL as its SID string, and the system reads that back as it is.
  const built = directorySddlFor(resolveTrustees({ readers: [Deno.env.get("USERNAME")!] }, lookupAccountSid));
  assertEquals(built, `O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;${user})`);
  assertEquals(systemSddl(built), built);
});

test("an account that can't be resolved is LookupAccountNameW's error, and it names the account", async () => {
  const dir = await Deno.makeTempDir({ prefix: "servitor-security-" });
  const error = win32ErrorOf(() => secureDirectory(dir, { readers: ["LS"], writers: ["servitor-nobody"] }));
  assertEquals([error.fn, error.code], ["LookupAccountNameW", 1332]);
  assertMatch(error.message, /^LookupAccountNameW failed with error 1332: .*"servitor-nobody"/);
  await Deno.remove(dir);
});

test("a missing directory is SetNamedSecurityInfoW's error, and GetNamedSecurityInfoW's", async () => {
  const missing = path.win32.join(await Deno.makeTempDir({ prefix: "servitor-security-" }), "gone", "logs");
  const set = win32ErrorOf(() => secureDirectory(missing, { readers: ["LS"] }));
  assertEquals([set.fn, set.code], ["SetNamedSecurityInfoW", 3]);
  const get = win32ErrorOf(() => directorySddl(missing));
  assertEquals([get.fn, get.code], ["GetNamedSecurityInfoW", 3]);
});

test(
  "a directory secured for LocalService (read) and NetworkService (modify) reads back a protected DACL " +
    "with exactly those entries, SYSTEM and Administrators in full control",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "servitor-security-" });
    await Deno.writeTextFile(path.win32.join(dir, "service.yaml"), "name: x\n");
    secureDirectory(dir, { readers: ["LocalService"], writers: ["NetworkService"] });
    // SetNamedSecurityInfoW marks a DACL it protects auto-inherited as well (PAI); the entries are ours.
    assertEquals(directorySddl(dir).replace(/^(O:BAD:P)AI\(/, "$1("), expected);
    // What the directory held already inherits the entries (ID) from it.
    assertEquals(
      directorySddl(path.win32.join(dir, "service.yaml")).replace(/^O:[^D]*D:(AI)?/, "D:"),
      "D:(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;LS)(A;ID;0x1301bf;;;NS)",
    );
    await Deno.remove(dir, { recursive: true });
  },
  notWindows || underWine,
);

test(
  "under Wine, which keeps no file security, securing a directory succeeds and changes nothing Wine reports",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "servitor-security-" });
    const before = directorySddl(dir);
    // Wine's made-up descriptor: the Unix owner as owner, not protected, Everyone reading.
    assertMatch(
      before,
      /^O:S-1-5-21-[\d-]+D:\(A;OICI;FA;;;SY\)\(A;OICI;FA;;;S-1-5-21-[\d-]+\)\(A;OICI;0x1200a9;;;WD\)$/,
    );
    secureDirectory(dir, { readers: ["LocalService"], writers: ["NetworkService"] });
    assertEquals(directorySddl(dir), before);
    await Deno.remove(dir);
  },
  notWindows || !underWine,
);

test("NT SERVICE\\<name> of an installed service is its service SID on Windows; Wine 10 knows none", () => {
  using scm = ServiceControlManager.connect();
  const name = uniqueName("servitor_sid");
  using service = scm.create({
    name,
    startType: "demand",
    binaryPath: denoServiceCommand("tiny_service.ts"),
  });
  try {
    if (underWine) {
      const error = win32ErrorOf(() => lookupAccountSid(`NT SERVICE\\${name}`));
      assertEquals([error.fn, error.code], ["LookupAccountNameW", 1332]);
    } else {
      assertMatch(lookupAccountSid(`NT SERVICE\\${name}`), /^S-1-5-80(-\d+){5}$/);
    }
  } finally {
    service.delete();
  }
});
