import { assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { directorySddlFor, resolveTrustees, sddlTrustee, secureDirectory } from "../../ffi/security.ts";

Deno.test("the service accounts are written as the aliases Windows prints them as, whatever their spelling", () => {
  for (
    const name of [
      "LocalService",
      "localservice",
      "NT AUTHORITY\\LocalService",
      "NT AUTHORITY\\LOCAL SERVICE",
    ]
  ) {
    assertEquals(sddlTrustee(name), "LS", name);
  }
  for (const name of ["NetworkService", "NT AUTHORITY\\NetworkService", "nt authority\\network service"]) {
    assertEquals(sddlTrustee(name), "NS", name);
  }
  for (const name of ["LocalSystem", "SYSTEM", "NT AUTHORITY\\SYSTEM", "S-1-5-18", "SY"]) {
    assertEquals(sddlTrustee(name), "SY", name);
  }
  assertEquals(sddlTrustee("BUILTIN\\Administrators"), "BA");
  assertEquals(sddlTrustee("S-1-5-19"), "LS");
});

Deno.test("a SID string is kept as it is, and any other name is left to LookupAccountNameW", () => {
  assertEquals(
    sddlTrustee("S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"),
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
  );
  assertEquals(sddlTrustee("s-1-5-21-1-2-3-1001"), "S-1-5-21-1-2-3-1001");
  assertEquals(sddlTrustee("NT SERVICE\\MyServer"), undefined);
  assertEquals(sddlTrustee(".\\alice"), undefined);
  // Aliases are upper-case, as SDDL writes them: "ls" may be a user's name.
  assertEquals(sddlTrustee("ls"), undefined);
  assertEquals(sddlTrustee("toString"), undefined);
});

Deno.test("a secured directory: owned by the Administrators, protected, SYSTEM and Administrators in full control", () => {
  assertEquals(
    directorySddlFor({ readers: ["LS"], writers: ["NS"] }),
    "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;LS)(A;OICI;0x1301bf;;;NS)",
  );
  assertEquals(directorySddlFor({ readers: [], writers: [] }), "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
});

Deno.test("readers get read & execute, writers modify, each once, in the order given", () => {
  const service = "S-1-5-80-1-2-3-4-5";
  const user = "S-1-5-21-1-2-3-1001";
  assertEquals(
    directorySddlFor({ readers: [user, service, "LS", user, "LS"], writers: [service, "NS"] }),
    "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)" +
      `(A;OICI;0x1200a9;;;${user})(A;OICI;0x1200a9;;;LS)` +
      `(A;OICI;0x1301bf;;;${service})(A;OICI;0x1301bf;;;NS)`,
  );
});

Deno.test("SYSTEM or the Administrators as reader or writer add nothing: they have full control already", () => {
  assertEquals(
    directorySddlFor({ readers: ["SY", "BA"], writers: ["SY"] }),
    "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
  );
});

Deno.test("a trustee that is neither an alias nor a SID string can't smuggle an entry into the SDDL", () => {
  assertThrows(() => directorySddlFor({ readers: ["LS)(A;OICI;FA;;;WD"], writers: [] }), RangeError);
  assertThrows(() => directorySddlFor({ readers: [], writers: ["alice"] }), RangeError);
  assertThrows(() => directorySddlFor({ readers: ["S-1-5-18)(A;;FA;;;WD"], writers: [] }), RangeError);
  assertThrows(() => directorySddlFor({ readers: ["constructor"], writers: [] }), RangeError);
});

Deno.test("only names that aren't well-known are looked up, and a looked-up well-known SID becomes its alias", () => {
  const looked: string[] = [];
  const sids: Record<string, string> = {
    "NT SERVICE\\MyServer": "S-1-5-80-1-2-3-4-5",
    "LOCAL SERVICE (localized)": "S-1-5-19",
  };
  const trustees = resolveTrustees(
    { readers: ["LocalService", "NT SERVICE\\MyServer", "LOCAL SERVICE (localized)"], writers: ["NS"] },
    (account) => {
      looked.push(account);
      return sids[account];
    },
  );
  assertEquals(trustees, { readers: ["LS", "S-1-5-80-1-2-3-4-5", "LS"], writers: ["NS"] });
  assertEquals(looked, ["NT SERVICE\\MyServer", "LOCAL SERVICE (localized)"]);
  assertEquals(resolveTrustees({}, () => "S-1-1-0"), { readers: [], writers: [] });
});

Deno.test("an account the lookup can't resolve fails with the lookup's error", () => {
  const unknown = new Error('LookupAccountNameW failed with error 1332 (the account "nobody")');
  assertThrows(() =>
    resolveTrustees({ readers: ["nobody"] }, () => {
      throw unknown;
    })
  );
});

Deno.test("off Windows, securing a directory fails with one clear error", {
  ignore: Deno.build.os === "windows",
}, () => {
  let message = "";
  try {
    secureDirectory("/tmp", { readers: ["LS"] });
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /advapi32\.dll is a Windows library/);
});
