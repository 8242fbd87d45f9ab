/**
 * daemontools: svscan scans, a supervise per service (and one for its logger), multilog writes. supervise
 * has no stop timeout: the bench plays the administrator's script — `svc -d`, and `svc -k` 3 s later if the
 * program is still there. multilog's files are at most 16 MiB (its own limit), so it rotates 4× as often.
 * @module
 */
import { command, type Contender, STOP_TIMEOUT_MS } from "./contender.ts";
import { startScanDir } from "./scan_dir.ts";

/** multilog refuses a larger size. */
export const MULTILOG_MAX_FILE = 16_777_215;

export const daemontools: Contender = {
  id: "daemontools",
  label: "daemontools (supervise + multilog)",
  settings:
    "svscan; run: `exec program`; log/run: `exec multilog n1000 sSIZE ./main` (SIZE at most 16 MiB); " +
    "stop: `svc -d`, `svc -k` after 3 s",
  packages: ["daemontools"],
  start(dir, program, services) {
    const escalations = new Map<string, ReturnType<typeof setTimeout>>();
    return startScanDir(
      {
        scanner: (scanDir) => ["svscan", [scanDir]],
        logger: (service) =>
          `multilog n1000 s${Math.min(service.rotateBytes ?? MULTILOG_MAX_FILE, MULTILOG_MAX_FILE)} ./main`,
        supervisorNames: ["svscan", "supervise", "multilog"],
        async stop(serviceDir) {
          await command("svc", ["-d", serviceDir]);
          escalations.set(
            serviceDir,
            setTimeout(() => command("svc", ["-k", serviceDir]).catch(() => {}), STOP_TIMEOUT_MS),
          );
        },
        async start(serviceDir) {
          clearTimeout(escalations.get(serviceDir));
          await command("svc", ["-u", serviceDir]);
        },
        close() {
          for (const timer of escalations.values()) clearTimeout(timer);
        },
      },
      dir,
      program,
      services,
    );
  },
};
