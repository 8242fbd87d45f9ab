/** A service manager for unit tests: it answers what a test gives it and refuses everything else. */
import type { ServiceManager } from "../../service/manager.ts";

/**
 * A systemd-kind manager made of `answers`; any other method rejects with "not asked in this test", so a
 * test that reaches further than it meant to fails on that line.
 */
export function fakeManager(answers: Partial<ServiceManager>): ServiceManager {
  const no = () => Promise.reject(new Error("not asked in this test"));
  return {
    kind: "systemd",
    create: no,
    update: no,
    remove: no,
    exists: no,
    start: no,
    control: no,
    status: no,
    query: no,
    list: no,
    processes: no,
    ...answers,
  };
}
