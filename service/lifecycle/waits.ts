/**
 * Waiting for a service to reach a state: polled, a progress line after a moment, a "timed out" failure
 * naming the state it is still in.
 * @module
 */
import type { ServiceState } from "../vocabulary.ts";
import { type ManagedStatus, type ServiceManager, ServiceManagerError } from "../manager.ts";

/** What a wait needs: the manager to ask, and where its progress line goes. */
export interface WaitContext {
  manager: ServiceManager;
  warn(line: string): void;
}

const POLL_MS = 100;
/** How long a wait is quiet before it says what it waits for. */
const QUIET_MS = 1000;

const shown = (state: ServiceState) => state.replace("_", " ");

function timedOut(name: string, state: ServiceState, target: ServiceState, waitedMs: number) {
  return new ServiceManagerError(
    `'${name}' is still ${shown(state)} after ${Math.round(waitedMs / 1000)} s (wanted ${target}); ` +
      `see 'ManageService ${name} status'`,
    "timed_out",
  );
}

/**
 * Polls until the service is in `target`; "timed out" after `timeoutMs`; "start failed" with the reason
 * `failed` gives for a status (undefined: not failed).
 */
export async function waitFor(
  context: WaitContext,
  name: string,
  target: ServiceState,
  timeoutMs: number,
  failed?: (status: ManagedStatus) => Promise<string | undefined>,
): Promise<ManagedStatus> {
  const started = Date.now();
  let told = false;
  for (;;) {
    const status = await context.manager.status(name);
    if (status.state === target) return status;
    const reason = await failed?.(status);
    if (reason) throw new ServiceManagerError(reason, "start_failed");
    const waited = Date.now() - started;
    if (waited > timeoutMs) throw timedOut(name, status.state, target, waited);
    if (!told && waited > QUIET_MS) {
      context.warn(`waiting for '${name}' to be ${target} (${shown(status.state)})…`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The start request itself may take the whole start: systemd's `start` returns once the host said READY=1,
 * after any Start/Pre hook. The same progress line and timeout as waitFor meanwhile.
 */
export async function whileStarting(
  context: WaitContext,
  name: string,
  start: Promise<void>,
  timeoutMs: number,
): Promise<void> {
  let progress: ReturnType<typeof setTimeout> | undefined;
  let timeout: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      start,
      new Promise<void>(() => {
        progress = setTimeout(
          () => context.warn(`waiting for '${name}' to be running (start pending)…`),
          QUIET_MS,
        );
      }),
      new Promise<void>((_, reject) => {
        timeout = setTimeout(() => reject(timedOut(name, "start_pending", "running", timeoutMs)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(progress);
    clearTimeout(timeout);
  }
}

/** Polls until the manager no longer lists `name`: the SCM deletes a service once its last handle closes. */
export async function waitUntilGone(context: WaitContext, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await context.manager.exists(name)) {
    if (Date.now() > deadline) {
      throw new ServiceManagerError(
        `'${name}' is marked for deletion but still there: close services.msc`,
        "timed_out",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
