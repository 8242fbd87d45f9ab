import { assertEquals } from "../assert.ts";
import { commandLineToArgv } from "../../ffi/command_line.ts";
import { splitArguments, splitProgram, windowsCommandLine } from "../../service/command_line.ts";
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

Deno.test({
  name: "the pure split (splitProgram, splitArguments) reads command lines as CommandLineToArgvW does",
  ignore: notWindows,
  fn() {
    const lines = [
      windowsCommandLine(String.raw`C:\Program Files\My App\app.exe`, hardArguments),
      String.raw`"C:\dir\app.exe" a\\\"b "c d"\\ e\\\\"f g" h`,
      String.raw`C:\app.exe  /x	"y z" back\slash\ ""`,
    ];
    for (const line of lines) {
      const { program, rest } = splitProgram(line);
      assertEquals([program, ...splitArguments(rest)], commandLineToArgv(line), line);
    }
  },
});
