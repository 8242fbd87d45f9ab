/**
 * How servitor starts itself: the compiled exe alone, or — run from source — the deno executable with the
 * permissions the host needs and this project's entry module, so everything works before anyone compiles.
 * Also what the executable's own name means: a copy or link named InstallService(.exe) or
 * ManageService(.exe) is that command.
 * @module
 */
import path from "path";

/**
 * The permissions `deno task compile` grants; run from source, the host gets exactly the same. All of them:
 * servitor runs any program as root or SYSTEM and calls the system through FFI — either alone is all
 * access in Deno's own terms — and Deno 2 lets only --allow-all read /proc (a process's tree, its CPU and
 * memory, its descriptors and control groups) or write /sys (the program's control group and its limits).
 * A narrower list broke exactly those, and only in the compiled exe, never in a test run with --allow-all.
 */
export const PERMISSIONS = ["--allow-all"];

/**
 * V8's flags for the host on Windows; each cut a host's private bytes under Wine, where every touched page
 * is private. `--single-threaded`: no background threads for V8's compilers and garbage collector. A host is
 * idle nearly all its life, its heap a few MiB, so that work takes its main thread a moment; each such thread
 * cost about 1 MiB (a bare deno.exe 117.3–117.8 MiB with them, 115.3 without; the bundled host 124 against
 * 127 with this and the bundle's names gone). `--no-short-builtin-calls`: V8 copies its built-in functions
 * (about 2 MiB of code) next to the code it compiles, so that calls to them are near ones; on Linux it maps
 * them from the executable's file, shared by every process (the same PSS with the flag or without), but the
 * Windows deno.exe copies them, and under Wine that copy was 2.0 MiB of each host's private bytes (bundled
 * host 121.6–121.7 MiB against 123.7, two rounds side by side); a call to a built-in is then an indirect
 * one, which an idle host never notices. Neither on Linux: there an idle thread costs little (50 hosts 0.9
 * MiB PSS each), collecting on the main thread cost online rotation 8 % more CPU per GiB (1.03 s against
 * 0.95; 969 MiB/s against 1040), and the built-ins are shared. Run from source the flags are on the host's
 * command line (cli/context.ts hostCommand); a compiled exe takes V8 flags only when it is compiled, and
 * `deno task compile` gives the Windows exe these (every command of the exe then runs so: `servitor
 * --version` under Wine took the same time with both, the first alone or neither: 219–232 ms, 223–236,
 * 204–236 over 8 alternating rounds).
 */
export function hostV8Flags(windows: boolean = Deno.build.os === "windows"): string[] {
  return windows ? ["--v8-flags=--single-threaded,--no-short-builtin-calls"] : [];
}

/**
 * The module `deno run` starts servitor from, given this module's own file: cli/main.ts beside it when run
 * from source, or — in the bundled build (`deno task bundle`), where every module is one file — that file
 * itself, so that a service installed by the bundle runs the bundle, not the sources. (import.meta.filename
 * rather than node:url, which would cost the bundled build's every start its load: tens of ms under Wine.)
 */
export function entryModule(moduleFile: string = import.meta.filename!): string {
  const paths = /^[A-Za-z]:\\/.test(moduleFile) ? path.win32 : path.posix;
  return paths.basename(moduleFile) === "self.ts"
    ? paths.join(paths.dirname(moduleFile), "main.ts")
    : moduleFile;
}

/**
 * The program and leading arguments that run servitor. `standalone` is `Deno.build.standalone`; `v8Flags`
 * go on deno's command line when run from source (a compiled exe has its own baked in).
 */
export function selfCommand(
  standalone: boolean = Deno.build.standalone,
  execPath: string = Deno.execPath(),
  entry: string = entryModule(),
  v8Flags: readonly string[] = [],
): { program: string; args: string[] } {
  return standalone
    ? { program: execPath, args: [] }
    : { program: execPath, args: ["run", ...PERMISSIONS, ...v8Flags, entry] };
}

/** The commands an executable's own name can stand for. */
export type NamedCommand = "installservice" | "manageservice";

/** The command `executable`'s file name stands for (without regard to case or `.exe`), if any. */
export function commandNamed(executable: string): NamedCommand | undefined {
  // win32's basename splits at both / and \, so it reads a Linux path as well.
  const base = path.win32.basename(executable).replace(/\.exe$/i, "").toLowerCase();
  return base === "installservice" || base === "manageservice" ? base : undefined;
}

/**
 * The first word that, under an exe named for a command, runs servitor's own command line instead
 * (`InstallService.exe servitor dump X`): what `dump` prints when it runs as such a copy.
 */
export const SERVITOR_WORD = "servitor";

/**
 * The command line servitor's code sees, from the arguments of the executable `executable`. A compiled
 * exe named InstallService(.exe) or ManageService(.exe) is that command, so `InstallService prog
 * --service_name X` works as typed — except for two first words: `host`, because the service manager runs
 * this very file as `<exe> host --service X` (ImagePath, ExecStart=) whatever it is named, and
 * `servitor`, which hands the rest to servitor's own command line. Run from source, the name is deno's.
 */
export function commandLineFor(executable: string, args: string[], standalone: boolean): string[] {
  const command = standalone ? commandNamed(executable) : undefined;
  if (!command) return args;
  const first = args[0]?.toLowerCase();
  if (first === "host") return args;
  if (first === SERVITOR_WORD) return args.slice(1);
  return [command, ...args];
}

/**
 * The program and leading arguments before one of servitor's own command lines (`install X prog`, `set
 * …`), for commands servitor prints for a person to run: under an exe named for a command, they take
 * the `servitor` word first.
 */
export function servitorCommand(
  standalone: boolean = Deno.build.standalone,
  execPath: string = Deno.execPath(),
): { program: string; args: string[] } {
  const self = selfCommand(standalone, execPath);
  return standalone && commandNamed(execPath) ? { ...self, args: [...self.args, SERVITOR_WORD] } : self;
}

/**
 * The executable as it was invoked, whose name picks the command. Deno.execPath() resolves symbolic
 * links, so on Linux a link named InstallService to servitor would read as servitor: argv[0] keeps the
 * link's name, and /proc/self/cmdline (`cmdline`, NUL-separated) holds it. It is taken only when the
 * rest of cmdline is exactly `args` — a compiled exe's own command line, nothing re-executed or baked
 * in — else `execPath` stands.
 */
export function invokedExecutable(
  cmdline: string | undefined,
  args: readonly string[],
  execPath: string,
): string {
  if (cmdline === undefined) return execPath;
  const words = cmdline.split("\0");
  if (words.at(-1) === "") words.pop();
  const [argv0, ...rest] = words;
  const same = rest.length === args.length && rest.every((word, index) => word === args[index]);
  return same && argv0 ? argv0 : execPath;
}

/** /proc/self/cmdline on Linux, when it can be read. */
export function procCmdline(): string | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    return Deno.readTextFileSync("/proc/self/cmdline");
  } catch {
    return undefined;
  }
}
