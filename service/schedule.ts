/**
 * Scheduled restarts (`--restart_at HH:MM[,HH:MM…]`, local time): parsing the times, and when the next one
 * is due. Pure, so the host's timer and the tests share it.
 * @module
 */

/** The restart times of `--restart_at` (`HH:MM[,HH:MM…]`, local time): minutes after midnight, sorted. */
export function parseRestartTimes(text: string): number[] {
  const minutes = text.split(",").map((part) => {
    const match = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(part);
    const [hours, mins] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
    if (!match || hours > 23 || mins > 59) {
      throw new RangeError(`"${part.trim()}" is not a time of day: expected HH:MM, from 00:00 to 23:59`);
    }
    return hours * 60 + mins;
  });
  return [...new Set(minutes)].sort((a, b) => a - b);
}

/**
 * When the next scheduled restart is due after `now`, by local time: the earliest of today's and
 * tomorrow's times that is still ahead. Days are counted in local dates, so a day of 23 or 25 hours (a DST
 * change) keeps the times of day; a time that the change skips (02:30 when clocks go from 02:00 to 03:00)
 * falls to the same moment one hour later, as `Date` resolves it, and a time that happens twice (when
 * clocks go back) is taken at its first occurrence.
 */
export function nextRestartAt(now: Date, timesOfDay: readonly number[]): Date | undefined {
  let next: Date | undefined;
  for (const dayOffset of [0, 1, 2]) {
    for (const minutes of timesOfDay) {
      const candidate = new Date(
        now.getFullYear(),
        now.getMonth(),
        now.getDate() + dayOffset,
        Math.floor(minutes / 60),
        minutes % 60,
      );
      if (candidate.getTime() > now.getTime() && (!next || candidate < next)) next = candidate;
    }
    if (next) return next;
  }
  return next;
}
