/**
 * NSSM's restart throttling ("Restart throttling" in nssm-readme): a run shorter than AppThrottle counts as
 * a failure to start; the first such restart is immediate, then the wait doubles from 2 s up to 256 s, and
 * a run at least AppThrottle long resets the count. AppRestartDelay is a floor under that wait.
 * @module
 */

/** The longest throttle wait. NSSM's readme says "a maximum of four minutes"; its doubling reaches 256 s. */
export const MAX_THROTTLE_MS = 256_000;
const FIRST_THROTTLE_MS = 2_000;

/** The number of consecutive throttled runs after a run of `runtimeMs`. */
export function nextThrottleCount(count: number, runtimeMs: number, throttleMs: number): number {
  return runtimeMs < throttleMs ? count + 1 : 0;
}

/** The throttle wait for `count` consecutive short runs: 0, 0, 2 s, 4 s, 8 s … 256 s. */
export function throttleDelayMs(count: number): number {
  if (count <= 1) return 0;
  // 2^7 · 2 s = 256 s is the ceiling; stop doubling before the number grows without bound.
  return Math.min(FIRST_THROTTLE_MS * 2 ** Math.min(count - 2, 7), MAX_THROTTLE_MS);
}

/** The wait before a restart: whichever is longer of AppRestartDelay and the throttle wait. */
export function restartDelayMs(count: number, restartDelay: number): number {
  return Math.max(restartDelay, throttleDelayMs(count));
}

/** Restart times kept within the budget's window; `spent` when one more would exceed it. */
export function restartBudget(
  history: readonly number[],
  now: number,
  budget: { restarts: number; seconds: number } | undefined,
): { history: number[]; spent: boolean } {
  if (!budget) return { history: [], spent: false };
  const recent = history.filter((at) => now - at < budget.seconds * 1000);
  return { history: recent, spent: recent.length >= budget.restarts };
}
