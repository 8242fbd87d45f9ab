/** Running servitor's CLI as a person does (deno run cli/main.ts …), for the tiers that test it end to end. */
import { fileURLToPath } from "node:url";
import { assertEquals } from "./assert.ts";

const main = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/** Runs `servitor ARGS…`; returns its exit code and output. */
export async function servitor(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
    stdin: "null",
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

/** Runs `servitor ARGS…` and asserts it worked, showing its output when it didn't. */
export async function servitorOk(...args: string[]) {
  const result = await servitor(...args);
  assertEquals(result.code, 0, `servitor ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
  return result;
}
