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

/** `start_pending` → `start pending`. */
export function stateWord(state: string): string {
  return state.replaceAll("_", " ");
}
