/**
 * A service with nothing special in it (after Nuitka's windows-service plugin): its own loop does the work
 * until the service is asked to stop, then it cleans up. It writes a tick every second to the file its
 * first argument names.
 *
 * In a console (Ctrl-C stops it):
 *
 *     deno run -A examples/plain_loop.ts ticks.log
 *
 * Installed as a service by itself (Nuitka's hidden `install`; an elevated prompt on Windows, root on
 * Linux): the arguments after `install` become the service's arguments. Then start it with
 * `sc start PlainLoop` or `systemctl start PlainLoop`.
 *
 *     deno run -A examples/plain_loop.ts install C:\ticks.log
 *     deno run -A examples/plain_loop.ts uninstall
 * @module
 */
import { installSelf, runAsService, uninstallSelf } from "../mod.ts";

const NAME = "PlainLoop";

if (Deno.args[0] === "install") {
  await installSelf({ name: NAME, displayName: "servitor example: a plain loop", args: Deno.args.slice(1) });
  console.log(`${NAME} is installed`);
  Deno.exit(0);
}
if (Deno.args[0] === "uninstall") {
  console.log(await uninstallSelf(NAME) ? `${NAME} is removed` : `${NAME} was not installed`);
  Deno.exit(0);
}

const [logFile = "plain_loop.log"] = Deno.args;
const log = (line: string) => Deno.writeTextFileSync(logFile, `${line}\n`, { append: true });

/** Waits `ms`, or less when `signal` fires. */
function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

// `await using`: the service manager hears STOPPED when this module ends.
await using service = await runAsService({ name: NAME });
log(`running as ${service.manager} service ${service.name}`);
let ticks = 0;
while (!service.signal.aborted) {
  log(`tick ${++ticks}`);
  await sleep(1000, service.signal);
}
log(`stopping: ${service.signal.reason.message}`);
