/**
 * How the lifecycle changes servitor's store on disk: for real (modes 0700/0600, atomic writes, the
 * service's lock), or — a dry run — printing each change instead and taking no lock. Chosen once, with the
 * service manager (service/connect.ts), so no command asks whether it is a dry run.
 * @module
 */
import path from "path";
import type { ServiceSpec } from "../spec.ts";
import { writeFileAtomically } from "../store_layout.ts";
import { withServiceLock } from "../lock.ts";
import { CHECKED_SPEC_FILE } from "../checked_spec.ts";
import type { ServiceLockOptions } from "../lock.ts";
import { pathExistsSync } from "../exists.ts";

/**
 * Windows: who may touch servitor's store. ProgramData lets every user create files and folders, and
 * whoever could edit a service's service.yaml could run anything as its account (LocalSystem by default):
 * so each directory of the store is made the administrators' alone as soon as it exists, before anything
 * is written into it, and opened to the service's own account only once that account exists. On Linux the
 * modes 0700 and 0600 do it (service/store.ts).
 */
export interface StoreSecurity {
  /**
   * Makes the existing `directory` the administrators' alone: owned by them, nothing inherited, SYSTEM and
   * the Administrators in full control.
   */
  lock(directory: string): Promise<void>;
  /**
   * Once the service exists (a virtual account NT SERVICE\<name> exists only then): the service's account
   * reads `directory` and changes `logs`, when that is inside it.
   */
  grant(directory: string, logs: string, spec: ServiceSpec): Promise<void>;
}

/** The store's changes on disk. */
export interface StoreFiles {
  /** Makes `directory` (and its parents), private to its owner where modes count; true when this call made it. */
  makeDirectory(directory: string): Promise<boolean>;
  /** Writes `file` atomically, private to its owner. */
  write(file: string, text: string): Promise<void>;
  /** Deletes `directory` and all in it; nothing when it is not there. */
  removeDirectory(directory: string): Promise<void>;
  /** Undoes a write: `file` back to `before`, or gone when it was not there. */
  restore(file: string, before: string | undefined): Promise<void>;
  /** Runs `work` holding a service's lock (service/lock.ts). */
  withLock<T>(options: ServiceLockOptions, work: () => Promise<T>): Promise<T>;
}

/** The store on disk, as it is. */
export const diskStore: StoreFiles = {
  async makeDirectory(directory) {
    // mkdir itself says whether it made the directory: a rollback removes only a directory this command made.
    try {
      await Deno.mkdir(directory, { mode: 0o700 });
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.mkdir(path.dirname(directory), { recursive: true, mode: 0o700 });
    return await diskStore.makeDirectory(directory);
  },
  write: writeFileAtomically,
  async removeDirectory(directory) {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  },
  async restore(file, before) {
    if (before === undefined) await Deno.remove(file).catch(() => {});
    else await writeFileAtomically(file, before);
  },
  withLock: withServiceLock,
};

/**
 * A dry run's store: each change is a line for `print` instead (`windows`: no modes to name); nothing is
 * written, so nothing is undone, and no lock is taken.
 */
export function printingStore(print: (line: string) => void, windows: boolean): StoreFiles {
  const mode = (bits: string) => windows ? "" : ` (mode ${bits})`;
  return {
    makeDirectory(directory) {
      if (!pathExistsSync(directory)) print(`mkdir ${directory}${mode("0700")}`);
      return Promise.resolve(false);
    },
    write(file, text) {
      // The checked form is service.yaml's again, on one line: named, not shown.
      if (path.basename(file) === CHECKED_SPEC_FILE) {
        print(`write ${file}${mode("0600")}: service.yaml as checked, for the host`);
        return Promise.resolve();
      }
      const body = text.trimEnd().split("\n").map((line) => `    ${line}`).join("\n");
      print(`write ${file}${mode("0600")}:\n${body}`);
      return Promise.resolve();
    },
    removeDirectory(directory) {
      if (pathExistsSync(directory)) print(`rm -r ${directory}`);
      return Promise.resolve();
    },
    restore: () => Promise.resolve(),
    withLock: (_options, work) => work(),
  };
}
