/**
 * The one place the host asks which platform it is on: the launcher, who runs it (SCM, systemd or a
 * console) and the system log, chosen once at start-up.
 * @module
 */
import { Win32Error } from "../ffi/error.ts";
import { ERROR_FAILED_SERVICE_CONTROLLER_CONNECT } from "../ffi/constants.ts";
import { reportEvent } from "../ffi/eventlog.ts";
import { connectScm } from "../protocol/scm_session.ts";
import {
  connectSignals,
  posixConsoleSignals,
  posixSignals,
  windowsConsoleSignals,
} from "../protocol/signal_session.ts";
import type { HostPlatform } from "./host.ts";
import { posixLauncher } from "./launcher_posix.ts";
import { windowsLauncher } from "./launcher_windows.ts";

/** The platform this process runs on. `exe` is how servitor itself is started (for hooks' NSSM_EXE). */
export function hostPlatform(exe: string, version: string): HostPlatform {
  return Deno.build.os === "windows" ? windows(exe, version) : posix(exe, version);
}

function windows(exe: string, version: string): HostPlatform {
  return {
    windows: true,
    version,
    launcher: windowsLauncher,
    exe,
    async connect(name, handler, onError) {
      try {
        return await connectScm(name, handler, onError);
      } catch (error) {
        // Started by a person, not the SCM: run in the foreground, Ctrl-C meaning stop.
        if (error instanceof Win32Error && error.code === ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
          return connectSignals("console", name, windowsConsoleSignals, handler, onError);
        }
        throw error;
      }
    },
    systemLog: (level, message) => reportEvent("servitor", level === "info" ? "information" : level, message),
  };
}

function posix(exe: string, version: string): HostPlatform {
  return {
    windows: false,
    version,
    launcher: posixLauncher,
    exe,
    connect(name, handler, onError) {
      // systemd sets INVOCATION_ID for every unit it starts.
      const kind = Deno.env.get("INVOCATION_ID") ? "systemd" : "console";
      const signals = kind === "systemd" ? posixSignals : posixConsoleSignals;
      return Promise.resolve(connectSignals(kind, name, signals, handler, onError));
    },
  };
}
