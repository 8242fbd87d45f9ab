/**
 * Consoles, and Ctrl-C to a program's console the way NSSM sends it: a process can generate a console
 * control event only on its own console, so a host without one (a service) attaches to the program's
 * console, ignores Ctrl-C itself, generates the event, and detaches. A host that has a console (a person
 * runs it) reaches the programs that share it, the same way, without ever leaving its own.
 *
 * Ignoring Ctrl-C (SetConsoleCtrlHandler(NULL, TRUE)) is a flag of the process that its children inherit,
 * and the event reaches each process of the console on a thread of its own, a moment after it is
 * generated: so the host keeps ignoring it for a while after each event ({@link ctrlCIgnoreMs}) and
 * stops ignoring it before it starts a program ({@link stopIgnoringCtrlC}), which would otherwise be
 * born deaf to Ctrl-C.
 *
 * Attaching to a console also makes its handles this process's standard handles (Wine: all three; Windows:
 * those it had none of), and FreeConsole closes them without putting the old ones back. Deno writes its
 * stderr through GetStdHandle at each write, so the host's log lines then went to a closed handle's number —
 * which the next object opened reuses: under Wine a wait's event, and every line failed with "Access
 * denied" (it could as well have been a file). So the standard handles are put back after each detach.
 * @module
 */
import * as W from "./constants.ts";
import { check, Win32Error } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import { bindNow } from "./library.ts";

/** How long the host keeps ignoring Ctrl-C after generating one, in milliseconds. */
export const ctrlCIgnoreMs = 2000;

/** The ids of the processes attached to this process's console; empty when it has none. */
export function consoleProcessIds(): number[] {
  for (let capacity = 16;; capacity *= 4) {
    const ids = new Uint32Array(capacity);
    // Returns how many there are (0 on failure: no console); more than fit means ask again.
    const count = kernel32().GetConsoleProcessList(new Uint8Array(ids.buffer), capacity);
    if (count <= capacity) return [...ids.subarray(0, count)];
  }
}

/** AllocConsole: a new console for this process, which must have none. */
export function allocConsole(): void {
  check("AllocConsole", kernel32().AllocConsole());
}

/** FreeConsole: detaches this process from its console; false when it had none. */
export function freeConsole(): boolean {
  return kernel32().FreeConsole() !== 0;
}

/** What AttachConsole(pid) did. */
export type AttachResult = "attached" | "no_console" | "gone" | "have_console";

/** AttachConsole: attaches this process, which must have no console, to the console of `pid`. */
export function attachConsole(pid: number): AttachResult {
  try {
    check("AttachConsole", kernel32().AttachConsole(pid));
    return "attached";
  } catch (error) {
    if (!(error instanceof Win32Error)) throw error;
    // The codes AttachConsole documents: the process has no console, it has ended, or we have one.
    if (error.code === W.ERROR_INVALID_HANDLE) return "no_console";
    if (error.code === W.ERROR_GEN_FAILURE || error.code === W.ERROR_INVALID_PARAMETER) return "gone";
    if (error.code === W.ERROR_ACCESS_DENIED) return "have_console";
    throw error;
  }
}

let restoreTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Makes this process ignore Ctrl-C for {@link ctrlCIgnoreMs} from now (a later call extends it). The timer
 * doesn't keep the event loop alive.
 */
export function ignoreCtrlCForAWhile(): void {
  check("SetConsoleCtrlHandler", kernel32().SetConsoleCtrlHandler(null, 1));
  clearTimeout(restoreTimer);
  const timer = setTimeout(stopIgnoringCtrlC, ctrlCIgnoreMs);
  Deno.unrefTimer(timer);
  restoreTimer = timer;
}

/** Stops ignoring Ctrl-C now, if {@link ignoreCtrlCForAWhile} made this process ignore it. */
export function stopIgnoringCtrlC(): void {
  if (restoreTimer === undefined) return;
  clearTimeout(restoreTimer);
  restoreTimer = undefined;
  check("SetConsoleCtrlHandler", kernel32().SetConsoleCtrlHandler(null, 0));
}

/** GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0): Ctrl-C to every process on this process's console. */
export function generateCtrlC(): void {
  check("GenerateConsoleCtrlEvent", kernel32().GenerateConsoleCtrlEvent(W.CTRL_C_EVENT, 0));
}

/**
 * Sends Ctrl-C to the consoles of `pids`, once to each console, and returns the ids it reached: those of
 * `pids` on a console that got the event. A process without a console, or one that ended, is not reached.
 *
 * When this process has a console, only the processes on it are reached: reaching another console would
 * mean leaving this one for good.
 */
export function sendCtrlC(pids: readonly number[]): number[] {
  const own = consoleProcessIds();
  if (own.length > 0) {
    const targets = pids.filter((pid) => own.includes(pid));
    if (targets.length === 0) return [];
    ignoreCtrlCForAWhile();
    return generated() ? targets : [];
  }
  const reached = new Set<number>();
  const standard = standardHandleValues();
  for (const pid of pids) {
    if (reached.has(pid) || attachConsole(pid) !== "attached") continue;
    try {
      const onConsole = consoleProcessIds();
      ignoreCtrlCForAWhile();
      if (generated()) { for (const other of pids) if (onConsole.includes(other)) reached.add(other); }
    } finally {
      freeConsole();
      restoreStandardHandles(standard);
    }
  }
  return [...reached];
}

const standardHandleIds = [W.STD_INPUT_HANDLE, W.STD_OUTPUT_HANDLE, W.STD_ERROR_HANDLE];

/** This process's standard handles as GetStdHandle answers now (NULL where it has none). */
function standardHandleValues(): Deno.PointerValue[] {
  return standardHandleIds.map((id) => kernel32().GetStdHandle(id));
}

/** Makes `values` (from {@link standardHandleValues}) this process's standard handles again. */
function restoreStandardHandles(values: Deno.PointerValue[]): void {
  standardHandleIds.forEach((id, i) => check("SetStdHandle", kernel32().SetStdHandle(id, values[i])));
}

/**
 * Binds what {@link sendCtrlC} calls ahead of the stop that will need it: each symbol's first use costs a
 * trampoline (lazyLibrary), which made up 4–7 ms of a stop's Ctrl-C under Wine.
 */
export function prepareCtrlC(): void {
  bindNow(kernel32, [
    "GetConsoleProcessList",
    "AttachConsole",
    "SetConsoleCtrlHandler",
    "GenerateConsoleCtrlEvent",
    "FreeConsole",
    "GetStdHandle",
    "SetStdHandle",
  ]);
}

/** Generates Ctrl-C; false when the console refuses (a console that can't deliver events). */
function generated(): boolean {
  try {
    generateCtrlC();
    return true;
  } catch (error) {
    if (error instanceof Win32Error) return false;
    throw error;
  }
}
