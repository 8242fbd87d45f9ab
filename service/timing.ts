/**
 * How long a start and a stop take, from the spec: the stop escalation's steps and waits, and the start's
 * allowance. The supervisor reckons its wait hints and deadlines from them, a backend its own timeouts
 * (systemd's TimeoutStartSec= and TimeoutStopSec=), so the two never disagree.
 * @module
 */
import type { ServiceSpec } from "./spec.ts";
import { KILL_WAIT_MS, LAUNCH_ALLOWANCE_MS, type StopMethod, stopMethods } from "./vocabulary.ts";

/** A spec and the stop methods the platform it runs on has. */
export interface TimingOptions {
  spec: ServiceSpec;
  methods: readonly StopMethod[];
}

/**
 * The stop escalation for a spec: the methods not skipped (AppStopMethodSkip), each with how long to wait
 * after it.
 *
 * @example
 * ```ts
 * import { stopSteps } from "./timing.ts";
 * import { defaultSpec } from "./spec.ts";
 * const spec = defaultSpec("Web", "/usr/bin/web");
 * spec.stop.skip = 1; // no Ctrl-C
 * stopSteps({ spec, methods: ["interrupt", "close", "kill"] }); // close 1500 ms, kill 3000 ms
 * ```
 */
export function stopSteps(options: TimingOptions): { method: StopMethod; waitMs: number }[] {
  const { stop } = options.spec;
  const waits: Record<StopMethod, number> = {
    interrupt: stop.consoleMs,
    close: stop.windowMs,
    quit: stop.threadsMs,
    kill: KILL_WAIT_MS,
  };
  const skipped = (method: StopMethod) =>
    stopMethods.some((known) => known.method === method && (stop.skip & known.skipBit) !== 0);
  return options.methods
    .filter((method) => !skipped(method))
    .map((method) => ({ method, waitMs: waits[method] }));
}

/** How long a start may take once the host runs: Start/Pre, rotation at start, the launch. */
export function startHintMs(options: TimingOptions): number {
  const preHook = options.spec.hooks["Start/Pre"] ? options.spec.hookDeadlineMs : 0;
  return preHook + LAUNCH_ALLOWANCE_MS + options.spec.output.rotation.delayMs;
}
