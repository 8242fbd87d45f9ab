/**
 * The Wine wrappers (servitor's host, NSSM, the C floor service) as the measures' `Contender`: each service
 * installed with the SCM and started, stopped and started through it, so that the measures written for
 * Linux (bench/measures/) run under Wine unchanged.
 * @module
 */
import type { Contender, Running, ServiceSetup } from "../contenders/contender.ts";
import { isProcessRunning } from "../../ffi/process.ts";
import { forceStopped, install, type Installed, stop, until, type WrapperKind } from "./wrappers.ts";

export const wrapperLabels: Record<WrapperKind, string> = {
  floor: "C floor service",
  servitor: "servitor host",
  "servitor-bundle": "servitor host, bundled build",
  nssm: "NSSM 2.24-101",
};

/** Where a wrapper kind is installed from: servitor's store and the floor service's executable. */
export interface WineSetup {
  root: string;
  floorExe: string;
}

/**
 * `kind` as a measure's contender; services are installed demand-start and started by start(). A stop that
 * hangs (seen with NSSM under Wine: STOPPED never reported, or its process lingering after it) is ended
 * before the next start and said in `troubles`.
 */
export function wineContender(kind: WrapperKind, setup: WineSetup): Contender & { troubles: string[] } {
  const troubles: string[] = [];
  return {
    troubles,
    id: kind,
    label: wrapperLabels[kind],
    settings: `${wrapperLabels[kind]} with its defaults, installed with the SCM`,
    packages: [],
    async start(_dir: string, program: string, services: ServiceSetup[]): Promise<Running> {
      const installed = new Map<string, Installed>();
      /** Each service's wrapper process, as it was once RUNNING: what a stop waits to be gone. */
      const wrappers = new Map<string, number>();
      const startOne = async (name: string) => {
        const { service } = installed.get(name)!;
        service.start();
        await until(() => service.queryStatus().state === "running", `${name} RUNNING`);
        wrappers.set(name, service.queryStatus().processId);
      };
      try {
        for (const service of services) {
          const what = { program, args: service.args, rotateBytes: service.rotateBytes };
          installed.set(service.name, await install(kind, what, setup.root, setup.floorExe));
          await startOne(service.name);
        }
      } catch (error) {
        for (const one of installed.values()) await one.remove();
        throw error;
      }
      const get = (name: string) => installed.get(name)!;
      return {
        supervisors: () =>
          [...installed.values()].map((one) => one.service.queryStatus().processId).filter((pid) =>
            pid !== 0
          ),
        stop: (name) => Promise.resolve(stop(get(name).service)),
        /** Once the last stop is over (STOPPED, and the wrapper's process gone): the service started again. */
        async start(name) {
          const one = get(name);
          const wrapper = wrappers.get(name) ?? 0;
          try {
            await until(() => one.service.queryStatus().state === "stopped", "STOPPED", 30_000);
            if (wrapper) {
              await until(() => !isProcessRunning(wrapper), "the wrapper's process to end", 20_000);
            }
          } catch (error) {
            troubles.push(`the program ended, then ${(error as Error).message}`);
            await forceStopped(one, wrapper);
          }
          await startOne(name);
        },
        // No output file is set up: the throughput measure under Wine is still side.ts's own.
        outputFiles: () => Promise.resolve([]),
        prefixBytes: () => 0,
        async close() {
          for (const one of installed.values()) await one.remove();
        },
      };
    },
  };
}
