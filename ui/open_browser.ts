/**
 * Opens the default browser at the page. Windows: the shell's "open" of the address (ShellExecuteW, in
 * ffi/); Linux: `xdg-open` when it is installed; otherwise the printed line is all.
 * @module
 */
import { describeFailure } from "../cli/errors.ts";

/** Opens `url` in the browser when this system has a way to; says so when it has none. */
export async function openBrowser(url: string, warn: (line: string) => void): Promise<void> {
  if (Deno.build.os === "windows") {
    try {
      const { shellOpen } = await import("../ffi/shell_open.ts");
      shellOpen(url);
    } catch (error) {
      warn(
        `servitor ui: the browser could not be opened (${
          describeFailure(error).line
        }): open the address above`,
      );
    }
    return;
  }
  if (Deno.build.os !== "linux") {
    warn("servitor ui: open the address above in your browser");
    return;
  }
  try {
    const child = new Deno.Command("xdg-open", { args: [url], stdin: "null", stdout: "null", stderr: "null" })
      .spawn();
    // The opener may live as long as the browser: nothing waits for it.
    child.unref();
    await child.status.catch(() => {});
  } catch {
    warn("servitor ui: no xdg-open here: open the address above in your browser");
  }
}
