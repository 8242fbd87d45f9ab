/**
 * The settings that mean nothing under systemd, and why: they are kept (a service moved to Windows, or a
 * dump run there, finds them), but `set` and `get` say they change nothing on Linux.
 * @module
 */

/** By their nssm parameter names. */
export const systemdIgnoredSettings: Readonly<Record<string, string>> = {
  AppNoConsole: "Windows consoles: a program under systemd has none",
  AppStopMethodThreads: "WM_QUIT to the program's threads: Linux has no such stop method",
  DependOnGroup: "the SCM's load-order groups: systemd has none",
  Type: "the SCM's service type: a systemd unit has none",
  PreshutdownTimeout: "the SCM's preshutdown notification: systemd stops services with their own timeout",
};
