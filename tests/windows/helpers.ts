/** What the windows-tier tests share. They run under the Windows deno.exe, against Wine's SCM. */
import path from "path";
import { windowsCommandLine } from "../../service/command_line.ts";
import type { Service } from "../../ffi/scm.ts";
import type { ServiceStatus } from "../../ffi/types.ts";
import type { ServiceState } from "../../service/vocabulary.ts";
import { isProcessRunning } from "../../ffi/process.ts";
import { eventually } from "../helpers.ts";
import { servitorOk } from "../servitor.ts";

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

/** A program that writes the arguments after its first to that file as JSON, then stays up, printing `tick N`. */
export const cliArgsFixture = path.win32.join(import.meta.dirname!, "fixtures", "cli_args.ts");

/**
 * InstallService, run as a person runs it (asserting it worked), of a service that is fixtures/cli_args.ts
 * run by `program` (this deno.exe unless given): it writes the arguments after its first, `argsFile`, to
 * that file as JSON, then stays up, printing `tick N`. `options` are InstallService's, after the name.
 */
export function installArgsService(
  name: string,
  argsFile: string,
  options: string[] = [],
  { program = Deno.execPath(), args = [] as string[] } = {},
) {
  return servitorOk(
    ...["InstallService", program, "run", "--allow-all", cliArgsFixture, argsFile, ...args],
    ...["--service_name", name, ...options],
  );
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

/** NSSM 2.24-101 (nssm64.exe from the npm package winser-with-api): the oracle nssm's verbs are compared with. */
export const NSSM_EXE = path.win32.join(
  import.meta.dirname!,
  "..",
  "..",
  "node_modules",
  "winser-with-api",
  "bin",
  "nssm64.exe",
);

/** What a run of nssm's verbs gave: its exit code and its words. */
export interface VerbResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `program` with stdin from NUL (without, NSSM waits for input) and a minute at most: NSSM 2.24's
 * `restart` under Wine once waited forever (a CI run found nssm64.exe restart still running after 8 minutes),
 * so a hung oracle fails the test instead of hanging the tier. `args` is a list of arguments, or one command
 * line given to CreateProcess as it is. The output is decoded as `encoding` (UTF-8 must be valid); `bytes` is
 * stdout as written.
 */
export async function runProgram(
  program: string,
  args: string[] | string,
  encoding: "utf-8" | "latin1" = "utf-8",
): Promise<VerbResult & { bytes: Uint8Array }> {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args: typeof args === "string" ? [args] : args,
    windowsRawArguments: typeof args === "string",
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const decoder = new TextDecoder(encoding, { fatal: encoding === "utf-8" });
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr), bytes: stdout };
}

/** NSSM itself. It writes the ANSI code page: Latin-1 under the test-bed's Wine. */
export function runNssm(args: string[] | string): Promise<VerbResult & { bytes: Uint8Array }> {
  return runProgram(NSSM_EXE, args, "latin1");
}

/**
 * servitor's nssm verb in this process: what `servitor <verb> …` runs (cli/nssm.ts's nssmCommand with the
 * platform's service manager), its lines and its exit code as the process would give them — each `deno run`
 * costs most of a second under Wine.
 */
export async function servitorVerb(args: string[]): Promise<VerbResult> {
  // Imported here, not at the top: each test file of the tier loads this module in a worker of its own, and
  // the nssm verbs' module graph takes a second or more to load under Wine.
  const [{ cliContext }, { nssmCommand }, { describeFailure }, { connectServiceManager }] = await Promise.all(
    [
      import("../../cli/lifecycle_context.ts"),
      import("../../cli/nssm.ts"),
      import("../../cli/errors.ts"),
      import("../../service/connect.ts"),
    ],
  );
  const { manager, configRoot, windows } = await connectServiceManager();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let code: number;
  try {
    code = await nssmCommand(
      args,
      cliContext({
        manager,
        configRoot,
        windows,
        say: (line) => stdout.push(`${line}\n`),
        warn: (line) => stderr.push(`${line}\n`),
        audit: () => {},
      }),
    );
  } catch (error) {
    const { line, exitCode } = describeFailure(error);
    stderr.push(`servitor: ${line}\n`);
    code = exitCode;
  }
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}
