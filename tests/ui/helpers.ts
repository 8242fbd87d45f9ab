/**
 * What the ui-tier tests share. The UI server runs inside a test-bed (tests/testbed/testbed.sh): the booted
 * systemd, or Wine's SCM with the Windows deno.exe; both share the host's network, so Chromium (Debian's, at
 * /usr/bin/chromium, never downloaded) runs outside and reaches it at 127.0.0.1. One test-bed and one browser
 * serve each test file.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";
const testbed = fileURLToPath(new URL("../testbed/testbed.sh", import.meta.url));
const project = fileURLToPath(new URL("../..", import.meta.url));

/** Debian's headless Chromium. Root runs it here: its sandbox refuses root. */
export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
}

/** Why this tier can't run here (its tests then report themselves ignored), or undefined. */
export const unavailable: string | undefined = Deno.env.get("SERVITOR_UI_SKIP") ??
  (Deno.uid() !== 0
    ? "the test-bed needs root"
    : (existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`));

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** A page server started in the test-bed: its first line (the address), or how it ended without one. */
export interface Served {
  line?: string;
  pid?: number;
  code?: number;
  stderr?: string;
}

/** A test-bed, running commands for the tests (tests/ui/testbed_agent.ts). */
export class Testbed {
  #next = 1;
  /** The deno the agent runs on, and servitor's cli/main.ts, in the test-bed's own form of paths. */
  execPath = "";
  main = "";
  readonly #waiting = new Map<number, (value: Record<string, unknown>) => void>();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<unknown>;

  private constructor(readonly child: Deno.ChildProcess, ready: () => void) {
    this.#writer = child.stdin.getWriter();
    this.#done = (async () => {
      let buffered = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          let message: Record<string, unknown>;
          try {
            message = JSON.parse(line);
          } catch {
            continue; // not the agent's (a line of the test-bed's own)
          }
          if (message.ready) {
            this.execPath = message.execPath as string;
            this.main = message.main as string;
            ready();
          }
          this.#waiting.get(message.id as number)?.(message);
          this.#waiting.delete(message.id as number);
        }
      }
    })();
  }

  /**
   * Bundles the page here, then boots the test-bed and waits for its agent. The server would bundle a
   * missing page itself, but deno bundle's esbuild comes from npm through Deno's cache, which the test-bed
   * has not (its HOME, and no CA for the registry's proxy): built here, it finds the bundle made.
   */
  static async boot(kind: "systemd" | "wine" = "systemd"): Promise<Testbed> {
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "ui:build"],
      cwd: project,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!build.success) {
      throw new Error(`deno task ui:build failed: ${new TextDecoder().decode(build.stderr)}`);
    }
    const child = new Deno.Command(testbed, {
      // The agent by a path relative to the project, which the test-bed's run starts in: the same for
      // Linux's deno and for Windows' (under Wine, Z:\ is /).
      args: kind === "systemd"
        ? ["systemd", Deno.execPath(), "run", "--allow-all", "tests/ui/testbed_agent.ts"]
        : ["wine", "wine", "/opt/deno-windows/deno.exe", "run", "--allow-all", "tests/ui/testbed_agent.ts"],
      cwd: project,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let ready!: () => void;
    const booted = new Promise<void>((resolve) => ready = resolve);
    const bed = new Testbed(child, ready);
    await Promise.race([
      booted,
      child.status.then(({ code }) => {
        throw new Error(`the test-bed ended before its agent was ready (exit code ${code})`);
      }),
    ]);
    return bed;
  }

  #ask(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#next++;
    const answered = new Promise<Record<string, unknown>>((resolve) => this.#waiting.set(id, resolve));
    this.#writer.write(new TextEncoder().encode(`${JSON.stringify({ id, ...request })}\n`));
    return answered;
  }

  /** Runs a command inside the test-bed. */
  async run(program: string, ...args: string[]): Promise<Ran> {
    return await this.#ask({ run: [program, ...args] }) as unknown as Ran;
  }

  /** Runs `servitor ARGS…` inside the test-bed. */
  servitor(...args: string[]): Promise<Ran> {
    return this.run(this.execPath, "run", "--allow-all", this.main, ...args);
  }

  /** Starts `servitor ui --no-open ARGS…` inside; its first line, or how it ended without one. */
  serveUi(...args: string[]): Promise<Served> {
    return this.serve("ui", "--no-open", ...args);
  }

  /** Starts `servitor ARGS…` inside, as serveUi. */
  async serve(...args: string[]): Promise<Served> {
    return await this.#ask({ serve: args }) as Served;
  }

  /** Starts `servitor ARGS…` inside on a terminal of its own, as a person at a console (nssm's `edit`). */
  async serveAtConsole(...args: string[]): Promise<Served> {
    return await this.#ask({ serve: args, console: true }) as Served;
  }

  /** Ends the test-bed and everything in it. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.child.status;
    clearTimeout(timer);
    await this.#done.catch(() => {});
  }
}

/**
 * A raw HTTP/1.1 request to 127.0.0.1:`port`, so that Host, Origin and Content-Length are exactly what a
 * test says; the answer is read up to its Content-Length (a body the server never read keeps the
 * connection open).
 */
export async function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; text: string }> {
  using connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = [`${method} ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const framed = Object.keys(headers).some((key) => /^(content-length|transfer-encoding)$/i.test(key));
  if (body && !framed) {
    head.push(`content-length: ${new TextEncoder().encode(body).length}`);
  }
  head.push("connection: close");
  await connection.write(new TextEncoder().encode(`${head.join("\r\n")}\r\n\r\n${body}`));
  let text = "";
  const buffer = new Uint8Array(65536);
  const decoder = new TextDecoder();
  for (;;) {
    const end = text.indexOf("\r\n\r\n");
    const length = Number(text.match(/^content-length: *(\d+)/im)?.[1] ?? NaN);
    if (end >= 0 && new TextEncoder().encode(text.slice(end + 4)).length >= length) break;
    const read = await connection.read(buffer);
    if (read === null) break;
    text += decoder.decode(buffer.subarray(0, read), { stream: true });
  }
  return { status: Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), text };
}

/** What the page's code below reads of the browser's globals (the tests are type-checked without the DOM). */
type PageGlobals = { document: { querySelector(selector: string): { textContent: string | null } | null } };

/**
 * Waits, in the page (puppeteer's polling on each frame), until the text of `selector` matches `pattern`;
 * returns that text.
 */
export async function waitForText(
  page: Page,
  selector: string,
  pattern: RegExp,
  timeout = 20_000,
): Promise<string> {
  const handle = await page.waitForFunction(
    (selector: string, source: string, flags: string) => {
      const text = (globalThis as unknown as PageGlobals).document.querySelector(selector)?.textContent ?? "";
      return new RegExp(source, flags).test(text) ? text : false;
    },
    { timeout },
    selector,
    pattern.source,
    pattern.flags,
  );
  return await handle.jsonValue() as string;
}
