/**
 * `servitor ui` under Wine, against its real SCM: the page's server lists a service InstallService made,
 * starts and stops it through the SCM, measures its program (working set, CPU), shows its settings and its output, behind the same gate as on Linux.
 * Driven by plain HTTP from here (no browser runs inside the test-bed; the page itself is the ui tier's).
 */
import path from "path";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { eventually } from "../helpers.ts";
import { servitor } from "../servitor.ts";
import { ServiceControlManager } from "../../ffi/scm.ts";
import { cliArgsFixture, installArgsService, notWindows, uniqueName } from "./helpers.ts";
import { main } from "./hosted.ts";

function scmState(name: string): string {
  using scm = ServiceControlManager.connect({ access: "read" });
  using service = scm.open(name, "read");
  return service.queryStatus().state;
}

/** `servitor ui --no-open` as a child; its first line is the address with the token. */
async function serveUi() {
  // The page's bundle can't be built under Wine (esbuild comes from npm through Deno's cache, not here).
  if (
    !await Deno.stat(path.win32.join(import.meta.dirname!, "..", "..", "ui", "dist", "app.js")).catch(() =>
      null
    )
  ) {
    throw new Error("ui/dist/app.js is missing: run `deno task ui:build` on Linux first (tests/run.ts does)");
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, "ui", "--no-open"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  // Drained so a chatty server never blocks on a full pipe.
  child.stdout.cancel().catch(() => {});
  const said = { stderr: "" };
  child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (said.stderr += chunk) }),
  ).catch(() => {});
  return { child, url: text.split("\n")[0].trim(), said };
}

Deno.test({
  name: "servitor ui under the SCM: lists, starts, measures, shows and stops a service, behind its gate",
  ignore: notWindows,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const name = uniqueName("servitor_ui");
    const out = path.win32.join(await Deno.makeTempDir(), "args.json");
    await installArgsService(name, out, ["--start", "manual", "--display_name", "UI under Wine"]);
    const { child, url, said } = await serveUi();
    const ended = child.status;
    try {
      assertMatch(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32,}$/, said.stderr);
      const origin = new URL(url).origin;

      const bare = await fetch(`${origin}/api/services`);
      assertEquals(bare.status, 401, "without the cookie, nothing");
      await bare.body?.cancel();

      const exchanged = await fetch(url, { redirect: "manual" });
      assertEquals(exchanged.status, 303);
      await exchanged.body?.cancel();
      const cookie = exchanged.headers.get("set-cookie")!.split(";")[0];
      const get = (where: string) => fetch(`${origin}${where}`, { headers: { cookie } });
      const post = (where: string) =>
        fetch(`${origin}${where}`, { method: "POST", headers: { cookie, origin } });

      type Row = { name: string; state: string; displayName?: string; programPid?: number };
      const rows = async () => (await (await get("/api/services")).json()) as Row[];
      const row = async () => (await rows()).find((each) => each.name.toLowerCase() === name.toLowerCase());
      assertEquals((await row())?.state, "stopped");
      assertEquals((await row())?.displayName, "UI under Wine");

      const foreign = await fetch(`${origin}/api/services/${name}/start`, {
        method: "POST",
        headers: { cookie, origin: "http://evil.example" },
      });
      assertEquals(foreign.status, 403, "a change from another origin is refused");
      await foreign.body?.cancel();
      assertEquals(scmState(name), "stopped");

      const started = await post(`/api/services/${name}/start`);
      assertEquals(started.status, 200, await started.clone().text());
      await started.body?.cancel();
      assertEquals(scmState(name), "running", "the SCM runs it");
      const running = await eventually(
        row,
        (now) => now?.state === "running" && now.programPid !== undefined,
      );
      assertOk(running?.programPid);

      // The live list measures the program's tree through Win32: its working set, and CPU from the second
      // sample on (an event is sent only when a row changed, so the first with a CPU figure is waited for).
      const events = (await get("/api/events")).body!.pipeThrough(new TextDecoderStream()).getReader();
      let measured: (Row & { memoryBytes?: number; cpuPercent?: number }) | undefined;
      let buffered = "";
      while (measured?.cpuPercent === undefined) {
        const { value, done } = await events.read();
        if (done) break;
        buffered += value;
        const blocks = buffered.split("\n\n");
        buffered = blocks.pop()!;
        for (const event of blocks) {
          const data = event.split("\n").find((line) => line.startsWith("data: "));
          const rows = data ? JSON.parse(data.slice(6)) as typeof measured[] : [];
          measured = rows.find((each) => each?.name.toLowerCase() === name.toLowerCase()) ?? measured;
        }
      }
      await events.cancel();
      assertOk(
        (measured?.memoryBytes ?? 0) > 10 * 1024 * 1024,
        `a Deno program's working set: ${measured?.memoryBytes}`,
      );
      assertOk((measured?.cpuPercent ?? -1) >= 0);

      const settings = await (await get(`/api/services/${name}/settings`)).json();
      assertEquals(JSON.stringify(settings).includes(cliArgsFixture.replaceAll("\\", "\\\\")), true);

      // The program's output, followed: its first tick arrives on the stream.
      const stream = await get(`/api/services/${name}/stdout`);
      assertEquals(stream.status, 200);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!seen.includes("tick")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      await reader.cancel();
      assertMatch(seen, /tick \d+/);

      const stopped = await post(`/api/services/${name}/stop`);
      assertEquals(stopped.status, 200, await stopped.clone().text());
      await stopped.body?.cancel();
      assertEquals(scmState(name), "stopped");
    } finally {
      try {
        child.kill("SIGINT");
      } catch { /* it had ended: the assertion above says why */ }
      await ended;
      await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
    }
  },
});
