/**
 * A dry run on Linux: systemd's own dry run (SystemdOptions.dryRun) prints the unit file
 * and the systemctl commands wherever systemd answers questions; this covers what it can't — a machine with
 * no running systemd to ask, and a `--replace` whose printed removal left the unit in place, where systemd's
 * create would rightly find it "exists already". Those print the same lines as systemd/manager.ts's create.
 * @module
 */
import path from "path";
import type { HostCommand, ServiceManager } from "../service/manager.ts";
import type { ServiceSpec } from "../service/spec.ts";
import { shellWord } from "./escape.ts";
import { unitName, unitPath } from "./paths.ts";
import { SYSTEMCTL } from "./systemctl.ts";
import { systemdIgnoredSettings } from "./ignored_settings.ts";
import { recoveryLimitations, renderUnit, startsAtBoot } from "./unit.ts";

/**
 * A systemd ServiceManager for a dry run: `backend` (connected with dryRun) where there is one, else
 * nothing to ask — no service exists, and every change is printed. `unavailable` is why there is none.
 */
export function systemdDryRun(
  backend: ServiceManager | undefined,
  options: { user: boolean; print: (line: string) => void; unavailable?: Error },
): ServiceManager {
  const { user, print } = options;
  const systemctl = (...args: string[]) =>
    print([SYSTEMCTL, ...(user ? ["--user"] : []), ...args].map(shellWord).join(" "));
  const removed = new Set<string>();
  const none = () => Promise.reject(options.unavailable ?? new Error("no systemd"));
  const offline: ServiceManager = {
    kind: "systemd",
    create(spec: ServiceSpec, host: HostCommand) {
      const file = unitPath(spec.name, user);
      const text = renderUnit(spec, host, { user });
      print(`mkdir -p ${shellWord(path.dirname(file))}`);
      print(`cat > ${shellWord(file)} <<'EOF'\n${text}EOF`);
      systemctl("daemon-reload");
      if (startsAtBoot(spec.start)) systemctl("enable", unitName(spec.name));
      return Promise.resolve();
    },
    update: none,
    remove: none,
    exists: () => Promise.resolve(false),
    start(name) {
      systemctl("start", unitName(name));
      return Promise.resolve();
    },
    control: none,
    status: none,
    query: none,
    list: () => Promise.resolve([]),
    processes: none,
    limitations: recoveryLimitations,
    entry: (spec, host) => renderUnit(spec, host, { user }),
    ignoredSettings: systemdIgnoredSettings,
  };
  if (!backend) return offline;
  // Each call through `backend` itself: its methods are a class's, which a spread would not copy.
  return {
    kind: backend.kind,
    update: (spec, host, password) => backend.update(spec, host, password),
    start: (name) => backend.start(name),
    control: (name, control) => backend.control(name, control),
    status: (name) => backend.status(name),
    query: (name) => backend.query(name),
    list: () => backend.list(),
    processes: (name) => backend.processes(name),
    limitations: (spec) => backend.limitations?.(spec) ?? [],
    entry: (spec, host) => backend.entry?.(spec, host) ?? "",
    ignoredSettings: backend.ignoredSettings,
    async remove(name) {
      await backend.remove(name);
      removed.add(name);
    },
    exists: async (name) => !removed.has(name) && await backend.exists(name),
    create: (spec, host, password) =>
      removed.has(spec.name) ? offline.create(spec, host) : backend.create(spec, host, password),
  };
}
