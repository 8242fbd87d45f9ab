import { assertEquals, assertMatch } from "../assert.ts";
import { openHostLog } from "../../host/log.ts";
import { errorLogPath } from "../../service/store_layout.ts";

Deno.test("a stderr that can't be written drops its lines: the error log still gets each, and nothing fails", async () => {
  const directory = await Deno.makeTempDir();
  try {
    let attempts = 0;
    // As Deno's stderr does when its handle is gone: every write fails.
    const stderr = new WritableStream<Uint8Array>({
      write() {
        attempts++;
        return Promise.reject(new Error("Access denied. (os error 5)"));
      },
    });
    const log = await openHostLog("web", directory, undefined, stderr);
    log.write("info", "the program started");
    log.write("error", "the program exited with code 3");
    log.write("error", "the program exited with code 4");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await log.close();
    const lines = (await Deno.readTextFile(errorLogPath(directory, "web"))).trim().split("\n");
    assertEquals(lines.length, 2);
    assertMatch(lines[1], /web: the program exited with code 4$/);
    assertEquals(attempts, 1, "a stderr that failed is not written again");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
