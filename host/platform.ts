/**
 * The one place the host asks which platform it is on: the launcher, who runs it (SCM, systemd or a
 * console) and the system log, chosen once at start-up.
 * @module
 */
import { reportEvent } from "../ffi/eventlog.ts";
import { libcAvailable, trimHeap } from "../ffi/libc.ts";
import { connectSession, type SessionSignals } from "../protocol/connect.ts";
import { posixConsoleSignals, posixSignals, windowsConsoleSignals } from "../protocol/signal_session.ts";
import type { HostPlatform } from "./host.ts";
import { posixLauncher } from "./launcher_posix.ts";
import { windowsLauncher } from "./launcher_windows.ts";

/** The platform this process runs on. `exe` is how servitor itself is started (for hooks' NSSM_EXE). */
export function hostPlatform(exe: string, version: string): HostPlatform {
  return Deno.build.os === "windows" ? windows(exe, version) : posix(exe, version);
}

const signals: SessionSignals = {
  windows: windowsConsoleSignals,
  posix: posixSignals,
  posixConsole: posixConsoleSignals,
};

function windows(exe: string, version: string): HostPlatform {
  return {
    windows: true,
    version,
    launcher: windowsLauncher,
    exe,
    connect: (name, handler, onError) => connectSession(name, handler, onError, signals),
    systemLog: (level, message) => reportEvent("servitor", level === "info" ? "information" : level, message),
  };
}

function posix(exe: string, version: string): HostPlatform {
  return {
    windows: false,
    version,
    launcher: posixLauncher,
    exe,
    async connect(name, handler, onError) {
      const session = await connectSession(name, handler, onError, signals);
      // The host speaks for the service: the program and hooks must not say READY=1 or STOPPING=1 to
      // systemd in its place (sd_notify(3)'s unset_environment, for the same reason).
      Deno.env.delete("NOTIFY_SOCKET");
      return session;
    },
    releaseFreedMemory() {
      // Best effort: without --allow-ffi, or without glibc, the memory stays with the host, as it did.
      try {
        if (Deno.build.os === "linux" && libcAvailable()) trimHeap();
      } catch { /* not glibc */ }
    },
  };
}
