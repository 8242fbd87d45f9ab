/**
 * `deno task demo`: servitor's main job, end to end, on the test-bed's real Windows SCM (Wine), saying what
 * it does at each step: InstallService and ManageService on a console script.
 */
const project = new URL("..", import.meta.url).pathname;
const testbed = `${project}tests/testbed/testbed.sh`;

if (Deno.uid() !== 0) {
  console.error("demo: the test-bed needs root: run 'sudo npx deno task demo'");
  Deno.exit(4);
}
console.log(
  "demo: preparing the test-bed (a Debian rootfs with Wine 10 and systemd; built once, then cached)",
);
const run = async (args: string[]) =>
  (await new Deno.Command(args[0], { args: args.slice(1), cwd: project, stdin: "null" }).spawn().status).code;
if (await run([testbed, "build"]) !== 0) {
  console.error("demo: the test-bed could not be prepared (see above)");
  Deno.exit(1);
}
console.log("demo: starting Wine's Service Control Manager and the Windows build of Deno");
Deno.exit(
  await run([
    testbed,
    "wine",
    "wine",
    "/opt/deno-windows/deno.exe",
    "run",
    "--allow-all",
    "tests/demo_windows.ts",
  ]),
);
