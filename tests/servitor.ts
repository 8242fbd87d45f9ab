/** Running servitor's CLI as a person does (deno run cli/main.ts …), for the tiers that test it end to end. */
import { fileURLToPath } from "node:url";
import { assertEquals } from "./assert.ts";

/**
 * The build under test: the sources (cli/main.ts), or with SERVITOR_UNDER_TEST=bundle the bundled build
 * (dist/servitor.js, `deno task bundle`) — what a compiled exe runs; tests/run.ts runs a few Windows-tier
 * tests so. A service the CLI installs then runs the same build (cli/self.ts).
 */
export const underTest: "sources" | "bundle" = Deno.env.get("SERVITOR_UNDER_TEST") === "bundle"
  ? "bundle"
  : "sources";

/** The module `deno run` starts for the build under test. */
export const main = fileURLToPath(
  new URL(underTest === "bundle" ? "../dist/servitor.js" : "../cli/main.ts", import.meta.url),
);
if (underTest === "bundle" && !(await Deno.stat(main).then((info) => info.isFile, () => false))) {
  throw new Error(`SERVITOR_UNDER_TEST=bundle, but ${main} is missing: run 'deno task bundle' first`);
}

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

/**
 * Starts `servitor ARGS…` (a command that goes on, such as `logs -f`) as a child: `lines` fills with its
 * stdout's lines as they come, `done` resolves when its stdout ends, `stderr` when its stderr does.
 */
export function servitorLines(...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let buffered = "";
  const done = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        buffered += chunk;
        const complete = buffered.split(/\r?\n/);
        buffered = complete.pop()!;
        lines.push(...complete);
      },
    }),
  );
  const stderr = new Response(child.stderr).text();
  return { child, lines, done, stderr };
}
