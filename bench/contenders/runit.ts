/**
 * runit: runsvdir scans, a runsv per service supervises the program and its svlogd. runsv has no stop
 * timeout of its own; `sv -w 3 force-stop` (runit's documented way) sends TERM, waits 3 s, then KILL.
 * @module
 */
import { command, type Contender, STOP_TIMEOUT_MS } from "./contender.ts";
import { startScanDir } from "./scan_dir.ts";

export const runit: Contender = {
  id: "runit",
  label: "runit (runsv + svlogd)",
  settings: "runsvdir -P; run: `exec program`; log/run: `exec svlogd main` (config: sSIZE, n1000); " +
    "stop: `sv -w 3 force-stop`",
  packages: ["runit"],
  start: (dir, program, services) =>
    startScanDir(
      {
        scanner: (scanDir) => ["runsvdir", ["-P", scanDir]],
        logger: () => "svlogd main",
        async logConfig(main, service) {
          // Without a size svlogd rotates every 1 MB and keeps 10 files: s0 turns rotation off.
          await Deno.writeTextFile(`${main}/config`, `s${service.rotateBytes ?? 0}\nn1000\n`);
        },
        supervisorNames: ["runsvdir", "runsv", "svlogd"],
        stop(serviceDir) {
          // Not awaited: force-stop returns once the program is down (or killed), which the measure watches.
          command("sv", ["-w", String(STOP_TIMEOUT_MS / 1000), "force-stop", serviceDir]).catch(() => {});
          return Promise.resolve();
        },
        async start(serviceDir) {
          await command("sv", ["up", serviceDir]);
        },
      },
      dir,
      program,
      services,
    ),
};
