/**
 * The benchmarks' native parts, built from bench/*.c into a cache folder outside the project (nothing
 * built lands in the work tree): the bench program for Linux (gcc) and for Windows (mingw-w64), the floor
 * service and the memory probe for Windows. Rebuilt when a source changes.
 * @module
 */
import path from "path";

export interface Built {
  /** The bench program for Linux. */
  program: string;
  /** The same program for Windows, the C floor service and the probe (undefined without mingw-w64). */
  windows?: { program: string; floorService: string; probe: string };
}

const here = import.meta.dirname!;

async function run(command: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

async function newer(target: string, source: string): Promise<boolean> {
  try {
    return (await Deno.stat(target)).mtime! >= (await Deno.stat(source)).mtime!;
  } catch {
    return false;
  }
}

export async function haveCommand(name: string): Promise<boolean> {
  const { code } = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
    .output();
  return code === 0;
}

/** Builds what is out of date into `cache`. Windows parts only when `windows` and mingw-w64 is there. */
export async function build(cache: string, windows: boolean): Promise<Built> {
  await Deno.mkdir(cache, { recursive: true });
  const source = (name: string) => path.join(here, name);
  const out = (name: string) => path.join(cache, name);
  const compile = async (compiler: string, target: string, file: string, flags: string[]) => {
    if (!await newer(out(target), source(file))) {
      await run(compiler, ["-O2", "-Wall", "-o", out(target), source(file), ...flags]);
    }
    return out(target);
  };
  const built: Built = { program: await compile("gcc", "program", "program.c", []) };
  const mingw = "x86_64-w64-mingw32-gcc";
  if (windows && await haveCommand(mingw)) {
    built.windows = {
      program: await compile(mingw, "program.exe", "program.c", []),
      floorService: await compile(mingw, "floor_service.exe", "floor_service.c", ["-municode"]),
      probe: await compile(mingw, "win_probe.exe", "win_probe.c", ["-lpsapi"]),
    };
  }
  return built;
}
