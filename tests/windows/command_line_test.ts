import { assertEquals } from "../assert.ts";
import { commandLineToArgv } from "../../ffi/command_line.ts";
import { windowsCommandLine } from "../../service/command_line.ts";
import { hardArguments } from "./command_line_cases.ts";
import { notWindows } from "./helpers.ts";

Deno.test({
  name: "a command line built from hard arguments splits back into exactly them through CommandLineToArgvW",
  ignore: notWindows,
  fn() {
    const program = String.raw`C:\Program Files\My App\app.exe`;
    for (const arg of hardArguments) {
      assertEquals(
        commandLineToArgv(windowsCommandLine(program, [arg])),
        [program, arg],
        JSON.stringify(arg),
      );
    }
    assertEquals(commandLineToArgv(windowsCommandLine(program, hardArguments)), [program, ...hardArguments]);
  },
});
