/**
 * `servitor ui` against a real systemd, driven by a real Chromium: the page lists a service InstallService
 * made, start and stop from the page reach systemd and the page follows live; and the gate, by plain
 * requests. One test-bed and one browser for the tier: the steps share them, in order.
 */
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { launchChromium, rawRequest, Testbed, unavailable, waitForText } from "./helpers.ts";

const ticker = fileURLToPath(new URL("../systemd/fixtures/ticker.sh", import.meta.url));

Deno.test({
  name: "servitor ui: the page lists, starts and stops a systemd service live, behind its gate",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const bed = await Testbed.boot();
    const browser = await launchChromium();
    try {
      const name = `ui-ticker-${Date.now().toString(36)}`;
      const installed = await bed.servitor(
        "InstallService",
        ticker,
        "/dev/null",
        "--service_name",
        name,
        "--start",
        "manual",
        "--display_name",
        "Ticker of the UI test",
      );
      assertEquals(installed.code, 0, installed.stdout + installed.stderr);

      const served = await bed.serveUi();
      assertMatch(served.line ?? "", /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32,}$/, served.stderr);
      const url = served.line!;
      const port = Number(new URL(url).port);
      const origin = `http://127.0.0.1:${port}`;
      const host = `127.0.0.1:${port}`;
      const page = await browser.newPage();

      await t.step("the address's token becomes a cookie, and the address loses it", async () => {
        await page.goto(url);
        assertEquals(page.url(), `${origin}/`);
        const [cookie] = await page.cookies();
        assertEquals([cookie.httpOnly, cookie.sameSite], [true, "Strict"]);
      });

      await t.step("the page lists the service InstallService made, stopped", async () => {
        await page.waitForSelector(`tr[data-service="${name}"] [data-state="stopped"]`);
        const row = await page.$eval(`tr[data-service="${name}"]`, (element) => element.textContent);
        assertOk(row?.includes("Ticker of the UI test"), row ?? "");
      });

      await t.step(
        "Start on the selected service reaches systemd, and the page shows it running",
        async () => {
          await page.click(`input[aria-label="Select ${name}"]`);
          await page.click(`button[aria-label="start the selected services"]`);
          await page.waitForSelector(`tr[data-service="${name}"] [data-state="running"]`, {
            timeout: 30_000,
          });
          assertEquals((await bed.run("systemctl", "is-active", `${name}.service`)).stdout.trim(), "active");
          // Live: the program's pid arrives with the stream, no reload.
          const row = `tr[data-service="${name}"]`;
          await waitForText(page, `${row} .program-pid`, /^\d+$/);
          // The program's tree, from /proc: its memory at once, its CPU from the second sample on.
          await waitForText(page, `${row} .memory`, /^\d+(\.\d)? (kB|MB)$/);
          await waitForText(page, `${row} .cpu`, /^\d+\.\d%$/);
        },
      );

      await t.step("Stop from the page reaches systemd, and the page shows it stopped", async () => {
        await page.click(`button[aria-label="stop the selected services"]`);
        await page.waitForSelector(`tr[data-service="${name}"] [data-state="stopped"]`, { timeout: 30_000 });
        const active = await bed.run("systemctl", "is-active", `${name}.service`);
        assertEquals(active.stdout.trim(), "inactive");
      });

      await t.step("a change from outside the page shows in it, with no reload", async () => {
        assertEquals((await bed.servitor("ManageService", name, "start")).code, 0);
        await page.waitForSelector(`tr[data-service="${name}"] [data-state="running"]`, { timeout: 30_000 });
        assertEquals((await bed.servitor("ManageService", name, "stop")).code, 0);
        await page.waitForSelector(`tr[data-service="${name}"] [data-state="stopped"]`, { timeout: 30_000 });
      });

      await t.step("the service's page shows its output live, and its own Stop reaches systemd", async () => {
        assertEquals((await bed.servitor("ManageService", name, "start")).code, 0);
        await page.click(`tr[data-service="${name}"] a`);
        assertEquals(new URL(page.url()).hash, `#/service/${name}`);
        await page.waitForSelector(`[data-state="running"]`);
        const stdout = `pre[data-stream="stdout"]`;
        const ticks = (text: string) => [...text.matchAll(/^tick (\d+)$/gm)].map((match) => Number(match[1]));
        const last = Math.max(...ticks(await waitForText(page, stdout, /^tick \d+$/m)));
        // Lines written after the page opened arrive without a reload (the ticker writes one each 0.2 s).
        await waitForText(page, stdout, new RegExp(`^tick ${last + 5}$`, "m"));
        // The error log, followed as the output is: a line the host would write shows up.
        const errorLog = `/var/log/servitor/${name}/${name}_ERROR_LOG.txt`;
        await bed.run("sh", "-c", `echo 'a line of the error log' >> ${errorLog}`);
        await waitForText(page, `pre[data-stream="error-log"]`, /^a line of the error log$/m);
        // Rotate is ManageService's rotate control, sent to the host (audited below).
        await page.click(`button[aria-label="rotate ${name}"]`);
        await page.waitForFunction(() =>
          !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document
            .querySelector("button[aria-label^='rotate']:disabled")
        );
        await page.click(`button[aria-label="stop ${name}"]`);
        await page.waitForSelector(`[data-state="stopped"]`, { timeout: 30_000 });
        assertEquals((await bed.run("systemctl", "is-active", `${name}.service`)).stdout.trim(), "inactive");
        await page.click(`a[href="#/"]`);
        await page.waitForSelector(`tr[data-service="${name}"] [data-state="stopped"]`);
      });

      const replaceText = async (selector: string, text: string) => {
        await page.focus(selector);
        await page.keyboard.down("Control");
        await page.keyboard.press("a");
        await page.keyboard.up("Control");
        await page.keyboard.press("Backspace");
        await page.type(selector, text);
      };
      const review = () => page.$eval("[data-review]", (pre) => pre.textContent ?? "").catch(() => "");

      await t.step(
        "Edit: Review shows apply --check --diff's plan, Apply changes the unit and the stored settings",
        async () => {
          await page.goto(`${origin}/#/service/${name}`);
          await page.click(`a[href="#/edit/${name}"]`);
          await page.waitForSelector("#setting-displayName");
          assertEquals(
            await page.$eval("#setting-program", (input) => (input as unknown as { value: string }).value),
            ticker,
          );
          await replaceText("#setting-displayName", "Renamed by the page");
          await page.click("button[type=submit]");
          await page.waitForSelector("[data-review]");
          const plan = await review();
          assertMatch(plan, new RegExp(`^${name}: would update \\(displayName\\)$`, "m"));
          assertMatch(plan, /^\+displayName: "?Renamed by the page"?$/m);
          assertEquals(
            await bed.run("systemctl", "show", "-p", "Description", "--value", `${name}.service`).then((r) =>
              r.stdout.trim()
            ),
            "Ticker of the UI test",
          );

          await page.click("xpath/.//button[text()='Apply']");
          const applied = await waitForText(
            page,
            "[data-review]",
            new RegExp(`^${name}: update`, "m"),
            30_000,
          );
          assertMatch(applied, new RegExp(`^${name}: updated \\(displayName\\)$`, "m"));
          const description = await bed.run(
            "systemctl",
            "show",
            "-p",
            "Description",
            "--value",
            `${name}.service`,
          );
          assertEquals(description.stdout.trim(), "Renamed by the page");
          assertMatch(
            (await bed.run("cat", `/etc/servitor/${name}/service.yaml`)).stdout,
            /Renamed by the page/,
          );
        },
      );

      await t.step(
        "Edit: a value the schema refuses is named under its field as typed, and by Review; nothing changes",
        async () => {
          await replaceText("#setting-throttleMs", "-5");
          // As typed, before any Review: the field's own problem, in the words of the schema's rules.
          await waitForText(
            page,
            '[data-setting="throttleMs"] [data-issue]',
            /whole number of 0 or more, not -5/,
          );
          assertEquals(
            await page.$eval("#setting-throttleMs", (element) => element.getAttribute("aria-invalid")),
            "true",
          );
          await page.click("button[type=submit]");
          await page.waitForSelector(".review [role=alert]");
          const alert = await page.$eval(".review [role=alert]", (element) => element.textContent ?? "");
          assertMatch(alert, /throttleMs/);
          await page.click("xpath/.//button[text()='Apply']");
          await page.waitForSelector(".review [role=alert]");
          assertOk(!(await bed.run("cat", `/etc/servitor/${name}/service.yaml`)).stdout.includes("-5"));
        },
      );

      await t.step(
        "nssm's `edit <name>` at a console serves the page at that service's form (no xdg-open here: the address is printed)",
        async () => {
          // From a script (no terminal) it would serve a page nobody opens: it says so, exit 1, as NSSM can't.
          const scripted = await bed.servitor("edit", name);
          assertEquals(scripted.code, 1, scripted.stderr);
          assertMatch(scripted.stderr, /at a console servitor opens its page/);
          const served = await bed.serveAtConsole("edit", name);
          assertMatch(
            served.line ?? "",
            new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=[0-9a-f]{32,}#/edit/${name}$`),
            served.stderr,
          );
          const other = await browser.newPage();
          try {
            await other.goto(served.line!);
            // The token's redirect keeps the fragment: the form of that service, its settings filled in.
            assertEquals(new URL(other.url()).hash, `#/edit/${name}`);
            await other.waitForSelector("#setting-program");
            assertEquals(
              await other.$eval("#setting-program", (input) => (input as unknown as { value: string }).value),
              ticker,
            );
          } finally {
            await other.close();
          }
        },
      );

      const installed2 = `${name}-new`;
      await t.step("Install from the form: the new service is in systemd and in the list", async () => {
        await page.goto(`${origin}/#/install`);
        await page.waitForSelector("#setting-name");
        await page.type("#setting-name", installed2);
        await page.type("#setting-program", ticker);
        await page.type("#setting-arguments", "/dev/null");
        await page.select("#setting-start", "manual");
        await page.click("xpath/.//button[text()='Apply']");
        const created = await waitForText(page, "[data-review]", new RegExp(`^${installed2}: `, "m"), 30_000);
        assertMatch(created, new RegExp(`^${installed2}: created$`, "m"));
        assertEquals(
          (await bed.run("systemctl", "show", "-p", "LoadState", "--value", `${installed2}.service`)).stdout
            .trim(),
          "loaded",
        );
        await page.click(`a[href="#/"]`);
        await page.waitForSelector(`tr[data-service="${installed2}"] [data-state="stopped"]`);
      });

      await t.step(
        "Export gives the service's YAML; Import reviews a changed copy's diff, then applies it",
        async () => {
          const exported = await page.evaluate(
            async (service: string) => await (await fetch(`/api/services/${service}/export`)).text(),
            installed2,
          );
          assertMatch(exported, new RegExp(`^name: ${installed2}$`, "m"));
          const file = await Deno.makeTempFile({ suffix: ".yaml" });
          try {
            await Deno.writeTextFile(file, `${exported.trimEnd()}\ndescription: Imported by the page\n`);
            await page.goto(`${origin}/#/import`);
            const input = await page.waitForSelector("#import-file");
            await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
            const reviewed = await waitForText(page, "[data-review]", new RegExp(`^${installed2}: `, "m"));
            assertMatch(reviewed, /\+.*Imported by the page/);
            assertOk(
              !(await bed.run("cat", `/etc/servitor/${installed2}/service.yaml`)).stdout.includes("Imported"),
            );
            await page.click("xpath/.//button[text()='Apply']");
            await waitForText(page, "[data-review]", new RegExp(`^${installed2}: updated`, "m"), 30_000);
            assertMatch(
              (await bed.run("cat", `/etc/servitor/${installed2}/service.yaml`)).stdout,
              /Imported by the page/,
            );
          } finally {
            await Deno.remove(file);
          }
        },
      );

      await t.step("Remove, once confirmed, takes the service out of systemd and the list", async () => {
        await page.goto(`${origin}/#/service/${installed2}`);
        await page.click(`button[aria-label="remove ${installed2}"]`);
        const confirm = await page.waitForSelector("button[data-confirm-remove]");
        assertEquals(await confirm!.evaluate((button) => button.textContent), `Remove ${installed2}`);
        await confirm!.click();
        await page.waitForFunction(() =>
          (globalThis as unknown as { location: { hash: string } }).location.hash === "#/"
        );
        assertEquals(
          (await bed.run("systemctl", "show", "-p", "LoadState", "--value", `${installed2}.service`)).stdout
            .trim(),
          "not-found",
        );
        await page.waitForFunction(
          (service: string) =>
            !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document
              .querySelector(`tr[data-service="${service}"]`),
          {},
          installed2,
        );
      });

      await t.step("the page's changes are in the audit log, marked as made in the UI", async () => {
        const log = (await bed.run("cat", "/etc/servitor/servitor.log")).stdout;
        assertOk(log.includes(`ui: ManageService ${name} start: done`), log);
        assertOk(log.includes(`ui: ManageService ${name} stop: done`), log);
        assertOk(log.includes(`ui: apply ${name}: update`), log);
        assertOk(log.includes(`ui: apply ${installed2}: create`), log);
        assertOk(log.includes(`ui: ManageService ${name} rotate: done`), log);
        assertOk(log.includes(`ui: apply ${installed2}: update`), log);
        assertOk(log.includes(`ui: ManageService ${installed2} remove: done`), log);
      });

      // Named with the port: the browser holds the cookie of the server nssm's edit started too.
      const session = (await page.cookies()).find((each) => each.name === `servitor_ui_${port}`);
      const cookie = `${session!.name}=${session!.value}`;
      const ask = (method: string, target: string, headers: Record<string, string>, body?: string) =>
        rawRequest(port, method, target, { host, ...headers }, body);

      await t.step("no cookie: 401 and nothing else", async () => {
        for (
          const target of ["/", "/api/services", "/api/events", "/app.js", `/api/services/${name}/stdout`]
        ) {
          const answer = await ask("GET", target, {});
          assertEquals(answer.status, 401, target);
          assertOk(!answer.text.includes(name), "no service named");
          assertOk(!/access-control-allow/i.test(answer.text), "no CORS header");
        }
        assertEquals(
          (await ask("GET", "/api/services", { cookie: `servitor_ui_${port}=guess` })).status,
          401,
        );
      });

      await t.step("the token works once", async () => {
        const again = await ask("GET", `/?token=${new URL(url).searchParams.get("token")}`, {});
        assertEquals(again.status, 401);
        assertOk(!/set-cookie/i.test(again.text));
      });

      await t.step("a Host other than the loopback address and port is refused (DNS rebinding)", async () => {
        for (
          const other of [`evil.example:${port}`, `localhost:${port}`, "127.0.0.1", `127.0.0.1:${port + 1}`]
        ) {
          const answer = await ask("GET", "/api/services", { host: other, cookie });
          assertEquals(answer.status, 421, other);
        }
      });

      await t.step(
        "a POST with a missing or foreign Origin is 403, cookie or not, whatever its path",
        async () => {
          const refused: Record<string, string>[] = [
            { cookie },
            { cookie, origin: "http://evil.example" },
            { cookie, origin: "null" },
            { cookie, origin: `http://localhost:${port}` },
          ];
          for (const headers of refused) {
            const answer = await ask("POST", `/api/services/${name}/start`, headers);
            assertEquals(answer.status, 403, JSON.stringify(headers));
          }
          assertEquals((await ask("POST", "/no/such/path", { origin: "http://evil.example" })).status, 403);
          assertEquals((await ask("DELETE", "/", {})).status, 403);
          assertEquals(
            (await bed.run("systemctl", "is-active", `${name}.service`)).stdout.trim(),
            "inactive",
          );
        },
      );

      await t.step("bad requests get their answer and the server lives on", async () => {
        const post = (target: string, body?: string) => ask("POST", target, { cookie, origin }, body);
        assertEquals((await post("/api/services/no-such-service/start")).status, 404);
        assertEquals((await post(`/api/services/${name}/explode`)).status, 404);
        assertEquals((await post("/api/services/..%2F..%2Fetc/start")).status, 400);
        assertEquals((await post("/api/services/%E0%A4%A/start")).status, 400);
        assertEquals(
          (await ask("GET", "/api/services/..%2F..%2Fetc%2Fshadow/stdout", { cookie })).status,
          400,
        );
        assertEquals((await ask("GET", "/api/services/no-such-service/stderr", { cookie })).status, 404);
        assertEquals((await post(`/api/services/${name}/start`, "{not json")).status, 200);
        assertEquals((await bed.servitor("ManageService", name, "stop")).code, 0);
        const huge = await ask("POST", `/api/services/${name}/start`, {
          cookie,
          origin,
          "content-length": String(100 * 1024 * 1024),
        });
        assertEquals(huge.status, 413);
        // The form's Review and Apply: bodies that are not JSON, not settings, or too big.
        assertEquals((await post("/api/apply", "{not json")).status, 400);
        assertEquals((await post("/api/check", "[1, 2]")).status, 400);
        assertEquals((await post("/api/apply", "[1, 2]")).status, 400);
        assertEquals((await post("/api/apply", JSON.stringify({ settings: "name: x" }))).status, 400);
        const invalid = await post(
          "/api/apply",
          JSON.stringify({ settings: { name: "../x", program: "/bin/sh" } }),
        );
        assertEquals(invalid.status, 422);
        const big = "x".repeat(100 * 1024);
        const chunked = await ask(
          "POST",
          "/api/apply",
          { cookie, origin, "transfer-encoding": "chunked" },
          `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
        );
        assertEquals(chunked.status, 413);
        assertEquals(
          (await ask("POST", "/api/apply", { cookie, "content-type": "application/json" }, "{}")).status,
          403,
        );
        const list = await ask("GET", "/api/services", { cookie });
        assertEquals(list.status, 200);
        assertOk(list.text.includes(`"name":"${name}"`));
        assertMatch(
          list.text,
          /content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'/i,
        );
      });

      await t.step("an address that is not loopback is refused in one line", async () => {
        const refused = await bed.servitor("ui", "--no-open", "--address", "0.0.0.0");
        assertEquals(refused.code, 3);
        assertEquals(refused.stdout, "");
        assertMatch(refused.stderr.trim(), /^servitor: ui: --address '0\.0\.0\.0' is not loopback[^\n]*$/);
      });

      await t.step("someone other than root is refused in one line", async () => {
        const refused = await bed.run(
          "setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "env",
          "HOME=/tmp",
          "DENO_DIR=/tmp/deno-nobody",
          Deno.execPath(),
          "run",
          "--allow-all",
          fileURLToPath(new URL("../../cli/main.ts", import.meta.url)),
          "ui",
          "--no-open",
        );
        assertEquals(refused.code, 4, refused.stdout + refused.stderr);
        assertEquals(refused.stdout, "");
        assertMatch(refused.stderr.trim(), /^servitor: managing system services needs root[^\n]*$/);
      });

      await t.step("Ctrl-C ends the server, with a page and a service's output still open", async () => {
        await page.goto(`${origin}/#/service/${name}`);
        await page.waitForSelector(`pre[data-stream="stdout"]`);
        assertEquals((await bed.run("kill", "-INT", String(served.pid))).code, 0);
        const ended = await bed.run(
          "timeout",
          "10",
          "sh",
          "-c",
          `while kill -0 ${served.pid} 2>/dev/null; do sleep 0.1; done`,
        );
        assertEquals(ended.code, 0, "still running 10 s after SIGINT");
      });

      await page.close();
    } finally {
      await browser.close();
      await bed.close();
    }
  },
});
