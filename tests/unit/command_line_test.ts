import { assertEquals, assertThrows } from "../assert.ts";
import { quoteWindowsArgument, windowsCommandLine } from "../../service/command_line.ts";

Deno.test("plain words stay bare; anything with space, tab, quote or nothing at all is quoted", () => {
  assertEquals(quoteWindowsArgument("--port=8080"), "--port=8080");
  assertEquals(quoteWindowsArgument(String.raw`C:\dir\file.txt`), String.raw`C:\dir\file.txt`);
  assertEquals(quoteWindowsArgument("two words"), '"two words"');
  assertEquals(quoteWindowsArgument("tab\there"), '"tab\there"');
  assertEquals(quoteWindowsArgument(""), '""');
});

Deno.test("quotes are escaped and the backslashes before them doubled", () => {
  assertEquals(quoteWindowsArgument('say "hi"'), String.raw`"say \"hi\""`);
  assertEquals(quoteWindowsArgument(String.raw`a\"b c`), String.raw`"a\\\"b c"`);
  assertEquals(quoteWindowsArgument("C:\\Program Files\\"), '"C:\\Program Files\\\\"');
  assertEquals(quoteWindowsArgument(String.raw`x\\ y`), String.raw`"x\\ y"`);
});

Deno.test("the program is always quoted, so a path with spaces can't be misread as C:\\Program.exe", () => {
  assertEquals(
    windowsCommandLine(String.raw`C:\Program Files\app\app.exe`, ["--flag", "a b"]),
    String.raw`"C:\Program Files\app\app.exe" --flag "a b"`,
  );
  assertEquals(windowsCommandLine(String.raw`C:\app.exe`), String.raw`"C:\app.exe"`);
  assertThrows(() => windowsCommandLine('C:\\a"b.exe'), RangeError);
});

Deno.test("every hard argument comes back from a pure reading of the Windows rules", async () => {
  // The windows tier checks the same table against the real CommandLineToArgvW; this pins the rules here.
  const { hardArguments } = await import("../windows/command_line_cases.ts");
  const line = windowsCommandLine(String.raw`C:\p.exe`, hardArguments);
  assertEquals(splitByWindowsRules(line).slice(1), [...hardArguments]);
});

/** CommandLineToArgvW's documented rules for the arguments after the program, written out for this test. */
function splitByWindowsRules(line: string): string[] {
  const args: string[] = [];
  let i = line.indexOf('"', 1) + 1;
  args.push(line.slice(1, i - 1));
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) return args;
    let arg = "";
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== " " && line[i] !== "\t"))) {
      let backslashes = 0;
      while (line[i] === "\\") backslashes++, i++;
      if (line[i] === '"') {
        arg += "\\".repeat(Math.floor(backslashes / 2));
        if (backslashes % 2) arg += '"';
        else quoted = !quoted;
        i++;
      } else {
        arg += "\\".repeat(backslashes);
        if (i < line.length && (quoted || (line[i] !== " " && line[i] !== "\t"))) arg += line[i++];
      }
    }
    args.push(arg);
  }
}
