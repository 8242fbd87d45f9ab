/**
 * The outside half of the UI measure (bench/measures/ui.ts runs inside the test-bed): once the server's
 * address appears in the handshake folder, opens it in the machine's Chromium (puppeteer-core, the ui
 * tier's library), times it until the list of services is drawn, writes that, and keeps the page open
 * until the inside is done measuring.
 * @module
 */
import path from "path";
import { waitUntil } from "./proc.ts";

const CHROMIUM = "/usr/bin/chromium";

/** Opens the page when the inside asks, until `signal`; each outcome goes to `ui-drawn.json`. */
export async function openUiPage(folder: string, services: number, signal: AbortSignal): Promise<void> {
  const files = {
    address: path.join(folder, "ui-address"),
    drawn: path.join(folder, "ui-drawn.json"),
    done: path.join(folder, "ui-done"),
  };
  const exists = (file: string) => Deno.stat(file).then(() => true, () => false);
  const ended = () => signal.aborted;
  // The whole systemd part may run for many minutes before the UI measure's turn.
  await waitUntil(async () => ended() || await exists(files.address), "the UI's address", 3_600_000, 200);
  if (ended()) return;
  const report = (value: { ms?: number; error?: string }) =>
    Deno.writeTextFile(files.drawn, JSON.stringify(value));
  if (!await exists(CHROMIUM)) return await report({ error: `no Chromium at ${CHROMIUM}` });
  const { default: puppeteer } = await import("puppeteer-core");
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const address = (await Deno.readTextFile(files.address)).trim();
    const started = performance.now();
    await page.goto(address);
    await page.waitForFunction(
      (count: number) =>
        (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document
          .querySelectorAll("tr[data-service]").length >= count,
      { timeout: 60_000, polling: "mutation" },
      services,
    );
    await report({ ms: performance.now() - started });
    await waitUntil(async () => ended() || await exists(files.done), "the UI measure's end", 600_000, 200);
  } catch (error) {
    await report({ error: (error as Error).message });
  } finally {
    await browser.close();
  }
}
