/** How the page writes values: an uptime, a state. */

/** `3725` → `1h 2m 5s`. */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return "";
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`, `${seconds % 60}s`];
  return parts.filter(Boolean).slice(0, 3).join(" ");
}

/** The seconds since `startedAt` (ms since the epoch), as the uptime shown now. */
export function uptimeSince(startedAt: number | undefined, now = Date.now()): number | undefined {
  return startedAt === undefined ? undefined : Math.max(0, Math.round((now - startedAt) / 1000));
}

/** `start_pending` → `start pending`. */
export function stateWord(state: string): string {
  return state.replaceAll("_", " ");
}

/** `1536000` → `1.5 MB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/** `3.14159` → `3.1%`. */
export function formatPercent(percent: number | undefined): string {
  return percent === undefined ? "" : `${percent.toFixed(1)}%`;
}
