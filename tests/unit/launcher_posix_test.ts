/** How the Linux launcher hands output files to a program that Deno.Command can only pipe, inherit or discard. */
import { assertEquals } from "../assert.ts";
import { redirection } from "../../host/launcher_posix.ts";

Deno.test("no stream to a file: the program is started as it is, without a shell", () => {
  assertEquals(redirection("pipe", "null"), undefined);
});

Deno.test("each stream to its file is appended to, the paths never part of the script", () => {
  const awkward = `/var/log/a "b" $HOME \`c\`.log`;
  assertEquals(redirection({ file: awkward }, { file: "/var/log/err.log" }), {
    script: `exec 1>>"$1" 2>>"$2" || exit 127; shift 2; exec "$@"`,
    files: [awkward, "/var/log/err.log"],
  });
});

Deno.test("both streams to one file share one descriptor, so their lines interleave as written", () => {
  assertEquals(
    redirection({ file: "/l/both.log" }, { file: "/l/both.log" })?.script,
    `exec 1>>"$1" 2>&1 || exit 127; shift 2; exec "$@"`,
  );
  assertEquals(redirection("inherit", { file: "/l/err.log" }), {
    script: `exec 2>>"$2" || exit 127; shift 2; exec "$@"`,
    files: ["", "/l/err.log"],
  });
});
