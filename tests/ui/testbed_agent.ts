/**
 * Runs inside a test-bed for the ui tier — the systemd one, or Wine's with the Windows deno.exe — which runs
 * outside it (Chromium is the host's): one JSON request a line on stdin, one JSON answer a line on stdout.
 * - first, unasked: `{ ready, execPath, main }`, how servitor is run in there
 * - `{ id, run: [program, …args] }` → `{ id, code, stdout, stderr }`
 * - `{ id, serve: […args], console? }` starts `servitor …args` (`ui --no-open …`, or nssm's `edit <name>`,
 *   which serves only at a console: `console` runs it on a terminal of its own through script(1)) →
 *   `{ id, line, pid }`, its first line (or `{ id, code, stderr }` when it ended without one), with its
 *   `pid`; it runs until the test-bed ends.
 * Its stdin closing ends it, and with it the test-bed.
 */
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function answer(value: unknown) {
  Deno.stdout.writeSync(encoder.encode(`${JSON.stringify(value)}\n`));
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}

/** A word for sh, quoted. */
const shellWord = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

async function serve(id: number, args: string[], console: boolean) {
  const command = [Deno.execPath(), "run", "--allow-all", main, ...args];
  // script(1) gives the command a terminal of its own (its lines then end in \r\n).
  const [program, ...programArgs] = console
    ? ["script", "-qec", command.map(shellWord).join(" "), "/dev/null"]
    : command;
  const child = new Deno.Command(program, {
    args: programArgs,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Its stderr goes on to the test's, and is kept for the answer should it end without a first line.
  let stderrText = "";
  const stderr = (async () => {
    for await (const chunk of child.stderr) {
      stderrText += decoder.decode(chunk, { stream: true });
      Deno.stderr.writeSync(chunk);
    }
    return stderrText;
  })();
  const reader = lines(child.stdout);
  const first = await reader.next();
  if (first.done) {
    const { code } = await child.status;
    return answer({ id, code, stderr: await stderr });
  }
  answer({ id, line: first.value.replace(/\r$/, ""), pid: child.pid });
  // Its later output is drained, so that the server never blocks on a full pipe.
  for await (const _ of reader) { /* dropped */ }
}

async function handle(request: { id: number; run?: string[]; serve?: string[]; console?: boolean }) {
  if (request.serve) return await serve(request.id, request.serve, request.console === true);
  const [program, ...args] = request.run!;
  try {
    const { code, stdout, stderr } = await new Deno.Command(program, { args, stdin: "null" }).output();
    answer({ id: request.id, code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) });
  } catch (error) {
    answer({ id: request.id, code: -1, stdout: "", stderr: String(error) });
  }
}

answer({ ready: true, execPath: Deno.execPath(), main });
for await (const line of lines(Deno.stdin.readable)) handle(JSON.parse(line));
Deno.exit(0);
