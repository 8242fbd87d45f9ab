/**
 * `servitor ui`: serves the page until Ctrl-C or the service manager's stop (SIGTERM), the address with
 * its one-time token the first line of output.
 * @module
 */
import type { CliContext } from "../cli/context.ts";
import { CliError, describeFailure } from "../cli/errors.ts";
import { ExitCode } from "../cli/exit_codes.ts";
import { loadAssets } from "./assets.ts";
import { openBrowser } from "./open_browser.ts";
import type { UiOptions } from "./options.ts";
import { serveUi } from "./server.ts";

export async function runUi(options: UiOptions, context: CliContext): Promise<number> {
  const assets = await loadAssets();
  let server;
  try {
    server = serveUi(context, assets, options.port);
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    throw new CliError(
      `ui: port ${options.port} of 127.0.0.1 is in use: choose another, or leave --port out for a free one`,
      ExitCode.badValue,
    );
  }
  // A route is the address's fragment: it stays through the token's redirect, and never reaches the server.
  const address = options.route ? `${server.url}#${options.route}` : server.url;
  console.log(address);
  // Nothing a page does may end the server: a failure no request was waiting for is said, and it goes on.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    context.warn(`servitor ui: ${describeFailure(event.reason).line}`);
  });
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  const stop = () => server.shutdown();
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  if (options.open) openBrowser(address, context.warn);
  await server.finished;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  return ExitCode.ok;
}
