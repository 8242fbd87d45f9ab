/**
 * Whether a change of spec is one for the service manager: the manager's entry for each spec as text,
 * compared. A backend says what it holds (ServiceManager.entry: systemd's unit, the SCM's fields); one that
 * does not say is taken to hold what every manager does.
 * @module
 */
import type { HostCommand, ServiceManager } from "../manager.ts";
import type { ServiceSpec } from "../spec.ts";

/** The manager's entry for `spec` as text: two specs with equal texts need no update of the manager. */
export function managerEntry(manager: ServiceManager, spec: ServiceSpec, host: HostCommand): string {
  if (manager.entry) return manager.entry(spec, host);
  const { displayName, description, start, account, dependsOn, recovery, preshutdownTimeoutMs } = spec;
  return JSON.stringify({
    displayName,
    description,
    start,
    account,
    dependsOn,
    recovery,
    preshutdownTimeoutMs,
  });
}
