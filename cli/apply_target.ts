/**
 * apply's target on this machine: the lifecycle's operations (service/lifecycle.ts), each under the
 * service's lock, with the install record kept in step so that `ManageService X reinstall` reproduces what
 * was applied, and a user account's password taken from the variable the file names — never from the file.
 * @module
 */
import {
  createService,
  type InstallRecord,
  type LifecycleContext,
  listServitorServices,
  readStoredService,
  removeService,
  restartService,
  updateService,
  withServiceLocks,
} from "../service/lifecycle.ts";
import type { DesiredService } from "../service/desired.ts";
import { serviceDirectory, specFile } from "../service/store_layout.ts";
import type { ApplyTarget } from "./apply.ts";
import { CliError } from "./errors.ts";
import { ExitCode } from "./exit_codes.ts";

/**
 * The install record of an applied service: InstallService with the stored spec as its --config, so that a
 * reinstall creates it again exactly as stored (with whatever nssm's `set` changed since, too).
 */
export function appliedRecord(root: string, name: string, windows: boolean): InstallRecord {
  return {
    args: ["--config", specFile(root, name, windows), "--service_name", name],
    cwd: serviceDirectory(root, name, windows),
    installedAt: new Date().toISOString(),
  };
}

/** The password of a user account, from the environment variable `passwordEnv` names. */
function passwordOf(service: DesiredService): string | undefined {
  if (service.spec.account.kind !== "user") return undefined;
  if (!service.passwordEnv) {
    throw new CliError(
      `${service.spec.name}: the account ${service.spec.account.name} needs its password: name the ` +
        `environment variable that holds it with passwordEnv`,
      ExitCode.badValue,
    );
  }
  const password = Deno.env.get(service.passwordEnv);
  if (password === undefined) {
    throw new CliError(
      `${service.spec.name}: passwordEnv: the environment variable ${service.passwordEnv} is not set`,
      ExitCode.badValue,
    );
  }
  return password;
}

/** The lifecycle as apply's target, waiting up to `timeoutMs` for each lock and state. */
export function lifecycleTarget(context: LifecycleContext, timeoutMs: number): ApplyTarget {
  const record = (name: string) => appliedRecord(context.configRoot, name, context.windows);
  return {
    servitorServices: async () => (await listServitorServices(context)).map((service) => service.name),
    current: async (name) => {
      if (!await context.manager.exists(name)) return undefined;
      // A service of that name that servitor did not make has no store: creating it will say "exists".
      const stored = await readStoredService(context, name).catch(() => undefined);
      if (!stored) return undefined;
      return { spec: stored.spec, state: (await context.manager.status(name)).state };
    },
    create: async (service) => {
      await createService(context, service.spec, {
        record: record(service.spec.name),
        password: passwordOf(service),
        timeoutMs,
      });
    },
    update: async (service) => {
      const before = await readStoredService(context, service.spec.name).catch(() => undefined);
      const accountChanged = JSON.stringify(before?.spec.account) !== JSON.stringify(service.spec.account);
      await updateService(context, service.spec.name, service.spec, {
        record: record(service.spec.name),
        password: accountChanged ? passwordOf(service) : undefined,
        timeoutMs,
      });
    },
    remove: (name) => removeService(context, name, { timeoutMs }),
    restart: (name) => restartService(context, name, { timeoutMs }),
    withSetLock: async (work) => {
      const names = (await listServitorServices(context)).map((service) => service.name);
      return await withServiceLocks(context, names, timeoutMs, work);
    },
  };
}
