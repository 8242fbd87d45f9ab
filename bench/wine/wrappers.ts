/**
 * The Windows services the Wine measures compare, each installed the way its users install it: servitor's
 * host (a stored spec, the host started by the SCM with deno.exe, from source or the bundled build), NSSM 2.24-101 (`nssm install`
 * and `nssm set`, NSSM's defaults otherwise) and the C floor service (bench/floor_service.c). Run by the
 * Windows deno.exe under Wine.
 * @module
 */
import path from "path";
import { type Service, ServiceControlManager } from "../../ffi/scm.ts";
import { terminateProcessById } from "../../ffi/process.ts";
import { Win32Error } from "../../ffi/error.ts";
import { hostV8Flags, selfCommand } from "../../cli/self.ts";
import { windowsCommandLine } from "../../service/command_line.ts";
import { defaultSpec } from "../../service/spec.ts";
import { writeSpec } from "../../service/store.ts";

/** A Linux path as Wine's Windows programs see it. */
export function windowsPath(linux: string): string {
  return `Z:${linux.replaceAll("/", "\\")}`;
}

const project = path.resolve(import.meta.dirname!, "..", "..");
export const servitorMain = path.join(project, "cli", "main.ts");
/** The bundled build (`deno task bundle`, which bench/main.ts runs before the Wine measures). */
export const servitorBundle = path.join(project, "dist", "servitor.js");
export const nssm = path.join(project, "node_modules", "winser-with-api", "bin", "nssm64.exe");

/** What a wrapped service runs and where its output goes. */
export interface WrappedProgram {
  program: string;
  args: string[];
  /** Where stdout goes (a file); none when undefined. */
  stdout?: string;
  /** Online rotation at this size; none when undefined. */
  rotateBytes?: number;
}

/** `servitor-bundle`: servitor's host run from the bundled build, dist/servitor.js, as a compiled exe runs it. */
export type WrapperKind = "servitor" | "servitor-bundle" | "nssm" | "floor";

export interface Installed {
  name: string;
  service: Service;
  remove(): Promise<void>;
}

let counter = 0;

async function run(program: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`${path.basename(program)} ${args.join(" ")} exited with ${code}: ${text}`);
  return text;
}

/** Installs a demand-start service of `kind` running `what`; `root` holds servitor's store. */
export async function install(
  kind: WrapperKind,
  what: WrappedProgram | undefined,
  root: string,
  floorExe: string,
) {
  const name = `bench_${kind}_${Date.now().toString(36)}_${counter++}`;
  using scm = ServiceControlManager.connect();
  let service: Service;
  if (kind === "floor") {
    service = scm.create({ name, startType: "demand", binaryPath: windowsCommandLine(floorExe) });
  } else if (kind === "servitor" || kind === "servitor-bundle") {
    const spec = defaultSpec(name, what!.program, what!.args);
    spec.logDirectory = path.join(root, name, "logs");
    if (what!.stdout) spec.output.stdout = what!.stdout;
    if (what!.rotateBytes !== undefined) {
      spec.output.rotation.online = true;
      spec.output.rotation.bytes = what!.rotateBytes;
    }
    await writeSpec(root, spec);
    service = scm.create({
      name,
      startType: "demand",
      // The host's command line as InstallService writes it (cli/context.ts hostCommand).
      binaryPath: windowsCommandLine(Deno.execPath(), [
        ...selfCommand(
          false,
          Deno.execPath(),
          kind === "servitor" ? servitorMain : servitorBundle,
          hostV8Flags(true),
        ).args,
        "host",
        "--service",
        name,
        "--config-root",
        root,
      ]),
    });
  } else {
    await run(nssm, ["install", name, what!.program, ...what!.args]);
    await run(nssm, ["set", name, "Start", "SERVICE_DEMAND_START"]);
    if (what!.stdout) await run(nssm, ["set", name, "AppStdout", what!.stdout]);
    if (what!.rotateBytes !== undefined) {
      await run(nssm, ["set", name, "AppRotateFiles", "1"]);
      await run(nssm, ["set", name, "AppRotateOnline", "1"]);
      await run(nssm, ["set", name, "AppRotateBytes", String(what!.rotateBytes)]);
    }
    service = scm.open(name);
  }
  return {
    name,
    service,
    async remove() {
      try {
        if (service.queryStatus().state !== "stopped") stop(service);
        const deadline = Date.now() + 15_000;
        while (service.queryStatus().state !== "stopped" && Date.now() < deadline) await sleep(50);
        // Still not stopped: its process is ended, so that nothing of it runs on into the next measure.
        const pid = service.queryStatus().processId;
        if (pid) terminateProcessById(pid, 1);
        service.delete();
      } catch {
        // gone already
      } finally {
        service.close();
      }
    },
  } satisfies Installed;
}

/**
 * The stop control. Wine's dispatcher writes a handler's answer to services.exe after the handler returns,
 * and a service whose last STOPPED report ends its process first leaves ControlService with
 * ERROR_BROKEN_PIPE: the stop was delivered all the same.
 */
export function stop(service: Service): void {
  try {
    service.control({ kind: "stop" });
  } catch (error) {
    if (!(error instanceof Win32Error && error.code === 109)) throw error;
  }
}

/**
 * Ends a service whose stop hung (seen with NSSM under Wine: STOPPED never reported, or its process
 * lingering after it): its process is ended, so the next repetition starts from a stopped service.
 */
export async function forceStopped(installed: Installed, wrapper: number): Promise<void> {
  if (wrapper) terminateProcessById(wrapper, 1);
  await until(() => installed.service.queryStatus().state === "stopped", "STOPPED after the kill", 15_000)
    .catch(() => {});
  await sleep(300);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every millisecond (Wine's timers give about 2 ms) until it holds; the time it held at. */
export async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return performance.now();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1);
  }
}
