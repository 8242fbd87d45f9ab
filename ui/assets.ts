/**
 * The page's files: its HTML and CSS as written (ui/app/), and its script bundled for the browser
 * (`deno task ui:build`, into ui/dist/app.js). `deno task compile` builds the bundle first and embeds both
 * folders (`--include`); run from source without a bundle, the bundle is built here, once.
 * @module
 */
import { CliError } from "../cli/errors.ts";
import { ExitCode } from "../cli/exit_codes.ts";

// Taken from the project's root, one folder up both from ui/assets.ts and from the bundled build's
// dist/servitor.js (which a compiled exe runs, with ui/app and ui/dist embedded beside it).
const project = new URL("..", import.meta.url);
const bundleUrl = new URL("./ui/dist/app.js", project);

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

async function file(url: URL, type: string): Promise<Asset> {
  return { body: await Deno.readFile(url), type };
}

/** Builds the bundle when it is missing (a fresh clone run from source). */
async function ensureBundle(): Promise<void> {
  if (await Deno.stat(bundleUrl).then(() => true, () => false)) return;
  if (Deno.build.standalone) {
    throw new CliError("this build has no page: build it with 'deno task compile'", ExitCode.internal);
  }
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "ui:build"],
    cwd: project.pathname,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new CliError(
      `the page could not be built ('deno task ui:build'): ${new TextDecoder().decode(stderr).trim()}`,
      ExitCode.internal,
    );
  }
}

/** The page's files by path. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  await ensureBundle();
  return new Map([
    ["/", await file(new URL("./ui/app/index.html", project), "text/html; charset=utf-8")],
    ["/app.css", await file(new URL("./ui/app/style.css", project), "text/css; charset=utf-8")],
    ["/app.js", await file(bundleUrl, "text/javascript; charset=utf-8")],
  ]);
}
