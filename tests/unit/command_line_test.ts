import { assertEquals, assertThrows } from "../assert.ts";
import {
  joinArguments,
  nssmQuote,
  quoteWindowsArgument,
  splitArguments,
  splitProgram,
  windowsCommandLine,
} from "../../service/command_line.ts";

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
  const { program, rest } = splitProgram(windowsCommandLine(String.raw`C:\p.exe`, hardArguments));
  assertEquals(program, String.raw`C:\p.exe`);
  assertEquals(splitArguments(rest), [...hardArguments]);
});

Deno.test("a Windows hook command's program is split off as CreateProcess reads it", () => {
  assertEquals(splitProgram('"C:\\Program Files\\app.exe" /x "y z"'), {
    program: "C:\\Program Files\\app.exe",
    rest: '/x "y z"',
  });
  assertEquals(splitProgram("C:\\windows\\system32\\cmd.exe /c set > out.txt"), {
    program: "C:\\windows\\system32\\cmd.exe",
    rest: "/c set > out.txt",
  });
  assertEquals(splitProgram("  notify.exe"), { program: "notify.exe", rest: "" });
  // No escapes in the first word: a backslash before the closing quote is part of the path.
  assertEquals(splitProgram('"C:\\dir\\"\targ'), { program: "C:\\dir\\", rest: "arg" });
  assertEquals(splitProgram('"C:\\no end'), { program: "C:\\no end", rest: "" });
});

Deno.test("AppParameters splits as a program's runtime does and joins back to the same arguments", () => {
  assertEquals(splitArguments('/c "two words" say\\"hi\\" back\\\\"x y" ""'), [
    "/c",
    "two words",
    'say"hi"',
    "back\\x y",
    "",
  ]);
  assertEquals(splitArguments('"a ""quoted"" word"'), ['a "quoted" word']);
  for (const args of [["two words", 'say "hi"', "ünïcode", "back\\slash\\", ""], ["/c", "ping"]]) {
    assertEquals(splitArguments(joinArguments(args)), args);
  }
});

Deno.test("dump quotes as nssm's quote(): bare, in quotes, or caret-escaped for cmd.exe", () => {
  assertEquals(nssmQuote("C:\\windows\\system32\\cmd.exe"), "C:\\windows\\system32\\cmd.exe");
  assertEquals(nssmQuote("/c ping -n 100 127.0.0.1"), '"/c ping -n 100 127.0.0.1"');
  assertEquals(nssmQuote("C:\\dir with space\\"), '"C:\\dir with space\\\\"');
  assertEquals(nssmQuote("cmd /c echo hi & exit 0"), '^"cmd /c echo hi ^& exit 0^"');
  assertEquals(nssmQuote('say "hi"'), '^"say ^\\^"hi^\\^"^"');
  assertEquals(nssmQuote("100%"), '^"100^%^"');
});
