import { assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { pathExists, pathExistsSync } from "../../service/exists.ts";

Deno.test("pathExists: a file, a folder and a link whose target is gone exist; a missing name and one under a file don't", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    await Deno.symlink(`${dir}/gone`, `${dir}/dangling`);
    for (
      const [name, expected] of [["file", true], ["", true], ["dangling", true], ["missing", false], [
        "file/under",
        false,
      ]] as const
    ) {
      assertEquals(await pathExists(`${dir}/${name}`), expected, name);
      assertEquals(pathExistsSync(`${dir}/${name}`), expected, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('pathExists: a failure that isn\'t "not there" is thrown, not taken for missing', async () => {
  // A name longer than any file system allows: neither there nor not there, so a rotation must not proceed.
  const long = `/tmp/${"x".repeat(5000)}`;
  await assertRejects(() => pathExists(long));
  assertThrows(() => pathExistsSync(long));
});
