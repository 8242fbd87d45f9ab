/**
 * Talking to systemd: `systemctl` (with `--user` for a user's manager), read through `show --property=…`,
 * never through its human-formatted output. A dry run prints each change as a shell command instead of
 * making it; questions are still asked, so that a dry run stops where the real one would.
 * @module
 */
import { type ManagerFailure, ServiceManagerError } from "../service/manager.ts";
import { shellWord } from "./escape.ts";

export const SYSTEMCTL = "systemctl";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** systemd's properties of one unit, as `show` prints them (KEY=VALUE). */
export type UnitProperties = Record<string, string>;

export interface Systemctl {
  readonly user: boolean;
  /** Asks systemd something: run also in a dry run. Never throws for a failing exit code. */
  query(args: string[]): Promise<CommandResult>;
  /** Changes something: printed instead in a dry run. Throws a ServiceManagerError when systemctl fails. */
  change(args: string[]): Promise<void>;
  /** `show --property=…` for each unit, in the order given. */
  show(units: string[], properties: readonly string[]): Promise<UnitProperties[]>;
}

/** How systemctl is run: for the system or a user, and where a dry run's lines go. */
export function systemctl(options: { user?: boolean; dryRun?: (line: string) => void }): Systemctl {
  const user = options.user ?? false;
  const scope = user ? ["--user"] : [];
  const query = async (args: string[]): Promise<CommandResult> => {
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command(SYSTEMCTL, { args: [...scope, ...args], stdin: "null" }).output();
    } catch (error) {
      throw new ServiceManagerError(
        `${SYSTEMCTL} could not be run: ${(error as Error).message}`,
        "unavailable",
        { cause: error },
      );
    }
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
    return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  };
  return {
    user,
    query,
    async change(args) {
      if (options.dryRun) {
        options.dryRun([SYSTEMCTL, ...scope, ...args].map(shellWord).join(" "));
        return;
      }
      const result = await query(args);
      if (result.code !== 0) throw systemctlError([...scope, ...args], result);
    },
    async show(units, properties) {
      if (units.length === 0) return [];
      const args = ["show", `--property=${properties.join(",")}`, ...units];
      const result = await query(args);
      if (result.code !== 0) throw systemctlError([...scope, ...args], result);
      return parseShow(result.stdout, units.length);
    },
  };
}

/** `show`'s output: one block of KEY=VALUE lines per unit, blocks apart by an empty line. */
export function parseShow(stdout: string, units: number): UnitProperties[] {
  const blocks = stdout.split(/\n\n+/);
  return Array.from({ length: units }, (_, index) => {
    const properties: UnitProperties = {};
    for (const line of (blocks[index] ?? "").split("\n")) {
      const equals = line.indexOf("=");
      if (equals > 0) properties[line.slice(0, equals)] = line.slice(equals + 1);
    }
    return properties;
  });
}

/** What systemctl's message means, in the failure kinds the exit codes distinguish. */
const failures: [RegExp, ManagerFailure, string][] = [
  [/not found|not loaded|does not exist|No such file/i, "no_such_service", ""],
  [
    /Access denied|Interactive authentication required|Permission denied/i,
    "access_denied",
    " (run with sudo)",
  ],
  [/refuse/i, "refused", ""],
  [/No main process/i, "refused", " (the service is not running)"],
  [
    /Failed to connect to (user scope )?bus|has not been booted with systemd/i,
    "unavailable",
    " (a --user service needs a login session of its own: not su or sudo; or `loginctl enable-linger`)",
  ],
];

/** A failed systemctl as one line for a person: the command, and what systemctl said. */
export function systemctlError(args: string[], result: CommandResult): ServiceManagerError {
  const said = result.stderr.split("\n").map((line) => line.trim()).filter(Boolean).join(" ") ||
    `exit code ${result.code}`;
  const [, failure, hint] = failures.find(([pattern]) => pattern.test(said)) ?? [/./, "failed", ""];
  const shownHint = failure === "unavailable" && !args.includes("--user") ? "" : hint;
  return new ServiceManagerError(`${SYSTEMCTL} ${args.join(" ")}: ${said}${shownHint}`, failure, {
    system: { code: result.code, message: said, call: [SYSTEMCTL, ...args].join(" ") },
  });
}
