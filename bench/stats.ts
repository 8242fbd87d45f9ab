/**
 * The benchmarks' arithmetic: every figure is the median of its repetitions with their min and max, and
 * comparisons are ratios of medians taken in the same run. Pure functions, unit-tested.
 * @module
 */

/** One measured quantity: the median of `n` repetitions, with the smallest and largest. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Sums up repetitions; undefined when there are none (a contender that could not be measured).
 *
 * @example
 * ```ts
 * import { summarize } from "./stats.ts";
 * summarize([3, 1, 2]); // { median: 2, min: 1, max: 3, n: 3 }
 * summarize([1, 2, 3, 10]); // median 2.5
 * ```
 */
export function summarize(values: readonly number[]): Figure | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** `a / b` of two medians, undefined when either is missing or b is 0. */
export function ratio(a: Figure | undefined, b: Figure | undefined): number | undefined {
  if (!a || !b || b.median === 0) return undefined;
  return a.median / b.median;
}

/** Each figure divided by `by` (a unit change: bytes to MiB, ns to ms). */
export function scale(figure: Figure | undefined, by: number): Figure | undefined {
  if (!figure) return undefined;
  return { median: figure.median / by, min: figure.min / by, max: figure.max / by, n: figure.n };
}
