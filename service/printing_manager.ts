/**
 * A dry run's service manager: a backend that prints each change instead of making it (each backend knows
 * how it prints), with what those changes would have done remembered — a service stopped is stopped, one
 * removed is gone, one created is there — so that the lifecycle's waits (service/lifecycle.ts) end as they
 * would. Questions about anything else reach the backend.
 * @module
 */
import { type ManagedStatus, type ServiceManager, ServiceManagerError } from "./manager.ts";

/** `printing` (a backend connected to print its changes) with its printed changes' outcomes remembered. */
export function printingManager(printing: ServiceManager): ServiceManager {
  const stopped = new Set<string>();
  const removed = new Set<string>();
  const created = new Set<string>();
  const gone = (name: string) =>
    new ServiceManagerError(`no service named '${name}' (removed in this dry run)`, "no_such_service");
  return {
    kind: printing.kind,
    async create(spec, host, password) {
      await printing.create(spec, host, password);
      removed.delete(spec.name);
      created.add(spec.name);
    },
    update: (spec, host, password) => printing.update(spec, host, password),
    async remove(name) {
      await printing.remove(name);
      created.delete(name);
      removed.add(name);
    },
    async exists(name) {
      if (created.has(name)) return true;
      return !removed.has(name) && await printing.exists(name);
    },
    async start(name) {
      await printing.start(name);
      stopped.delete(name);
    },
    async control(name, control) {
      await printing.control(name, control);
      if (control === "stop") stopped.add(name);
    },
    async status(name): Promise<ManagedStatus> {
      if (removed.has(name)) throw gone(name);
      if (created.has(name) || stopped.has(name)) return { state: "stopped" };
      return await printing.status(name);
    },
    query: (name) => removed.has(name) ? Promise.reject(gone(name)) : printing.query(name),
    list: async () => (await printing.list()).filter((service) => !removed.has(service.name)),
    processes: (name) =>
      stopped.has(name) || removed.has(name) ? Promise.resolve([]) : printing.processes(name),
    limitations: (spec) => printing.limitations?.(spec) ?? [],
    entry: printing.entry ? (spec, host) => printing.entry!(spec, host) : undefined,
    ignoredSettings: printing.ignoredSettings,
    systemSentence: printing.systemSentence ? (outcome) => printing.systemSentence!(outcome) : undefined,
  };
}
