/**
 * The CLI's side of service/lock.ts: a command that changes a service holds its lock in the store's root,
 * secured as the store is, says so while it waits, and fails with exit code 15 ("busy") after its timeout.
 * A dry run changes nothing and takes no lock.
 * @module
 */
import { DEFAULT_LOCK_TIMEOUT_MS, describeHolder, withServiceLock } from "../service/lock.ts";
import type { CliContext } from "./context.ts";

/** Runs `work` holding the lock of the service `name`, waiting up to `timeoutMs` for another command. */
export async function withLock<T>(
  context: CliContext,
  name: string,
  timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS,
  work: () => Promise<T>,
): Promise<T> {
  if (context.dryRun) return await work();
  return await withServiceLock({
    root: context.configRoot,
    name,
    timeoutMs,
    windows: context.windows,
    secure: context.security ? (directory) => context.security!.lock(directory) : undefined,
    onWait: (holder) => context.warn(`waiting for '${name}': ${describeHolder(holder)} is changing it…`),
  }, work);
}
