/**
 * The Windows half of `deno task demo`, run under Wine by tests/demo.ts: a console script installed as a
 * service with InstallService, driven with ManageService, its output read from the file its spec names.
 */
import path from "path";

const name = "servitor_demo";
const say = (line: string) => console.log(`demo: ${line}`);
const main = path.win32.join(import.meta.dirname!, "..", "cli", "main.ts");

/** Runs servitor as a person would, showing the command and what it printed. */
async function servitor(...args: string[]): Promise<string> {
  console.log(`\n> servitor ${args.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(" ")}`);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  console.log(text.trimEnd().split("\n").map((line) => `  ${line}`).join("\n"));
  if (code !== 0) {
    say(`that failed with exit code ${code}`);
    Deno.exit(code);
  }
  return text;
}

const dir = await Deno.makeTempDir({ prefix: "servitor-demo-" });
const program = path.win32.join(dir, "ticker.cmd");
await Deno.copyFile(path.win32.join(import.meta.dirname!, "windows", "fixtures", "host_ticker.cmd"), program);
Deno.env.set("DENO_EXE", Deno.execPath());

say(`installing ${program}, a console script that prints a line a second, as the service '${name}'`);
await servitor(
  "InstallService",
  program,
  "--service_name",
  name,
  "--display_name",
  "servitor demo",
  "--stdout",
  "%PROGRAM%.out.txt",
  "--env",
  `DENO_EXE=${Deno.execPath()}`,
  "--replace",
);
const started = Date.now();
await servitor("ManageService", name, "start");
say(`RUNNING ${Date.now() - started} ms after the start command; letting it tick for 3 s`);
await new Promise((resolve) => setTimeout(resolve, 3000));
await servitor("ManageService", name, "status");
const output = path.win32.join(dir, "ticker.out.txt");
say(`its output, in ${output} (%PROGRAM%.out.txt):`);
console.log(
  (await Deno.readTextFile(output)).trimEnd().split(/\r?\n/).map((line) => `  | ${line}`).join("\n"),
);
await servitor("ManageService", name, "stop_and_restart");
await servitor("ManageService", name, "stop_and_remove", "--remove_install_args");
say("done");
