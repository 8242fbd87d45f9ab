/** How the Linux launcher hands output files to a program: opened by the host, given by descriptor. */
import { assertEquals } from "../assert.ts";
import { childStreams } from "../../host/launcher_posix.ts";

/** Files that only count: each open gives the next descriptor, from 10. */
function fakeFiles(failing: string[] = []) {
  const opened: string[] = [];
  const closed: number[] = [];
  return {
    opened,
    closed,
    open(file: string) {
      if (failing.includes(file)) throw new Error("Permission denied (os error 13)");
      opened.push(file);
      return 9 + opened.length;
    },
    close(fd: number) {
      closed.push(fd);
    },
  };
}

Deno.test("no stream to a file: nothing is opened, the streams are piped, inherited or discarded", () => {
  const files = fakeFiles();
  const streams = childStreams("pipe", "null", files);
  assertEquals([streams.stdout, streams.stderr, files.opened], ["piped", "null", []]);
  assertEquals(childStreams("inherit", "pipe", files).stdout, "inherit");
});

Deno.test("each stream to its file gets the file, by the path as given, closed by the host once handed over", () => {
  const files = fakeFiles();
  const awkward = `/var/log/a "b" $HOME \`c\`.log`;
  const streams = childStreams({ file: awkward }, { file: "/var/log/err.log" }, files);
  assertEquals(files.opened, [awkward, "/var/log/err.log"]);
  assertEquals([streams.stdout, streams.stderr], [10, 11]);
  streams.close();
  streams.close();
  assertEquals(files.closed, [10, 11]);
});

Deno.test("both streams to one file share one descriptor, so their lines interleave as written", () => {
  const files = fakeFiles();
  const streams = childStreams({ file: "/l/both.log" }, { file: "/l/both.log" }, files);
  assertEquals([streams.stdout, streams.stderr, files.opened], [10, 10, ["/l/both.log"]]);
  assertEquals(childStreams("inherit", { file: "/l/err.log" }, files).stderr, 11);
});

Deno.test("a file that can't be opened is named, and what was opened before it is closed", () => {
  const files = fakeFiles(["/l/err.log"]);
  let message = "";
  try {
    childStreams({ file: "/l/out.log" }, { file: "/l/err.log" }, files);
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message, "could not open the output file /l/err.log: Permission denied (os error 13)");
  assertEquals(files.closed, [10]);
});

Deno.test("the host's own open appends as >> does and names a missing folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/out.log`;
    await Deno.writeTextFile(file, "before\n");
    const streams = childStreams({ file }, "null");
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", "echo after"],
      stdout: streams.stdout as Deno.CommandOptions["stdout"],
      stderr: "null",
    }).spawn();
    streams.close();
    await child.status;
    assertEquals(await Deno.readTextFile(file), "before\nafter\n");
    let message = "";
    try {
      childStreams({ file: `${dir}/missing/out.log` }, "null");
    } catch (error) {
      message = (error as Error).message;
    }
    assertEquals(
      message,
      `could not open the output file ${dir}/missing/out.log: No such file or directory: ${dir}/missing/out.log`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
