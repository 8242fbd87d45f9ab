/**
 * Process priority classes and processor affinity masks as Win32 takes them, from the model's names.
 * @module
 */
import * as W from "./constants.ts";
import type { Priority } from "../service/spec.ts";

const priorityClasses: Record<Priority, number> = {
  realtime: W.REALTIME_PRIORITY_CLASS,
  high: W.HIGH_PRIORITY_CLASS,
  above_normal: W.ABOVE_NORMAL_PRIORITY_CLASS,
  normal: W.NORMAL_PRIORITY_CLASS,
  below_normal: W.BELOW_NORMAL_PRIORITY_CLASS,
  idle: W.IDLE_PRIORITY_CLASS,
};

/**
 * The *_PRIORITY_CLASS value of a priority, as CreateProcessW's dwCreationFlags and SetPriorityClass take it.
 *
 * @example
 * ```ts
 * import { priorityClassValue } from "./priority.ts";
 * priorityClassValue("below_normal"); // 0x4000
 * ```
 */
export function priorityClassValue(priority: Priority): number {
  return priorityClasses[priority];
}

/** The priority class GetPriorityClass reports, by name; `undefined` for a value servitor doesn't set. */
export function priorityClassName(value: number): Priority | undefined {
  return (Object.keys(priorityClasses) as Priority[]).find((name) => priorityClasses[name] === value);
}

/**
 * The affinity mask (a DWORD_PTR: one bit a processor) for a list of processor numbers, as
 * SetProcessAffinityMask takes it. x64 Windows gives a process at most 64 processors this way.
 *
 * @example
 * ```ts
 * import { affinityMask } from "./priority.ts";
 * affinityMask([0, 1, 2, 4]); // 0b10111n — NSSM's AppAffinity "0-2,4"
 * ```
 */
export function affinityMask(processors: readonly number[]): bigint {
  let mask = 0n;
  for (const processor of processors) {
    if (!Number.isInteger(processor) || processor < 0 || processor > 63) {
      throw new RangeError(`a processor number is 0 to 63, not ${processor}`);
    }
    mask |= 1n << BigInt(processor);
  }
  return mask;
}
