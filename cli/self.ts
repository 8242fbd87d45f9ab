/**
 * How servitor starts itself: the compiled exe alone, or — run from source — the deno executable with the
 * permissions the host needs and this project's entry module, so everything works before anyone compiles.
 * @module
 */
import { fileURLToPath } from "node:url";

/** The permissions `deno task compile` grants; run from source, the host gets exactly the same. */
export const PERMISSIONS = [
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/** The program and leading arguments that run servitor. `standalone` is `Deno.build.standalone`. */
export function selfCommand(
  standalone: boolean = Deno.build.standalone,
  execPath: string = Deno.execPath(),
  entry: string = fileURLToPath(new URL("./main.ts", import.meta.url)),
): { program: string; args: string[] } {
  return standalone
    ? { program: execPath, args: [] }
    : { program: execPath, args: ["run", ...PERMISSIONS, entry] };
}
