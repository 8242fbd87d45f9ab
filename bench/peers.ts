/**
 * The peers and tools the benchmarks need, installed from Debian's packages when missing (with apt-get,
 * as root): runit, s6, daemontools, supervisor, and mingw-w64 for the Windows side; tests/run.ts installs the
 * ui tier's Chromium with it too.
 * @module
 */
import { haveCommand } from "./build.ts";

/** A Debian package and a command that tells it is installed. */
export interface Needed {
  id: string;
  pkg: string;
  command: string;
}

export const linuxPeers: Needed[] = [
  { id: "runit", pkg: "runit", command: "runsvdir" },
  { id: "s6", pkg: "s6", command: "s6-svscan" },
  { id: "daemontools", pkg: "daemontools", command: "svscan" },
  { id: "supervisord", pkg: "supervisor", command: "supervisord" },
];

export const mingw: Needed = { id: "mingw", pkg: "gcc-mingw-w64-x86-64", command: "x86_64-w64-mingw32-gcc" };

async function aptGet(args: string[]): Promise<boolean> {
  const { code } = await new Deno.Command("apt-get", {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).output();
  return code === 0;
}

/**
 * Installs what is missing; returns the ids that are there afterwards. Without root or apt-get, what is
 * missing stays missing (the results say so).
 */
export async function ensure(needed: Needed[], say: (line: string) => void): Promise<string[]> {
  const missing: Needed[] = [];
  for (const item of needed) if (!await haveCommand(item.command)) missing.push(item);
  if (missing.length && Deno.uid() === 0 && await haveCommand("apt-get")) {
    const packages = missing.map((item) => item.pkg);
    say(`installing from Debian's packages: ${packages.join(" ")}`);
    const install = ["install", "-y", "-qq", "--no-install-recommends", ...packages];
    if (!await aptGet(install)) {
      await aptGet(["update", "-qq"]);
      await aptGet(install);
    }
  }
  const present: string[] = [];
  for (const item of needed) if (await haveCommand(item.command)) present.push(item.id);
  return present;
}
