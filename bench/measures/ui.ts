/**
 * `servitor ui` with many services, under systemd (inside the test-bed, from bench/systemd_side.ts): N idle
 * services made by apply and started, the UI server started, a page opened on it; then the server's memory
 * and its CPU at rest while the page stays open (the live list looks at the services' files and /proc each
 * second, and asks the service manager when something moved and at least every 15 s),
 * and the time from opening the address to the list of N services drawn.
 *
 * Chromium is the machine's, outside the test-bed (which shares its network): this side writes the address
 * to `<scratch>/ui-address`, the outside (`openUiPage`, run by bench/main.ts beside the test-bed) opens it,
 * writes `ui-drawn.json` once the list is drawn and keeps the page open until `ui-done` appears. Without a
 * browser the page is an event stream read here (what the server sees of a page), and the drawn time is
 * missing.
 * @module
 */
import path from "path";
import { cpuTicksWithChildren, memoryOf, nowUs, sleep, waitUntil } from "../proc.ts";
import type { Row, Table } from "../report.ts";
import { summarize } from "../stats.ts";

const main = path.join(import.meta.dirname!, "..", "..", "cli", "main.ts");
/** How long the outside has to open the page. */
const BROWSER_WAIT_MS = 60_000;

export interface UiMeasureOptions {
  program: string;
  scratch: string;
  services: number;
  windows: number;
  windowMs: number;
  settleMs: number;
  say(line: string): void;
}

async function servitor(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`servitor ${args[0]} exited with ${code}: ${new TextDecoder().decode(stderr)}`);
  }
}

/** Reads an event stream of the server's, the way a page does, until `signal`; the rows of the last list. */
async function readEvents(url: string, signal: AbortSignal, lists: (rows: unknown[]) => void): Promise<void> {
  const entry = await fetch(url, { redirect: "manual" });
  await entry.body?.cancel();
  const cookie = (entry.headers.get("set-cookie") ?? "").split(";")[0];
  const events = await fetch(new URL("/api/events", url), { headers: { cookie }, signal });
  let buffered = "";
  try {
    for await (const chunk of events.body!.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event.match(/^event: services\ndata: (.*)$/s)?.[1];
        if (data) lists(JSON.parse(data));
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

export async function measureUi(options: UiMeasureOptions): Promise<Table> {
  const { services, say } = options;
  const scratch = path.join(options.scratch, "ui");
  await Deno.mkdir(scratch, { recursive: true });
  const names = Array.from({ length: services }, (_, i) => `bench-ui-${i}`);
  const file = path.join(scratch, "services.yaml");
  await Deno.writeTextFile(
    file,
    names.map((name) =>
      `name: ${name}\nprogram: ${options.program}\narguments: [idle, ${path.join(scratch, name)}]\n` +
      "start: manual\n"
    ).join("---\n"),
  );
  const handshake = { address: path.join(scratch, "ui-address"), drawn: path.join(scratch, "ui-drawn.json") };
  let server: Deno.ChildProcess | undefined;
  const reading = new AbortController();
  try {
    say(`== ui: ${services} services, started`);
    await servitor(["apply", file]);
    const started = await new Deno.Command("systemctl", {
      args: ["start", ...names.map((name) => `${name}.service`)],
    }).output();
    if (!started.success) throw new Error("systemctl start of the bench's services failed");
    server = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", main, "ui", "--no-open"],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let first = "";
    while (!first.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("servitor ui ended before printing its address");
      first += value;
    }
    // Its later output (none is expected) is drained, so that it never blocks on a full pipe.
    (async () => {
      while (!(await reader.read()).done) { /* dropped */ }
    })();
    const address = first.split("\n")[0];
    await Deno.writeTextFile(handshake.address, address);
    say("  waiting for the page (bench/main.ts opens it in Chromium)");
    let drawnMs: number | undefined;
    let note: string | undefined;
    try {
      await waitUntil(
        () => Deno.stat(handshake.drawn).then(() => true, () => false),
        "the page",
        BROWSER_WAIT_MS,
        100,
      );
      const drawn = JSON.parse(await Deno.readTextFile(handshake.drawn)) as { ms?: number; error?: string };
      drawnMs = drawn.ms;
      note = drawn.error;
    } catch (error) {
      note = (error as Error).message;
    }
    if (drawnMs === undefined) {
      say(`  no page in a browser (${note}): an event stream stands in for it`);
      let rows = 0;
      const stream = readEvents(address, reading.signal, (list) => rows = list.length);
      await waitUntil(() => rows === services, `${services} rows in the event stream`, 30_000, 50);
      stream.catch(() => {});
    }
    await sleep(options.settleMs);
    const cpu: number[] = [];
    const rss: number[] = [];
    for (let window = 0; window < options.windows; window++) {
      const [ticks, at] = [cpuTicksWithChildren(server.pid)!, nowUs()];
      await sleep(options.windowMs);
      const used = (cpuTicksWithChildren(server.pid)! - ticks) / 100;
      cpu.push(used / ((nowUs() - at) / 1e6) * 100);
      rss.push((memoryOf(server.pid)?.rss ?? 0) / 2 ** 20);
    }
    const rows: Row[] = [{
      id: "ui-server",
      contender: `\`servitor ui\`, ${services} running services, one page open`,
      figures: {
        rss: summarize(rss),
        cpu: summarize(cpu),
        drawn: summarize(drawnMs === undefined ? [] : [drawnMs]),
      },
      note: drawnMs === undefined ? `no browser page: ${note}` : undefined,
    }];
    return {
      id: "ui",
      title: `The browser UI under systemd: ${services} services`,
      columns: [
        { key: "rss", label: "server RSS", unit: "MiB" },
        { key: "cpu", label: "server CPU at rest", unit: "% of a core" },
        { key: "drawn", label: "address → list drawn", unit: "ms" },
      ],
      rows,
      notes: [
        `${options.windows} windows of ${options.windowMs / 1000} s after ${options.settleMs / 1000} s of ` +
        "settling, the page open (headless Chromium) and its list live. CPU: the server's and its " +
        "children's (the service manager's `systemctl`, when a service moved and at least every 15 s) from " +
        "/proc/PID/stat, in clock " +
        "ticks. Drawn: from `page.goto` of the printed address (the token exchanged for the cookie, a " +
        `redirect) to ${services} rows in the table.`,
      ],
    };
  } finally {
    await Deno.writeTextFile(path.join(scratch, "ui-done"), "").catch(() => {});
    reading.abort();
    if (server) {
      try {
        server.kill("SIGTERM");
      } catch { /* ended already */ }
      await server.status;
    }
    await new Deno.Command("systemctl", {
      args: ["stop", ...names.map((name) => `${name}.service`)],
    }).output();
    for (const name of names) {
      await servitor(["ManageService", name, "remove", "--remove_install_args"]).catch((error) =>
        say(`  ${error.message}`)
      );
    }
  }
}
