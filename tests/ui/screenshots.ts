/**
 * `deno task screenshots`: the page as the README shows it — the services list and a service's edit form,
 * in the light and the dark scheme — written to docs/screenshots/. As the ui tier does it: `servitor ui`
 * inside a booted systemd test-bed with a few services, Debian's Chromium outside (puppeteer-core), so
 * what is pictured is the real page on a real systemd. Needs root, as the test-bed does.
 * @module
 */
import { fileURLToPath } from "node:url";
import { launchChromium, Testbed, unavailable, waitForText } from "./helpers.ts";

const ticker = fileURLToPath(new URL("../systemd/fixtures/ticker.sh", import.meta.url));
const out = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));

/** The services pictured: name, display name, whether it runs. */
const services: [string, string, boolean][] = [
  ["billing-api", "Billing API", true],
  ["nightly-report", "Nightly report", false],
  ["queue-worker", "Queue worker", true],
];

if (import.meta.main) {
  if (unavailable) {
    console.error(`screenshots: ${unavailable}`);
    Deno.exit(1);
  }
  await Deno.mkdir(out, { recursive: true });
  const bed = await Testbed.boot();
  const browser = await launchChromium();
  try {
    for (const [name, displayName, running] of services) {
      const installed = await bed.servitor(
        "InstallService",
        ticker,
        `/tmp/${name}.pid`,
        "--service_name",
        name,
        "--display_name",
        displayName,
        "--start",
        running ? "auto" : "manual",
      );
      if (installed.code !== 0) throw new Error(`InstallService ${name}: ${installed.stderr}`);
      if (running) await bed.servitor("ManageService", name, "start");
    }
    const served = await bed.serveUi();
    if (!served.line) throw new Error(`servitor ui did not start: ${served.stderr}`);
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 520 });
    await page.goto(served.line);
    const origin = new URL(served.line).origin;
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
      await page.goto(`${origin}/#/`);
      // Every running service with its CPU (from the second sample on), so no cell is caught half-drawn.
      for (const [name, , running] of services) {
        if (running) await waitForText(page, `tr[data-service="${name}"] .cpu`, /^\d+\.\d%$/, 30_000);
      }
      await page.screenshot({ path: `${out}dashboard-${scheme}.png` });
      await page.goto(`${origin}/#/edit/${services[0][0]}`);
      await page.waitForSelector("#setting-displayName");
      await page.screenshot({ path: `${out}edit-${scheme}.png` });
      console.log(`docs/screenshots/dashboard-${scheme}.png, docs/screenshots/edit-${scheme}.png`);
    }
  } finally {
    await browser.close();
    await bed.close();
  }
}
