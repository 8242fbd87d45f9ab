import { assertEquals, assertThrows } from "../assert.ts";
import { CliError } from "../../cli/errors.ts";
import { parseUiArgs } from "../../ui/options.ts";

const refusal = (args: string[]) => {
  try {
    parseUiArgs(args);
  } catch (error) {
    if (error instanceof CliError) return [error.exitCode, error.message];
    throw error;
  }
  throw new Error(`servitor ui ${args.join(" ")} was not refused`);
};

Deno.test("servitor ui opens the browser on a free port unless told otherwise", () => {
  assertEquals(parseUiArgs([]), { port: 0, open: true, user: false });
  assertEquals(parseUiArgs(["--port", "8123", "--no-open", "--user"]), {
    port: 8123,
    open: false,
    user: true,
  });
  assertEquals(parseUiArgs(["--port=8124", "--address", "127.0.0.1"]).port, 8124);
});

Deno.test("servitor ui refuses an address that is not loopback, and a port that is not one, in one line", () => {
  for (const address of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
    const [code, line] = refusal(["--address", address]);
    assertEquals(code, 3, address);
    assertEquals(
      line,
      `ui: --address '${address}' is not loopback: the page can run any program as root, so it is served on 127.0.0.1 only`,
    );
  }
  for (const port of ["0", "65536", "http", "-1"]) assertEquals(refusal(["--port", port])[0], 3, port);
  assertEquals(refusal(["--port"])[0], 2);
  assertEquals(refusal(["--listen", "x"])[0], 2);
  assertThrows(() => parseUiArgs(["--address=0.0.0.0"]));
});
