/**
 * The one description of a service: what the CLI parses into, the YAML store reads and writes, both
 * service-manager backends apply and the host runs. Names and defaults are NSSM's (nssm-readme.txt), each
 * field naming the NSSM parameter it stands for.
 * @module
 */

import type { z } from "zod";
import { type Account, serviceSchema } from "./schema.ts";
import {
  type accountKinds,
  exitActionFor,
  type exitActions,
  hookEvents,
  isSynchronousHook,
  type outputDispositions,
  parseAffinity,
  type priorities,
  type recoveryActions,
  startModes,
  usableAffinity,
} from "./settings.ts";

export { exitActionFor, hookEvents, isSynchronousHook, parseAffinity, startModes, usableAffinity };

/**
 * When the service starts: at boot, at boot after the others (delayed), on request, or never.
 *
 * @example A program that installs itself to start on request only
 * ```ts
 * import { type InstallSelfOptions, type StartMode, startModes } from "../mod.ts";
 * const start: StartMode = "manual";
 * const options: InstallSelfOptions = { name: "Worker", start };
 * console.log(startModes.includes(start)); // true
 * ```
 */
export type StartMode = typeof startModes[number];

/** What the host does when the program exits (AppExit): NSSM's four actions. */
export type ExitAction = typeof exitActions[number];

/** A process priority class (AppPriority), named as SetPriorityClass's constants without _PRIORITY_CLASS. */
export type Priority = typeof priorities[number];

/** NSSM's hook events, as `Event/Action`. */
export type HookEvent = typeof hookEvents[number];

/** A recovery action of the service manager (SCM failure actions; systemd's Restart=). */
export type RecoveryAction = typeof recoveryActions[number];

/** How an output file is opened (AppStdoutCreationDisposition): appended to, or emptied first. */
export type OutputDisposition = typeof outputDispositions[number];

/**
 * Everything about one service, as the schema (./schema.ts) defines it with NSSM's parameter names: what the
 * CLI parses into, the YAML store reads and writes, both service-manager backends apply and the host runs.
 * The display name, which the schema lets a file leave out, is always filled in.
 */
export type ServiceSpec = Omit<z.output<typeof serviceSchema>, "displayName"> & { displayName: string };

/** The account kinds' names. */
export type AccountKind = typeof accountKinds[number];
export type { Account };

/** Output redirection and rotation (AppStdin, AppStdout, AppStderr, AppRotate*, AppTimestampLog). */
export type OutputSpec = ServiceSpec["output"];
/** Rotation (AppRotate*): at start, online by size and on request; beyond NSSM, keep and compress. */
export type RotationSpec = OutputSpec["rotation"];
/** The graceful stop (AppStopMethod*, AppKillProcessTree). */
export type StopSpec = ServiceSpec["stop"];
/** The service manager's own recovery when the host fails (SCM failure actions; systemd's Restart=). */
export type RecoverySpec = NonNullable<ServiceSpec["recovery"]>;
/** Beyond NSSM, off when undefined: at most `restarts` restarts within `seconds`, then Exit. */
export type RestartBudget = NonNullable<ServiceSpec["restartBudget"]>;

/** A spec from the schema's output: the display name, which a file may leave out, filled in with the name. */
export function completeSpec(parsed: z.output<typeof serviceSchema>): ServiceSpec {
  const { name, displayName, ...rest } = parsed;
  return { name, displayName: displayName ?? name, ...rest };
}

/**
 * NSSM's defaults (the schema's), for everything but what names the service and its program — which are
 * taken as given, unchecked: the host builds a spec to report a configuration it can't read.
 */
export function defaultSpec(name: string, program: string, args: string[] = []): ServiceSpec {
  const defaults = serviceSchema.parse({ name: "-", program: "/-" });
  return completeSpec({ ...defaults, name, program, arguments: args });
}
