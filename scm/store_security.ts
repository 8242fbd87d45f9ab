/**
 * Windows: who may touch servitor's store. ProgramData lets every user create files and folders, and
 * whoever could edit a service's service.yaml could run anything as its account (LocalSystem by default):
 * so each directory of the store is made the administrators' alone as soon as it exists, before anything
 * is written into it, and opened to the service's own account only once that account exists. On Linux the
 * modes 0700 and 0600 do it (service/store.ts).
 * @module
 */
import type { ServiceSpec } from "../service/spec.ts";
import type { StoreSecurity } from "../service/lifecycle/store_files.ts";
import { accountName } from "./manager.ts";
import { scmFailure } from "./errors.ts";

/** The accounts a service's store is opened to: its own, unless LocalSystem (SYSTEM has full control). */
function storeAccounts(spec: ServiceSpec): string[] {
  const account = accountName(spec.account, spec.name);
  return account ? [account] : [];
}

/** The store's security through ffi/security.ts: Windows only. */
export const windowsStoreSecurity: StoreSecurity = {
  async lock(directory) {
    const { secureDirectory } = await import("../ffi/security.ts");
    asServiceManagerError("", () => secureDirectory(directory, {}));
  },
  async grant(directory, logs, spec) {
    const { secureDirectory } = await import("../ffi/security.ts");
    const accounts = storeAccounts(spec);
    asServiceManagerError(spec.name, () => {
      secureDirectory(directory, { readers: accounts });
      if (logs.startsWith(directory)) secureDirectory(logs, { writers: accounts });
    });
  },
};

/** Runs `work`, its Win32 failures as ServiceManagerErrors (scm/errors.ts), about the service `name`. */
function asServiceManagerError(name: string, work: () => void): void {
  try {
    work();
  } catch (error) {
    throw scmFailure(error, name);
  }
}

const ADMINISTRATORS_ONLY = "owner Administrators; nothing inherited; SYSTEM and Administrators full control";

/** What windowsStoreSecurity would do, as lines, for a dry run. */
export function describedStoreSecurity(print: (line: string) => void): StoreSecurity {
  return {
    lock(directory) {
      print(`secure ${directory}: ${ADMINISTRATORS_ONLY}`);
      return Promise.resolve();
    },
    grant(directory, logs, spec) {
      const accounts = storeAccounts(spec);
      print(
        `secure ${directory}: ${ADMINISTRATORS_ONLY}${accounts.map((a) => `; ${a} read & execute`).join("")}`,
      );
      if (logs.startsWith(directory)) {
        print(`secure ${logs}: ${ADMINISTRATORS_ONLY}${accounts.map((a) => `; ${a} modify`).join("")}`);
      }
      return Promise.resolve();
    },
  };
}
