/**
 * The floor: the program started directly by the bench, its stdout a file (`program > file`). Nothing
 * supervises it; for output it is the fastest any supervisor could be.
 * @module
 */
import path from "path";
import { killTree } from "../proc.ts";
import { type Contender, shellQuote } from "./contender.ts";

export const floor: Contender = {
  id: "floor",
  label: "floor: program > file",
  settings: "`sh -c 'exec program … > file'`",
  packages: [],
  async start(dir, program, services) {
    const children = new Map<string, Deno.ChildProcess>();
    const launch = (name: string, args: string[]) => {
      const file = path.join(dir, name, "out.log");
      children.set(
        name,
        new Deno.Command("sh", {
          args: ["-c", `exec ${[program, ...args].map(shellQuote).join(" ")} >>${shellQuote(file)}`],
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn(),
      );
    };
    for (const service of services) {
      await Deno.mkdir(path.join(dir, service.name), { recursive: true });
      launch(service.name, service.args);
    }
    return {
      supervisors: () => [],
      stop(name) {
        children.get(name)!.kill("SIGTERM");
        return Promise.resolve();
      },
      start: () => Promise.reject(new Error("the floor starts nothing again")),
      outputFiles: (name) => Promise.resolve([path.join(dir, name, "out.log")]),
      prefixBytes: () => 0,
      async close() {
        for (const child of children.values()) {
          await killTree(child.pid);
          await child.status;
        }
      },
    };
  },
};
