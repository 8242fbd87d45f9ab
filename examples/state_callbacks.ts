/**
 * A service in the state-callback form (after POE::Component::Daemon::Win32): one callback per state. It
 * writes a line per callback to the file its first argument names, and a tick every second while it runs.
 *
 * In a console (Ctrl-C stops it; on Linux `kill -USR2` sends user control 128):
 *
 *     deno run -A examples/state_callbacks.ts ticks.log
 *
 * As a Windows service (from an elevated prompt; `sc control StateCallbacks 128` sends a user control):
 *
 *     sc create StateCallbacks binPath= "C:\deno\deno.exe run -A C:\servitor\examples\state_callbacks.ts C:\ticks.log"
 *     sc start StateCallbacks
 *
 * Under systemd, as a `Type=notify` unit: `ExecStart=/usr/bin/deno run -A /srv/state_callbacks.ts /var/log/ticks.log`.
 * @module
 */
import { runService } from "../mod.ts";

const [logFile = "state_callbacks.log"] = Deno.args;
const log = (line: string) => Deno.writeTextFileSync(logFile, `${line}\n`, { append: true });
let ticker: ReturnType<typeof setInterval> | undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await runService({
  name: "StateCallbacks",
  callbacks: {
    async start_pending(context) {
      log(`start_pending ${context.manager} ${JSON.stringify(context.args)}`);
      // Start-up work that takes a while (opening a database, say): meanwhile the SCM sees a rising
      // checkpoint, and a systemd Type=notify unit stays "activating".
      await sleep(1000);
    },
    running() {
      log("running");
      ticker = setInterval(() => log("tick"), 1000);
    },
    pause_pending() {
      clearInterval(ticker);
      log("pause_pending");
    },
    paused: () => log("paused"),
    continue_pending: () => log("continue_pending"),
    user_control: (context) => log(`user_control ${context.control.code}`),
    shutdown: () => log("shutdown"),
    async stop_pending() {
      clearInterval(ticker);
      log("stop_pending");
      // Finishing what is under way.
      await sleep(300);
    },
    stopped: () => log("stopped"),
  },
});
