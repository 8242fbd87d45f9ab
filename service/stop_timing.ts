/**
 * How a service's program is stopped and how long its host may take, whoever runs it: the stop methods and
 * their waits, the host's own exit codes, and the start allowance. The host (host/supervisor.ts) acts on
 * them; a backend (systemd/unit.ts: TimeoutStopSec=, SuccessExitStatus=) tells its manager the same figures.
 * @module
 */
import type { ServiceSpec } from "./spec.ts";

/**
 * The graceful stop methods, in NSSM's order, each with its AppStopMethodSkip bit:
 * interrupt = Ctrl-C to the console (SIGINT on Linux), bit 1;
 * close = WM_CLOSE to the windows (SIGTERM on Linux), bit 2;
 * quit = WM_QUIT to the threads (nothing on Linux), bit 4;
 * kill = TerminateProcess (SIGKILL on Linux), bit 8.
 */
export type StopMethod = "interrupt" | "close" | "quit" | "kill";

export const stopMethods: readonly { method: StopMethod; skipBit: number }[] = [
  { method: "interrupt", skipBit: 1 },
  { method: "close", skipBit: 2 },
  { method: "quit", skipBit: 4 },
  { method: "kill", skipBit: 8 },
];

/** The stop methods a program has on Linux: no thread messages there. */
export const POSIX_STOP_METHODS: readonly StopMethod[] = ["interrupt", "close", "kill"];

/**
 * The service-specific exit codes the host reports when it, not the program, ends the service; also the
 * host's process exit code. They fit in a byte (a Linux exit status) and stay clear of systemd's own 200–243.
 */
export const HostExitCode = {
  /** The stored configuration is missing or invalid. */
  configuration: 250,
  /** The program could not be started. */
  launchFailed: 251,
  /** A Start/Pre hook exited with 99. */
  startAborted: 252,
  /** The restart budget was spent. */
  restartBudgetSpent: 253,
  /** The host itself failed. */
  internal: 254,
} as const;

/** How long the host allows itself to start the program once hooks are done (rotation included). */
export const LAUNCH_ALLOWANCE_MS = 5_000;
/** How long the host waits for the program to vanish after the last stop method. */
export const KILL_WAIT_MS = 3_000;

/** What the stop timing depends on: the spec, and the stop methods the platform's launcher has. */
export interface StopTimingOptions {
  spec: ServiceSpec;
  methods: readonly StopMethod[];
}

/** The stop methods tried, in order, with how long each one waits; AppStopMethodSkip leaves some out. */
export function stopSteps(options: StopTimingOptions): { method: StopMethod; waitMs: number }[] {
  const { stop } = options.spec;
  const waits: Record<StopMethod, number> = {
    interrupt: stop.consoleMs,
    close: stop.windowMs,
    quit: stop.threadsMs,
    kill: KILL_WAIT_MS,
  };
  const bit = (method: StopMethod) => stopMethods.find((entry) => entry.method === method)!.skipBit;
  return options.methods
    .filter((method) => (stop.skip & bit(method)) === 0)
    .map((method) => ({ method, waitMs: waits[method] }));
}

/** How long a start may take before the program runs: Start/Pre's deadline, the launch, a rotation's delay. */
export function startHintMs(options: StopTimingOptions): number {
  const preHook = options.spec.hooks["Start/Pre"] ? options.spec.hookDeadlineMs : 0;
  return preHook + LAUNCH_ALLOWANCE_MS + options.spec.output.rotation.delayMs;
}
