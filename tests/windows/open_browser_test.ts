/**
 * `servitor ui` (and nssm's install and edit) open the browser through the shell: ShellExecuteW's "open"
 * of the address. Under Wine the shell hands an http address to winebrowser, which may find no browser in
 * the test-bed: then the call fails with the shell's own code, said in one line, and the printed address
 * is what is left — never a crash.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { Win32Error } from "../../ffi/error.ts";
import { shellOpen } from "../../ffi/shell_open.ts";
import { openBrowser } from "../../ui/open_browser.ts";
import { notWindows } from "./helpers.ts";

/** An address nothing listens on: a browser that does open shows an error page, and nothing else happens. */
const ADDRESS = "http://127.0.0.1:9/?token=0#/edit/web";

Deno.test({
  name: "ShellExecuteW opens an http address, or fails with the shell's code (32 or less) and its message",
  ignore: notWindows,
  fn() {
    try {
      shellOpen(ADDRESS);
    } catch (error) {
      if (!(error instanceof Win32Error)) throw error;
      assertEquals(error.fn, "ShellExecuteW");
      assertOk(error.code <= 32, `ShellExecuteW's code ${error.code} is a success (above 32)`);
    }
  },
});

Deno.test({
  name: "the page's opener, on Windows, says in one line when the browser can't be opened",
  ignore: notWindows,
  async fn() {
    const lines: string[] = [];
    await openBrowser(ADDRESS, (line) => lines.push(line));
    assertOk(lines.length <= 1, lines.join("\n"));
    for (const line of lines) {
      assertMatch(
        line,
        /^servitor ui: the browser could not be opened \(ShellExecuteW failed with error \d+: .*\): open the address above$/,
      );
    }
  },
});
