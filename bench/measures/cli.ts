/**
 * Command start-up: the wall time from spawning a command to its exit, each command run once before the
 * timed runs (so Deno's cache of transpiled modules is warm, as it is on a machine in use).
 * @module
 */
import type { Row } from "../report.ts";
import { summarize } from "../stats.ts";

export interface TimedCommand {
  id?: string;
  label: string;
  program: string;
  args: string[];
  env?: Record<string, string>;
  /** Exit codes that count as success (0 when absent). */
  okCodes?: number[];
}

export async function measureCommand(command: TimedCommand, reps: number): Promise<Row> {
  const times: number[] = [];
  let note: string | undefined;
  for (let rep = -1; rep < reps; rep++) {
    const started = performance.now();
    const { code, stderr } = await new Deno.Command(command.program, {
      args: command.args,
      env: command.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const elapsed = performance.now() - started;
    if (!(command.okCodes ?? [0]).includes(code)) {
      note = `exited with ${code}: ${new TextDecoder().decode(stderr).trim().split("\n")[0]}`;
      break;
    }
    if (rep >= 0) times.push(elapsed);
  }
  return {
    id: command.id,
    contender: command.label,
    figures: { time: note ? undefined : summarize(times) },
    note,
  };
}
