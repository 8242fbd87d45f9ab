/** What the host-tier tests share: a service stored in a temporary root, and the host run on it. */
import path from "path";
import { fileURLToPath } from "node:url";
import { defaultSpec, type ServiceSpec } from "../../service/spec.ts";
import { writeSpec } from "../../service/store.ts";
import { sleep } from "../helpers.ts";
import { PERMISSIONS } from "../../cli/self.ts";

const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
export const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));

let counter = 0;

/** A temporary store with one service; `change` adjusts the spec. Remove it with `await using`. */
export async function storedService(
  program: string,
  args: string[],
  change: (spec: ServiceSpec, root: string) => void = () => {},
) {
  const root = await Deno.makeTempDir({ prefix: "servitor-host-" });
  const spec = defaultSpec(`host_test_${counter++}`, program, args);
  spec.directory = root;
  change(spec, root);
  await writeSpec(root, spec);
  return {
    root,
    spec,
    logs: path.join(root, spec.name, "logs"),
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * The host, run as a person would run it in a console (no INVOCATION_ID: not under systemd), or as systemd
 * would (an INVOCATION_ID, and so systemd's signals) with `underSystemd`.
 */
export function startHost(root: string, name: string, options: { underSystemd?: boolean } = {}) {
  const env = Deno.env.toObject();
  delete env.INVOCATION_ID;
  if (options.underSystemd) env.INVOCATION_ID = "0123456789abcdef0123456789abcdef";
  const child = new Deno.Command(Deno.execPath(), {
    // The permissions a service's command line gives the host, not --allow-all: what Deno refuses it
    // (/proc/self, a child's /proc entries) must be refused here too.
    args: ["run", ...PERMISSIONS, main, "host", "--service", name, "--config-root", root],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr += chunk) }),
  );
  let stdout = "";
  const stdoutDone = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stdout += chunk) }),
  );
  return {
    pid: child.pid,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    /** Resolves when the host prints a line matching `pattern` on stderr. */
    async waitFor(pattern: RegExp, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`host said nothing matching ${pattern}:\n${stderr}`);
        await sleep(20);
      }
    },
    signal(signal: Deno.Signal) {
      child.kill(signal);
    },
    async exit() {
      const status = await child.status;
      await Promise.allSettled([stderrDone, stdoutDone]);
      return status.code;
    },
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await Promise.allSettled([stderrDone, stdoutDone]);
    },
  };
}

/** Whether a process of that pid is alive (and not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}
