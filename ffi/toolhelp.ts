/**
 * Toolhelp snapshots: every process and thread on the system now, and a process's tree found from them.
 * @module
 */
import * as W from "./constants.ts";
import { check, unless } from "./error.ts";
import { kernel32 } from "./kernel32.ts";
import {
  decodeProcessEntry,
  decodeThreadEntry,
  newProcessEntry,
  newThreadEntry,
  type ProcessEntry,
  type ThreadEntry,
} from "./structs.ts";
import { checkHandle, rawOf } from "./handle.ts";

export type { ProcessEntry, ThreadEntry };

/** Every process on the system now (a Toolhelp snapshot). */
export function listProcesses(): ProcessEntry[] {
  return walkSnapshot(
    W.TH32CS_SNAPPROCESS,
    newProcessEntry,
    ["Process32FirstW", (h, e) => kernel32().Process32FirstW(h, e)],
    ["Process32NextW", (h, e) => kernel32().Process32NextW(h, e)],
    decodeProcessEntry,
  );
}

/** Every thread on the system now, with the process it belongs to (a Toolhelp snapshot). */
export function listThreads(): ThreadEntry[] {
  return walkSnapshot(
    W.TH32CS_SNAPTHREAD,
    newThreadEntry,
    ["Thread32First", (h, e) => kernel32().Thread32First(h, e)],
    ["Thread32Next", (h, e) => kernel32().Thread32Next(h, e)],
    decodeThreadEntry,
  );
}

type SnapshotStep = [string, (snapshot: Deno.PointerObject, entry: Uint8Array<ArrayBuffer>) => number];

function walkSnapshot<T>(
  kind: number,
  newEntry: () => Uint8Array<ArrayBuffer>,
  [firstName, first]: SnapshotStep,
  [nextName, next]: SnapshotStep,
  decode: (bytes: Uint8Array) => T,
): T[] {
  using snapshot = checkHandle("CreateToolhelp32Snapshot", kernel32().CreateToolhelp32Snapshot(kind, 0));
  const entries: T[] = [];
  const entry = newEntry();
  // ERROR_NO_MORE_FILES ends the walk.
  let more = unless([W.ERROR_NO_MORE_FILES], () => check(firstName, first(rawOf(snapshot), entry)));
  while (more !== undefined) {
    entries.push(decode(entry));
    more = unless([W.ERROR_NO_MORE_FILES], () => check(nextName, next(rawOf(snapshot), entry)));
  }
  return entries;
}

/**
 * The processes below `root` in `processes` (children, their children …), deepest first. Parent ids are
 * only as good as the snapshot: a process whose parent ended is found only while its parent's id is not
 * reused, so callers that own a job ask the job instead ({@link Job.processIds}) and use this for order.
 */
export function descendants(root: number, processes: readonly ProcessEntry[]): number[] {
  const children = new Map<number, number[]>();
  for (const { processId, parentProcessId } of processes) {
    // The System Idle Process is its own parent.
    if (processId === parentProcessId) continue;
    children.set(parentProcessId, [...(children.get(parentProcessId) ?? []), processId]);
  }
  const found: { pid: number; depth: number }[] = [];
  const seen = new Set([root]);
  const visit = (pid: number, depth: number) => {
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push({ pid: child, depth });
      visit(child, depth + 1);
    }
  };
  visit(root, 1);
  return found.sort((a, b) => b.depth - a.depth).map(({ pid }) => pid);
}
