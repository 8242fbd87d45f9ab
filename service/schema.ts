/**
 * The stored configuration's one schema (zod 4): the service's settings as `service.yaml` holds them and
 * `InstallService --config` and `servitor apply` take them, with NSSM's names in the descriptions and NSSM's
 * defaults. From it come the TypeScript types (service/spec.ts), the store's validation, and the JSON Schema
 * that `servitor schema` prints (schema/service.schema.json, which editors use to complete and check keys).
 *
 * Each enumeration is one `as const` array in ./settings.ts (zod-free: the host uses them without loading
 * zod); its type is derived from it, so adding a value is one line and the compiler names every exhaustive
 * switch that must decide about it.
 * @module
 */
// A namespace import rather than `import { z }`: the bundler (esbuild) then keeps only what is used, which
// leaves out zod's 64 locales and every other schema kind (dist/servitor.js 1.78 → 1.18 MB, held and evaluated
// by every start).
import * as z from "zod";
import { parseHealthTarget } from "./health.ts";
import { parseRestartTimes } from "./schedule.ts";
import {
  exitActions,
  healthActions,
  hookEvents,
  outputDispositions,
  parseAffinity,
  priorities,
  recoveryActions,
  serviceNameProblem,
  startModes,
} from "./settings.ts";

/**
 * An absolute path as Linux (`/…`) or Windows (`C:\\…`, `\\\\server\\share\\…`) reads it — the store is read on
 * either, and the host runs from wherever the service manager starts it, where a relative path would name
 * a different file.
 */
const absolutePath = () =>
  z.string().superRefine((value, context) => {
    if (!/^(?:\/|[A-Za-z]:[\\/]|\\\\)/.test(value)) {
      context.addIssue({
        code: "custom",
        message: `expected an absolute path, not ${JSON.stringify(value)}`,
        input: value,
      });
    }
  });

/** A whole number of 0 or more (milliseconds, seconds, bytes, counts). */
const count = () => z.int().nonnegative();
/** A KEY=VALUE environment entry. */
const environmentEntry = z.string().regex(/^[^=]+=/, { error: "KEY=VALUE" });

const rotationSchema = z.strictObject({
  files: z.boolean().default(false).describe("AppRotateFiles: rotate existing files at each (re)start"),
  online: z.boolean().default(false).describe(
    "AppRotateOnline: rotate by size while running, and on request",
  ),
  seconds: count().default(0).describe(
    "AppRotateSeconds: not a file last written less than this many seconds ago (0: no limit)",
  ),
  bytes: count().default(0).describe("AppRotateBytes: not a file smaller than this (0: no limit)"),
  delayMs: count().default(0).describe("AppRotateDelay: milliseconds to pause after rotating"),
  stdoutCopyAndTruncate: z.boolean().default(false).describe(
    "AppStdoutCopyAndTruncate: copy then truncate instead of renaming",
  ),
  stderrCopyAndTruncate: z.boolean().default(false).describe("AppStderrCopyAndTruncate"),
  keep: count().default(0).describe(
    "AppRotateKeep (beyond NSSM): keep the newest N rotated files; 0 keeps all",
  ),
  compress: z.boolean().default(false).describe("AppRotateCompress (beyond NSSM): gzip rotated files"),
});

const outputSchema = z.strictObject({
  stdin: z.string().optional().describe("AppStdin: a path spec; none means NUL"),
  stdout: z.string().optional().describe(
    "AppStdout: a path spec with monikers such as %PROGRAM%.out.txt, relative to the log directory",
  ),
  stderr: z.string().optional().describe("AppStderr: as stdout; the same spec as stdout interleaves both"),
  stdoutDisposition: z.enum(outputDispositions).default("append").describe(
    "AppStdoutCreationDisposition: append (4, OPEN_ALWAYS) or replace (2, CREATE_ALWAYS)",
  ),
  stderrDisposition: z.enum(outputDispositions).default("append").describe("AppStderrCreationDisposition"),
  timestamp: z.boolean().default(false).describe("AppTimestampLog: each line prefixed with a timestamp"),
  redirectHooks: z.boolean().default(false).describe("AppRedirectHooks: hooks write to the same files"),
  rotation: rotationSchema.prefault({}),
});

const stopSchema = z.strictObject({
  skip: z.int().min(0).max(15).default(0).describe(
    "AppStopMethodSkip: 1 no Ctrl-C (SIGINT), 2 no WM_CLOSE (SIGTERM), 4 no WM_QUIT, 8 no TerminateProcess (SIGKILL)",
  ),
  consoleMs: count().default(1500).describe("AppStopMethodConsole: ms to wait after Ctrl-C (SIGINT)"),
  windowMs: count().default(1500).describe("AppStopMethodWindow: ms to wait after WM_CLOSE (SIGTERM)"),
  threadsMs: count().default(1500).describe("AppStopMethodThreads: ms to wait after WM_QUIT"),
  killProcessTree: z.boolean().default(true).describe(
    "AppKillProcessTree: apply each method to the whole tree",
  ),
});

/**
 * The account a service runs as. A password is never part of it: it is asked for at install.
 *
 * @example A program that installs itself under an account of its own
 * ```ts
 * import type { Account, InstallSelfOptions } from "../mod.ts";
 * const account: Account = { kind: "user", name: ".\\worker" };
 * const options: InstallSelfOptions = { name: "Worker", account, password: Deno.env.get("WORKER_PASSWORD") };
 * ```
 */
export type Account =
  | { kind: "local_system" }
  | { kind: "local_service" }
  | { kind: "network_service" }
  | { kind: "virtual" }
  | { kind: "user"; name: string };

const accountSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("local_system") }),
  z.strictObject({ kind: z.literal("local_service") }),
  z.strictObject({ kind: z.literal("network_service") }),
  z.strictObject({ kind: z.literal("virtual") }),
  z.strictObject({
    kind: z.literal("user"),
    name: z.string().min(1).describe("the user, such as .\\worker"),
  }),
]).describe("ObjectName: the account the service runs as; a password is never stored");

// The public Account type is written out (mod.ts exports it, and its docs can't point into zod's types);
// this line fails to compile when it and the schema part ways.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const accountMatches: Same<Account, z.output<typeof accountSchema>> = true;
void accountMatches;

const recoverySchema = z.strictObject({
  actions: z.array(z.strictObject({ action: z.enum(recoveryActions), delayMs: count() })).describe(
    "each failure in turn takes the next action; the last repeats",
  ),
  resetSeconds: count().describe("seconds without a failure after which the count starts again"),
  command: z.string().optional().describe("for run_command"),
});

/** A value a parser of its own checks: its RangeError's message is the issue. */
const parsedBy = (parser: (text: string) => unknown) =>
  z.string().superRefine((text, context) => {
    try {
      parser(text);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message, input: text });
    }
  });

const healthSchema = z.strictObject({
  check: parsedBy(parseHealthTarget).describe(
    "AppHealthCheck: http://host:port/path or https://… (healthy: 2xx or 3xx), tcp://host:port (a connection " +
      "accepted) or cmd:<command line> (exit 0), within the timeout",
  ),
  intervalMs: z.int().min(1).default(10_000).describe("AppHealthInterval: ms between checks"),
  timeoutMs: z.int().min(1).default(3_000).describe("AppHealthTimeout: ms a check may take"),
  retries: z.int().min(1).default(3).describe("AppHealthRetries: consecutive failures before unhealthy"),
  startMs: count().default(30_000).describe(
    "AppHealthStart: ms after each start during which failures don't count",
  ),
  action: z.enum(healthActions).default("restart").describe(
    "AppHealthAction: restart (stop with the usual escalation, then start) or none",
  ),
}).describe("beyond NSSM: a health check of the running program");

const restartBudgetSchema = z.strictObject({
  restarts: z.int().min(1),
  seconds: z.int().min(1),
}).describe("beyond NSSM: at most `restarts` restarts within `seconds`, then Exit");

/**
 * One service's stored configuration, as its input (what a file may leave out takes NSSM's default).
 *
 * @example Validating a service read from YAML
 * ```ts
 * import { serviceSchema } from "./schema.ts";
 * const result = serviceSchema.safeParse({ name: "Web", program: "/usr/bin/web" });
 * if (result.success) console.log(result.data.throttleMs); // 1500
 * ```
 */
export const serviceSchema = z.strictObject({
  name: z.string().superRefine((name, context) => {
    const problem = serviceNameProblem(name);
    if (problem) context.addIssue({ code: "custom", message: problem, input: name });
  }).describe("the service's name (the SCM's key, the systemd unit's name): 1 to 256 characters, no / or \\"),
  displayName: z.string().optional().describe("DisplayName: the service's name when not given"),
  description: z.string().default("").describe("Description"),
  program: absolutePath().describe("Application: the program, an absolute path"),
  arguments: z.array(z.string()).default([]).describe("AppParameters, as a list"),
  directory: absolutePath().optional().describe("AppDirectory: the program's folder when not given"),
  start: z.enum(startModes).default("auto").describe("Start"),
  account: accountSchema.default({ kind: "local_system" }),
  dependsOn: z.array(z.string()).default([]).describe("DependOnService"),
  serviceEnvironment: z.array(environmentEntry).optional().describe(
    "Environment: the service's own environment block, merged into the system's first",
  ),
  environment: z.array(environmentEntry).optional().describe(
    "AppEnvironment: KEY=VALUE entries replacing the environment",
  ),
  environmentExtra: z.array(environmentEntry).default([]).describe(
    "AppEnvironmentExtra: KEY=VALUE entries added to the environment",
  ),
  output: outputSchema.prefault({}),
  exit: z.strictObject({
    default: z.enum(exitActions).default("restart"),
    codes: z.record(z.string().regex(/^-?\d+$/, { error: "an exit code" }), z.enum(exitActions))
      .default({}),
  }).prefault({}).describe("AppExit: per exit code, then Default"),
  throttleMs: count().default(1500).describe("AppThrottle: a run shorter than this many ms is throttled"),
  restartDelayMs: count().default(0).describe("AppRestartDelay: ms to wait before any restart"),
  restartBudget: restartBudgetSchema.optional(),
  stop: stopSchema.prefault({}),
  priority: z.enum(priorities).default("normal").describe("AppPriority"),
  affinity: z.string().superRefine((text, context) => {
    try {
      parseAffinity(text);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message, input: text });
    }
  }).optional().describe("AppAffinity, such as 0-2,4; every processor when not given"),
  noConsole: z.boolean().default(false).describe("AppNoConsole: no console of its own"),
  hooks: z.partialRecord(z.enum(hookEvents), z.string()).default({}).describe(
    "AppEvents: a command line per hook event",
  ),
  hookDeadlineMs: count().default(60_000).describe("beyond NSSM: ms after which any hook is killed"),
  recovery: recoverySchema.optional().describe("the service manager's recovery actions; none when not given"),
  preshutdownTimeoutMs: count().default(180_000).describe(
    "ms the system gives the service to stop before shutdown (SERVICE_PRESHUTDOWN_INFO)",
  ),
  health: healthSchema.optional(),
  envFiles: z.array(absolutePath()).optional().describe(
    "AppEnvironmentFile (beyond NSSM): dotenv files read at every start, after AppEnvironment and " +
      "AppEnvironmentExtra, later files winning",
  ),
  maxMemoryBytes: z.int().min(1_048_576).optional().describe(
    "beyond NSSM: the memory the program's whole tree may use; past it, it is killed and restarted",
  ),
  maxCpuPercent: z.number().positive().optional().describe(
    "beyond NSSM: the CPU the program's whole tree may use, in percent of one core (200: two cores)",
  ),
  restartEveryMs: z.int().min(1000).optional().describe("beyond NSSM: a graceful restart this often"),
  restartAt: parsedBy(parseRestartTimes).optional().describe(
    "beyond NSSM: graceful restarts at these local times of day, HH:MM[,HH:MM…]",
  ),
  logDirectory: absolutePath().optional().describe(
    "where relative output specs and <service>_ERROR_LOG.txt go; the platform's default when not given",
  ),
}).describe("A service run by servitor: NSSM's settings under servitor's names");

/** The settings of a service as a file may give them: everything but `name` and `program` may be left out. */
export type ServiceInput = z.input<typeof serviceSchema>;

/** The JSON Schema of the stored configuration (draft 2020-12), as `servitor schema` prints it. */
export function serviceJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(serviceSchema, { io: "input" }),
    title: "servitor service",
  };
}

/** One thing wrong with a service's settings: where (a key path such as `exit.codes.3`) and what. */
export interface SettingIssue {
  path: (string | number)[];
  message: string;
}

/**
 * What is wrong with `data` as a service's settings, each issue in one sentence naming what is expected
 * (an empty list when nothing is).
 */
export function settingIssues(data: unknown): SettingIssue[] {
  const result = serviceSchema.safeParse(data, { reportInput: true });
  return result.success ? [] : result.error.issues.flatMap(describeIssue);
}

/** A zod issue as servitor says it: a key path and what was expected, naming the value that was given. */
function describeIssue(issue: z.core.$ZodIssue): SettingIssue[] {
  const given = (value: unknown) => JSON.stringify(value);
  const path = issue.path as (string | number)[];
  switch (issue.code) {
    case "unrecognized_keys": {
      // The hooks' keys are events, the only mapping of fixed keys that is not settings.
      const message = path.join(".") === "hooks"
        ? `not a hook event (${hookEvents.join(", ")})`
        : "unknown setting";
      return issue.keys.map((key) => ({ path: [...path, key], message }));
    }
    case "invalid_type":
      if (issue.input === undefined) {
        return [{ path, message: `missing, expected ${article(issue.expected)}` }];
      }
      return [{ path, message: `expected ${article(issue.expected)}, not ${given(issue.input)}` }];
    case "invalid_value":
      return [{ path, message: `${given(issue.input)} is not one of ${issue.values.join(", ")}` }];
    case "invalid_union": {
      // A discriminated union (account) reports the whole mapping; the culprit is its discriminator.
      const options = (issue as { options?: unknown[] }).options;
      const input = issue.input as Record<string, unknown> | undefined;
      const value = input && typeof input === "object" ? input[String(path.at(-1))] : issue.input;
      if (options) return [{ path, message: `${given(value)} is not one of ${options.join(", ")}` }];
      return [{ path, message: issue.message }];
    }
    case "invalid_key": {
      const inner = issue.issues[0] as z.core.$ZodIssue | undefined;
      const what = inner?.code === "invalid_value"
        ? `not one of ${inner.values.join(", ")}`
        : inner?.code === "invalid_format"
        ? `not ${inner.message}`
        : "not allowed here";
      return [{ path, message: `${given(path.at(-1))} is ${what}` }];
    }
    case "too_small":
    case "too_big": {
      if (issue.origin === "number" || issue.origin === "int") {
        const bound = issue.code === "too_small"
          ? `of ${issue.minimum} or more`
          : `of at most ${issue.maximum}`;
        return [{ path, message: `expected a whole number ${bound}, not ${given(issue.input)}` }];
      }
      const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      return [{ path, message: `expected ${bound} characters, not ${given(issue.input)}` }];
    }
    case "invalid_format":
      return [{ path, message: `${given(issue.input)} is not ${issue.message}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

function article(type: string): string {
  const names: Record<string, string> = { int: "a whole number", number: "a number", array: "a list" };
  return names[type] ?? (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
}
