/**
 * The Wine wrappers (servitor's host, NSSM, the C floor service) as the measures' `Contender`: each service
 * installed with the SCM and started, stopped and started through it, so that the measures written for
 * Linux (bench/measures/) run under Wine unchanged.
 * @module
 */
import type { Contender, Running, ServiceSetup } from "../contenders/contender.ts";
import { install, type Installed, stop, until, type WrapperKind } from "./wrappers.ts";

export const wrapperLabels: Record<WrapperKind, string> = {
  floor: "C floor service",
  servitor: "servitor host",
  nssm: "NSSM 2.24-101",
};

/** Where a wrapper kind is installed from: servitor's store and the floor service's executable. */
export interface WineSetup {
  root: string;
  floorExe: string;
}

/** `kind` as a measure's contender; services are installed demand-start and started by start(). */
export function wineContender(kind: WrapperKind, setup: WineSetup): Contender {
  return {
    id: kind,
    label: wrapperLabels[kind],
    settings: `${wrapperLabels[kind]} with its defaults, installed with the SCM`,
    packages: [],
    async start(_dir: string, program: string, services: ServiceSetup[]): Promise<Running> {
      const installed = new Map<string, Installed>();
      try {
        for (const service of services) {
          const what = { program, args: service.args, rotateBytes: service.rotateBytes };
          const one = await install(kind, what, setup.root, setup.floorExe);
          installed.set(service.name, one);
          one.service.start();
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
        async start(name) {
          const { service } = get(name);
          await until(() => service.queryStatus().state === "stopped", `${get(name).name} STOPPED`, 30_000);
          service.start();
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
