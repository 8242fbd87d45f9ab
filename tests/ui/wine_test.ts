/**
 * `servitor ui` served by the Windows deno.exe under Wine, against Wine's own SCM, driven by the host's real
 * Chromium through 127.0.0.1: the page lists a service the SCM holds, and Start and Stop from the page reach
 * the SCM — read back with Wine's own sc.exe, not through servitor.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { launchChromium, Testbed, unavailable } from "./helpers.ts";

Deno.test({
  name: "servitor ui under Wine: the page lists a service of the SCM, and its Start and Stop reach the SCM",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const bed = await Testbed.boot("wine");
    const browser = await launchChromium();
    // sc.exe's STATE line: "STATE              : 4  RUNNING".
    const scState = async (name: string) =>
      (await bed.run("sc.exe", "query", name)).stdout.match(/STATE\s*:\s*\d+\s+(\w+)/)?.[1];
    try {
      const name = `ui_wine_${Date.now().toString(36)}`;
      const [deno, main] = [bed.execPath, bed.main];
      const fixture = main.replace(/cli\\main\.ts$/, "tests\\windows\\fixtures\\cli_args.ts");
      const installed = await bed.servitor(
        "InstallService",
        deno,
        "run",
        "--allow-all",
        fixture,
        `C:\\windows\\temp\\${name}.json`,
        "--service_name",
        name,
        "--start",
        "manual",
        "--display_name",
        "Ticker under Wine",
      );
      assertEquals(installed.code, 0, installed.stdout + installed.stderr);
      assertEquals(await scState(name), "STOPPED");

      const served = await bed.serveUi();
      assertMatch(served.line ?? "", /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32,}$/, served.stderr);
      const page = await browser.newPage();
      await page.goto(served.line!);
      const row = `tr[data-service="${name}"]`;
      await page.waitForSelector(`${row} [data-state="stopped"]`, { timeout: 30_000 });

      await page.click(`input[aria-label="Select ${name}"]`);
      await page.click(`button[aria-label="start the selected services"]`);
      await page.waitForSelector(`${row} [data-state="running"]`, { timeout: 30_000 });
      assertEquals(await scState(name), "RUNNING");

      await page.click(`button[aria-label="stop the selected services"]`);
      await page.waitForSelector(`${row} [data-state="stopped"]`, { timeout: 30_000 });
      assertEquals(await scState(name), "STOPPED");

      assertEquals((await bed.servitor("ManageService", name, "remove", "--remove_install_args")).code, 0);
    } finally {
      await browser.close();
      await bed.close();
    }
  },
});
