/** What the windows-tier tests share. They run under the Windows deno.exe, against Wine's SCM. */
import path from "path";
import { windowsCommandLine } from "../../service/command_line.ts";
import type { Service } from "../../ffi/scm.ts";
import type { ServiceStatus } from "../../ffi/types.ts";
import type { ServiceState } from "../../service/vocabulary.ts";
import { isProcessRunning } from "../../ffi/process.ts";
import { eventually } from "../helpers.ts";

/** Off Windows (a test-bed that could not run) every test of this tier reports itself ignored. */
export const notWindows = Deno.build.os !== "windows";

let counter = 0;
/** A service name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${counter++}`;
}

/** The ImagePath of a service that is `script` (a fixture) run by this same deno.exe, with `args`. */
export function denoServiceCommand(script: string, args: string[] = []): string {
  return windowsCommandLine(Deno.execPath(), [
    "run",
    "--allow-all",
    path.win32.join(import.meta.dirname!, "fixtures", script),
    ...args,
  ]);
}

/** Polls the service until it is in `state`; throws with the last status after `timeoutMs`. */
export async function waitForState(
  service: Service,
  state: ServiceState,
  timeoutMs = 20_000,
): Promise<ServiceStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = service.queryStatus();
    if (status.state === state) return status;
    if (Date.now() > deadline) {
      throw new Error(`${service.name} is ${status.state}, not ${state}, after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until none of `pids` runs; throws naming those still running after `timeoutMs`. */
export async function assertAllEnd(pids: number[], timeoutMs = 5_000): Promise<void> {
  await eventually(
    () => pids.filter(isProcessRunning),
    (running) => running.length === 0,
    timeoutMs,
    "running",
  );
}

/** A temporary file path for a service to write to. */
export async function tempFile(suffix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "servitor-" });
  return path.win32.join(dir, suffix);
}

/** A service's registry value as reg.exe prints it (REG_MULTI_SZ items split on its "\0"). */
export function serviceRegistryValue(service: string, value: string): string[] | undefined {
  const { stdout } = new Deno.Command("reg", {
    args: ["query", `HKLM\\System\\CurrentControlSet\\Services\\${service}`, "/v", value],
  }).outputSync();
  const line = new TextDecoder().decode(stdout).split(/\r?\n/).find((l) => l.trim().startsWith(value + " "));
  const match = line?.match(/^\s*\S+\s+REG_\w+\s+(.*)$/);
  return match ? match[1].split("\\0") : undefined;
}

/** What a person at a console saw of a program they stopped with Ctrl-C (fixtures/console_ctrl_c.ts). */
export interface ConsoleOutcome {
  exitCode: number;
  /** Whether it had to be killed after 20 s. */
  escalated: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` on a console of its own, as a person would, and presses Ctrl-C there once `readyText`
 * is in `readyFile`. The person is a process of their own: they leave this process's console for a new one.
 */
export async function stopAtConsole(
  readyFile: string,
  readyText: string,
  command: string[],
): Promise<ConsoleOutcome> {
  const result = await tempFile("console_ctrl_c.json");
  const person = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "--allow-all", path.win32.join(import.meta.dirname!, "fixtures", "console_ctrl_c.ts")],
      ...[result, readyFile, readyText, ...command],
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  const outcome = JSON.parse(await Deno.readTextFile(result).catch(() => "{}"));
  if (person.code !== 0 || outcome.error || outcome.exitCode === undefined) {
    throw new Error(`the person at the console could not do it (exit ${person.code}): ${outcome.error}`);
  }
  return outcome;
}
