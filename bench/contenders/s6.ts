/**
 * s6: s6-svscan scans, an s6-supervise per service (and one for its logger), s6-log writes. The stop
 * timeout is s6's own `timeout-kill` file: SIGTERM, then SIGKILL after 3 s.
 * @module
 */
import { command, type Contender, STOP_TIMEOUT_MS } from "./contender.ts";
import { startScanDir } from "./scan_dir.ts";

export const s6: Contender = {
  id: "s6",
  label: "s6 (s6-supervise + s6-log)",
  settings: "s6-svscan; run: `exec program`; log/run: `exec s6-log n1000 sSIZE ./main`; " +
    "timeout-kill 3000; stop: `s6-svc -d`",
  packages: ["s6"],
  start: (dir, program, services) =>
    startScanDir(
      {
        scanner: (scanDir) => ["s6-svscan", [scanDir]],
        // s6-log always rotates at some size: 1 GiB stands for "no rotation" here.
        logger: (service) => `s6-log n1000 s${service.rotateBytes ?? 2 ** 30} ./main`,
        async prepare(serviceDir) {
          await Deno.writeTextFile(`${serviceDir}/timeout-kill`, `${STOP_TIMEOUT_MS}\n`);
        },
        supervisorNames: ["s6-svscan", "s6-supervise", "s6-log"],
        async stop(serviceDir) {
          await command("s6-svc", ["-d", serviceDir]);
        },
        async start(serviceDir) {
          await command("s6-svc", ["-u", serviceDir]);
        },
      },
      dir,
      program,
      services,
    ),
};
