/**
 * File-system security for servitor's stored configuration: a directory that administrators alone may
 * change, that the service's own account may read (its service.yaml) and write where it must (its logs).
 *
 * The security descriptor is written as SDDL and converted by the system
 * (ConvertStringSecurityDescriptorToSecurityDescriptorW), so no ACL is laid out by hand; building that SDDL
 * is pure code, tested on Linux. Every account ends up in it as an SDDL alias (`SY`, `BA`, `LS`, `NS` …) or
 * as a SID string from LookupAccountNameW, never as text from the caller: a name can't smuggle an ACE of its
 * own into the string.
 * @module
 */
import * as W from "./constants.ts";
import { check, Win32Error } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { lazyLibrary } from "./library.ts";
import { readWideAt } from "./memory.ts";
import { wide } from "./strings.ts";

// advapi32.dll's security functions, opened on their own (ffi/advapi32.ts holds the SCM's).
const symbols = {
  // lpSystemName, lpAccountName, Sid, cbSid, ReferencedDomainName, cchReferencedDomainName, peUse
  LookupAccountNameW: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  // Sid, StringSid (out, LocalFree)
  ConvertSidToStringSidW: { parameters: ["buffer", "buffer"], result: "i32" },
  // StringSecurityDescriptor, StringSDRevision, SecurityDescriptor (out, LocalFree), SecurityDescriptorSize
  ConvertStringSecurityDescriptorToSecurityDescriptorW: {
    parameters: ["buffer", "u32", "buffer", "pointer"],
    result: "i32",
  },
  // SecurityDescriptor, RequestedStringSDRevision, SecurityInformation, StringSecurityDescriptor (out,
  // LocalFree), StringSecurityDescriptorLen
  ConvertSecurityDescriptorToStringSecurityDescriptorW: {
    parameters: ["pointer", "u32", "u32", "buffer", "pointer"],
    result: "i32",
  },
  // pSecurityDescriptor, lpbDaclPresent, pDacl (out, into pSecurityDescriptor), lpbDaclDefaulted
  GetSecurityDescriptorDacl: { parameters: ["pointer", "buffer", "buffer", "buffer"], result: "i32" },
  // pSecurityDescriptor, pOwner (out, into pSecurityDescriptor), lpbOwnerDefaulted
  GetSecurityDescriptorOwner: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  // pObjectName, ObjectType, SecurityInfo, psidOwner, psidGroup, pDacl, pSacl; returns a Win32 error code
  SetNamedSecurityInfoW: {
    parameters: ["buffer", "u32", "u32", "pointer", "pointer", "pointer", "pointer"],
    result: "u32",
  },
  // pObjectName, ObjectType, SecurityInfo, ppsidOwner, ppsidGroup, ppDacl, ppSacl, ppSecurityDescriptor
  // (out, LocalFree); returns a Win32 error code
  GetNamedSecurityInfoW: {
    parameters: ["buffer", "u32", "u32", "pointer", "pointer", "pointer", "pointer", "buffer"],
    result: "u32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

const security = lazyLibrary("advapi32.dll", symbols);

// sddl.h, accctrl.h (SE_OBJECT_TYPE), winnt.h (SECURITY_INFORMATION, file access rights), winerror.h.
const SDDL_REVISION_1 = 1;
const SE_FILE_OBJECT = 1;
const OWNER_SECURITY_INFORMATION = 0x1;
const DACL_SECURITY_INFORMATION = 0x4;
const PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000;
/** FILE_GENERIC_READ | FILE_GENERIC_EXECUTE: what Explorer calls "Read & execute". */
const FILE_READ_EXECUTE = 0x1200a9;
/** FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE: Explorer's "Modify". */
const FILE_MODIFY = 0x1301bf;
/** SECURITY_MAX_SID_SIZE: no SID is longer. */
const SECURITY_MAX_SID_SIZE = 68;

/** Who may do what in a secured directory, besides SYSTEM and the Administrators (who may do anything). */
export interface DirectoryAccess {
  /** Accounts that may read (and list, and traverse) the directory and everything in it. */
  readers?: readonly string[];
  /** Accounts that may also create, change and delete in it ("Modify"). */
  writers?: readonly string[];
}

/**
 * The SDDL alias of each well-known account servitor meets, under the names a person or the SCM writes
 * for it (case-insensitive), its SID string, and the alias itself. ConvertSecurityDescriptorToString-
 * SecurityDescriptorW prints these SIDs as their aliases, so using the alias keeps built and read-back SDDL
 * alike.
 */
const wellKnown: Record<string, readonly string[]> = {
  SY: ["LocalSystem", "SYSTEM", "NT AUTHORITY\\SYSTEM", "S-1-5-18"],
  LS: [
    "LocalService",
    "LOCAL SERVICE",
    "NT AUTHORITY\\LocalService",
    "NT AUTHORITY\\LOCAL SERVICE",
    "S-1-5-19",
  ],
  NS: [
    "NetworkService",
    "NETWORK SERVICE",
    "NT AUTHORITY\\NetworkService",
    "NT AUTHORITY\\NETWORK SERVICE",
    "S-1-5-20",
  ],
  BA: ["Administrators", "BUILTIN\\Administrators", "S-1-5-32-544"],
  BU: ["Users", "BUILTIN\\Users", "S-1-5-32-545"],
  AU: ["Authenticated Users", "NT AUTHORITY\\Authenticated Users", "S-1-5-11"],
  WD: ["Everyone", "S-1-1-0"],
};

const aliasOf = new Map<string, string>(
  Object.entries(wellKnown).flatMap(([alias, names]) => names.map((name) => [name.toUpperCase(), alias])),
);

const SID_STRING = /^S-1-\d+(-\d+)*$/i;

/**
 * How `account` is written in SDDL when no lookup is needed: the alias of a well-known account (by any of
 * its names, its SID, or the alias itself, which must be upper-case), a SID string as it is (upper-cased),
 * and `undefined` for any other name, which LookupAccountNameW must resolve.
 *
 * @example
 * ```ts
 * import { sddlTrustee } from "./security.ts";
 * sddlTrustee("NT AUTHORITY\\LocalService"); // "LS"
 * sddlTrustee("S-1-5-80-1-2-3-4-5"); // "S-1-5-80-1-2-3-4-5"
 * sddlTrustee("NT SERVICE\\MyServer"); // undefined
 * ```
 */
export function sddlTrustee(account: string): string | undefined {
  if (Object.hasOwn(wellKnown, account)) return account;
  const alias = aliasOf.get(account.toUpperCase());
  if (alias) return alias;
  if (SID_STRING.test(account)) return account.toUpperCase();
  return undefined;
}

/** The accounts of a {@link DirectoryAccess} as SDDL trustees: aliases or SID strings. */
export interface DirectoryTrustees {
  /** Those given read & execute. */
  readers: readonly string[];
  /** Those given modify. */
  writers: readonly string[];
}

/**
 * The security descriptor, as SDDL, of a directory only administrators may change: owned by the
 * Administrators, its DACL protected (nothing inherited from the parent, such as ProgramData's
 * "Users may create"), SYSTEM and the Administrators with full control, each reader with read & execute and
 * each writer with modify; every entry inherited by the files and directories inside (OICI). An account
 * that is already a writer, SYSTEM or Administrators gets no second entry.
 *
 * @throws {RangeError} when a trustee is neither a known SDDL alias nor a SID string.
 * @example
 * ```ts
 * import { directorySddlFor } from "./security.ts";
 * directorySddlFor({ readers: ["LS"], writers: ["NS"] });
 * // "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;LS)(A;OICI;0x1301bf;;;NS)"
 * ```
 */
export function directorySddlFor(trustees: DirectoryTrustees): string {
  for (const trustee of [...trustees.readers, ...trustees.writers]) {
    if (!Object.hasOwn(wellKnown, trustee) && !SID_STRING.test(trustee)) {
      throw new RangeError(`"${trustee}" is neither an SDDL alias servitor knows nor a SID string`);
    }
  }
  const full = ["SY", "BA"];
  const writers = [...new Set(trustees.writers.map((t) => t.toUpperCase()))].filter((t) => !full.includes(t));
  const readers = [...new Set(trustees.readers.map((t) => t.toUpperCase()))]
    .filter((t) => !full.includes(t) && !writers.includes(t));
  const ace = (rights: string, trustee: string) => `(A;OICI;${rights};;;${trustee})`;
  const hex = (mask: number) => `0x${mask.toString(16)}`;
  return "O:BAD:P" +
    full.map((t) => ace("FA", t)).join("") +
    readers.map((t) => ace(hex(FILE_READ_EXECUTE), t)).join("") +
    writers.map((t) => ace(hex(FILE_MODIFY), t)).join("");
}

/**
 * Resolves each account of `access` to its SDDL trustee: well-known ones and SID strings as
 * {@link sddlTrustee} does, any other name through `lookup` (which returns a SID string).
 *
 * @example
 * ```ts
 * import { resolveTrustees } from "./security.ts";
 * resolveTrustees({ readers: ["NT SERVICE\\MyServer"], writers: ["LocalService"] }, () => "S-1-5-80-1-2-3-4-5");
 * // { readers: ["S-1-5-80-1-2-3-4-5"], writers: ["LS"] }
 * ```
 */
export function resolveTrustees(
  access: DirectoryAccess,
  lookup: (account: string) => string,
): DirectoryTrustees {
  const resolve = (account: string) => sddlTrustee(account) ?? sddlTrustee(lookup(account)) ?? account;
  return { readers: (access.readers ?? []).map(resolve), writers: (access.writers ?? []).map(resolve) };
}

/** Reads the pointer a `PVOID*` out-parameter received. */
function outPointer(cell: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(cell[0]);
}

/** Frees what the system allocated for us (LocalAlloc'd results). */
function localFree(pointer: Deno.PointerValue): void {
  if (pointer) kernel32().LocalFree(pointer);
}

/**
 * The SID string of `account` (a user, a group, `NT SERVICE\<service>` …), from LookupAccountNameW.
 *
 * @throws {Win32Error} LookupAccountNameW's, its message naming the account, when there is no such account.
 * @example
 * ```ts ignore
 * import { lookupAccountSid } from "./security.ts";
 * lookupAccountSid("NT SERVICE\\MyServer"); // "S-1-5-80-…"
 * ```
 */
export function lookupAccountSid(account: string): string {
  const name = wide(account);
  let sidSize = SECURITY_MAX_SID_SIZE;
  let domainLength = 256;
  for (;;) {
    const sid = new Uint8Array(sidSize);
    const domain = new Uint8Array(domainLength * 2);
    const sidSizeCell = new Uint32Array([sidSize]);
    const domainLengthCell = new Uint32Array([domainLength]);
    try {
      check(
        "LookupAccountNameW",
        security().LookupAccountNameW(
          null,
          name,
          sid,
          sidSizeCell,
          domain,
          domainLengthCell,
          new Uint32Array(1),
        ),
      );
    } catch (error) {
      if (!(error instanceof Win32Error)) throw error;
      // Too small a buffer: the cells now hold the sizes needed.
      const larger = sidSizeCell[0] > sidSize || domainLengthCell[0] > domainLength;
      if (error.code === W.ERROR_INSUFFICIENT_BUFFER && larger) {
        sidSize = Math.max(sidSize, sidSizeCell[0]);
        domainLength = Math.max(domainLength, domainLengthCell[0]);
        continue;
      }
      error.message += ` (the account "${account}")`;
      throw error;
    }
    return sidString(sid);
  }
}

/** ConvertSidToStringSidW: "S-1-5-…". */
function sidString(sid: Uint8Array<ArrayBuffer>): string {
  const out = new BigUint64Array(1);
  check("ConvertSidToStringSidW", security().ConvertSidToStringSidW(sid, out));
  const text = outPointer(out)!;
  try {
    return readWideAt(text);
  } finally {
    localFree(text);
  }
}

/** Calls `use` with the security descriptor that `sddl` describes, then frees it. */
function withSecurityDescriptor<T>(sddl: string, use: (descriptor: Deno.PointerObject) => T): T {
  const out = new BigUint64Array(1);
  check(
    "ConvertStringSecurityDescriptorToSecurityDescriptorW",
    security().ConvertStringSecurityDescriptorToSecurityDescriptorW(wide(sddl), SDDL_REVISION_1, out, null),
  );
  const descriptor = outPointer(out)!;
  try {
    return use(descriptor);
  } finally {
    localFree(descriptor);
  }
}

/**
 * Sets the security of the existing directory `path` to {@link directorySddlFor}'s: owned by the
 * Administrators, a protected DACL (nothing inherited from ProgramData, which lets every user create files
 * there) with SYSTEM and the Administrators in full control, each reader with read & execute and each
 * writer with modify. SetNamedSecurityInfoW passes the inheritable entries on to what the directory holds
 * already. Accounts are names (`NT SERVICE\MyServer`, `.\alice`, `DOMAIN\bob`), SID strings, or the
 * SDDL aliases of the well-known ones (`SY`, `LS`, `NS`, `BA` …; `LocalService` and
 * `NT AUTHORITY\LocalService` work as well).
 *
 * The owner is set as well: whoever created the directory (ProgramData lets any user create one first)
 * would otherwise stay its owner, and an owner may always rewrite the DACL. That takes an elevated caller.
 *
 * @throws {Win32Error} LookupAccountNameW's for an unknown account (its message names the account), and
 *   SetNamedSecurityInfoW's when the directory can't be changed.
 * @example
 * ```ts ignore
 * import { secureDirectory } from "./security.ts";
 * secureDirectory("C:\\ProgramData\\servitor\\MyServer", { readers: ["NT SERVICE\\MyServer"] });
 * ```
 */
export function secureDirectory(path: string, access: DirectoryAccess): void {
  const sddl = directorySddlFor(resolveTrustees(access, lookupAccountSid));
  withSecurityDescriptor(sddl, (descriptor) => {
    const owner = new BigUint64Array(1);
    const present = new Int32Array(1);
    const dacl = new BigUint64Array(1);
    const defaulted = new Int32Array(1);
    check("GetSecurityDescriptorOwner", security().GetSecurityDescriptorOwner(descriptor, owner, defaulted));
    check(
      "GetSecurityDescriptorDacl",
      security().GetSecurityDescriptorDacl(descriptor, present, dacl, defaulted),
    );
    // The owner and the DACL point into `descriptor`, which lives until this callback returns.
    const code = security().SetNamedSecurityInfoW(
      wide(path),
      SE_FILE_OBJECT,
      // `>>> 0`: JavaScript's | is signed, and PROTECTED_DACL_SECURITY_INFORMATION is the top bit.
      (OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION) >>> 0,
      outPointer(owner),
      null,
      outPointer(dacl),
      null,
    );
    if (code !== 0) throw Win32Error.of("SetNamedSecurityInfoW", code);
  });
}

/** The owner and DACL of a security descriptor in memory, as SDDL. */
function descriptorSddl(descriptor: Deno.PointerObject): string {
  const out = new BigUint64Array(1);
  check(
    "ConvertSecurityDescriptorToStringSecurityDescriptorW",
    security().ConvertSecurityDescriptorToStringSecurityDescriptorW(
      descriptor,
      SDDL_REVISION_1,
      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
      out,
      null,
    ),
  );
  const text = outPointer(out)!;
  try {
    return readWideAt(text);
  } finally {
    localFree(text);
  }
}

/**
 * `sddl` as the system reads it: converted to a security descriptor and back to SDDL (owner and DACL).
 * What comes back is what the system understood, in its own spelling (well-known SIDs as aliases, access
 * masks it has names for as those names): a check that a string says what it was meant to.
 *
 * @throws {Win32Error} ConvertStringSecurityDescriptorToSecurityDescriptorW's when `sddl` is not valid.
 * @example
 * ```ts ignore
 * import { systemSddl } from "./security.ts";
 * systemSddl("O:S-1-5-32-544D:P(A;OICI;FA;;;S-1-5-18)"); // "O:BAD:P(A;OICI;FA;;;SY)"
 * ```
 */
export function systemSddl(sddl: string): string {
  return withSecurityDescriptor(sddl, descriptorSddl);
}

/**
 * The owner and DACL of the file or directory `path`, as SDDL (GetNamedSecurityInfoW, then
 * ConvertSecurityDescriptorToStringSecurityDescriptorW): what {@link secureDirectory} set, or whatever
 * else is there. Well-known accounts appear as their aliases, others as SID strings. Windows marks a DACL
 * that SetNamedSecurityInfoW protected as auto-inherited as well: `D:PAI(…)`.
 *
 * @throws {Win32Error} GetNamedSecurityInfoW's when the path is missing or its security can't be read.
 * @example
 * ```ts ignore
 * import { directorySddl } from "./security.ts";
 * directorySddl("C:\\ProgramData\\servitor\\MyServer");
 * // "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;S-1-5-80-…)"
 * ```
 */
export function directorySddl(path: string): string {
  const out = new BigUint64Array(1);
  const code = security().GetNamedSecurityInfoW(
    wide(path),
    SE_FILE_OBJECT,
    OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
    null,
    null,
    null,
    null,
    out,
  );
  if (code !== 0) throw Win32Error.of("GetNamedSecurityInfoW", code);
  const descriptor = outPointer(out)!;
  try {
    return descriptorSddl(descriptor);
  } finally {
    localFree(descriptor);
  }
}
