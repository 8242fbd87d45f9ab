/**
 * Opens the default browser at the page. Linux: `xdg-open` when it is installed; otherwise the printed
 * line is all. Windows: not yet — ffi/shell32.ts has no ShellExecuteW (the line is printed there too).
 * @module
 */

/** Opens `url` in the browser when this system has a way to; says so when it has none. */
export async function openBrowser(url: string, warn: (line: string) => void): Promise<void> {
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
