/**
 * The edit form's server side: a service's settings in apply's form (what `servitor export` prints), and
 * Review and Apply of settings the page sends — exactly `servitor apply`'s path: the same reading and
 * checks (readDesiredState, machineErrors), the same plan and `--check --diff` lines, and Apply carried out
 * through the lifecycle (lifecycleTarget: the service's lock, rollback, restart pending).
 * @module
 */
import type { CliContext } from "../cli/context.ts";
import {
  carryOut,
  type CurrentService,
  inputErrorLine,
  machineErrors,
  planApply,
  planLines,
} from "../cli/apply.ts";
import { lifecycleTarget } from "../cli/apply_target.ts";
import { runExport } from "../cli/export.ts";
import { minimalSettings, readDesiredState } from "../service/desired.ts";
import { readStoredService } from "../service/lifecycle.ts";

/** How long Apply waits for a service's lock and state, as apply's default --timeout. */
const APPLY_TIMEOUT_MS = 30_000;

/**
 * What `servitor export NAME…` (or `--all`, with no names) prints: apply's YAML, through cli/export.ts.
 */
export async function exportYaml(context: CliContext, names: string[]): Promise<string> {
  const lines: string[] = [];
  await runExport(
    { names, all: names.length === 0, json: false, user: false },
    { ...context, say: (line) => lines.push(line) },
  );
  return `${lines.join("\n")}\n`;
}

/** `name`'s stored settings as apply takes them: only what differs from the defaults. */
export async function serviceSettings(context: CliContext, name: string): Promise<Record<string, unknown>> {
  return minimalSettings((await readStoredService(context, name)).spec);
}

export interface ReviewOutcome {
  /** The input's errors, each `file:line: key: message`; nothing was planned when there are any. */
  errors: string[];
  /** apply's lines: one per service, its changes as -old/+new, and the summary. */
  lines: string[];
  /** Whether an Apply changed what it was asked to without failing. */
  ok: boolean;
}

function isFile(file: string): boolean {
  try {
    return Deno.statSync(file).isFile;
  } catch {
    return false;
  }
}

/** One thing wrong with a form's settings: the setting's key path (absent for the whole), and what. */
export interface FieldIssue {
  key?: string;
  message: string;
}

/**
 * What is wrong with `settings`, by key, as the form is typed: the checks Review and `servitor apply` make
 * (readDesiredState's schema, then machineErrors), without planning anything.
 */
export function checkSettings(context: CliContext, settings: unknown): FieldIssue[] {
  const state = readDesiredState([{ file: "form", text: JSON.stringify(settings) }]);
  const errors = state.errors.length > 0
    ? state.errors
    : machineErrors(state.services, context.windows, isFile);
  return errors.map(({ key, message }) => ({ key, message }));
}

/**
 * Reviews `settings` (one service, apply's form) against the machine, or with `apply` carries the plan
 * out; an Apply is written to the audit log as made in the UI.
 */
export function reviewOrApply(
  context: CliContext,
  settings: unknown,
  apply: boolean,
): Promise<ReviewOutcome> {
  return reviewOrApplyText(context, { file: "form", text: JSON.stringify(settings) }, apply);
}

/**
 * Reviews or applies a file as `servitor apply FILE` would (apply's YAML or JSON: one service, several
 * documents, or a `services:` map); what is not in it is left alone (no --prune).
 */
export async function reviewOrApplyText(
  context: CliContext,
  source: { file: string; text: string },
  apply: boolean,
): Promise<ReviewOutcome> {
  const state = readDesiredState([source]);
  const errors = [...state.errors, ...machineErrors(state.services, context.windows, isFile)];
  if (errors.length > 0) return { errors: errors.map(inputErrorLine), lines: [], ok: false };
  const lines: string[] = [];
  const quiet: CliContext = { ...context, say: (line) => lines.push(line), done: (line) => lines.push(line) };
  const target = lifecycleTarget(quiet, APPLY_TIMEOUT_MS);
  const current = new Map<string, CurrentService>();
  for (const service of state.services) {
    const found = await target.current(service.spec.name);
    if (found) current.set(found.spec.name, found);
  }
  const plans = planApply(state.services, current, [], { prune: false, windows: context.windows });
  if (!apply) return { errors: [], lines: planLines(plans, { diff: true, check: true }), ok: true };
  const outcomes = await carryOut(plans, target, { restart: false });
  const shown = planLines(outcomes, { diff: true, check: false });
  for (const outcome of outcomes) {
    context.audit(
      `ui: apply ${outcome.name}: ${
        outcome.error ? `failed to ${outcome.action}: ${outcome.error}` : outcome.action
      }`,
    );
  }
  return { errors: [], lines: shown, ok: outcomes.every((outcome) => !outcome.error) };
}
