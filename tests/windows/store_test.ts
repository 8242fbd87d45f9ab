/**
 * The store's atomic writes on Windows (Wine): a file renamed over one that another process is reading —
 * status.json while `ManageService status` or a script polls it — must still be written.
 */
import path from "path";
import { assertEquals } from "../assert.ts";
import { writeFileAtomically } from "../../service/store.ts";
import { notWindows } from "./helpers.ts";

Deno.test({
  name: "a file polled by a reader is still replaced, every time, never seen half-written",
  ignore: notWindows,
  async fn() {
    const file = path.win32.join(await Deno.makeTempDir({ prefix: "servitor-store-" }), "status.json");
    await writeFileAtomically(file, JSON.stringify({ version: 0 }));
    // Another process reads it in a loop, as a script polling it would, every few milliseconds.
    const reader = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `for (;;) { try { JSON.parse(Deno.readTextFileSync(${
          JSON.stringify(file)
        })); } catch (e) { if (!(e instanceof Deno.errors.NotFound)) { console.log("torn: " + e.message); Deno.exit(1); } } }`,
      ],
      stdout: "piped",
    }).spawn();
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let version = 1; version <= 100; version++) {
        await writeFileAtomically(file, JSON.stringify({ version, padding: "x".repeat(4096) }));
      }
      assertEquals(JSON.parse(await Deno.readTextFile(file)).version, 100);
    } finally {
      reader.kill();
      const { stdout } = await reader.output();
      assertEquals(new TextDecoder().decode(stdout), "", "the reader never saw a half-written file");
    }
  },
});
