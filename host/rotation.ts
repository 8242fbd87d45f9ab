/**
 * Rotating output files NSSM's way (AppRotate*): the rotated file is named for its last write time,
 * `nssm.log` → `nssm-20131221T113939.457.log`; beyond NSSM, old rotated files are pruned (AppRotateKeep)
 * and gzipped (AppRotateCompress).
 * @module
 */
import path from "path";
import type { RotationSpec } from "../service/spec.ts";
import { renameNoReplace, renamesWithoutReplacing } from "../ffi/libc.ts";
import { compactTimestamp } from "./monikers.ts";
import { pathExists, pathExistsSync } from "../service/exists.ts";

const onWindows = Deno.build.os === "windows";

/**
 * The name a file is rotated to: `<base>-YYYYMMDDTHHMMSS.mmm<ext>` beside it, with the last write time in
 * UTC. Asked of NSSM 2.24-101 itself under Wine with TZ=Asia/Kolkata: a file last written at 21:34:27.052
 * local time became `probe-20261125T160427.052.log` (UTC), a file without extension `noext-20261125T160427.052`,
 * and a dot in the folder's name (`dir.d\noext`) was not taken for an extension.
 *
 * @example
 * ```ts
 * import { rotatedName } from "./rotation.ts";
 * rotatedName("C:\\logs\\nssm.log", new Date("2013-12-21T11:39:39.457Z"), true);
 * // "C:\\logs\\nssm-20131221T113939.457.log"
 * ```
 */
export function rotatedName(file: string, lastWrite: Date, windows = onWindows): string {
  return withSuffix(file, `-${compactTimestamp(lastWrite)}`, windows);
}

/** `file` with `suffix` put between its base and its extension, the folder left exactly as written. */
function withSuffix(file: string, suffix: string, windows: boolean): string {
  const p = windows ? path.win32 : path.posix;
  const base = p.basename(file);
  const ext = p.extname(base);
  const folder = file.slice(0, file.length - base.length);
  return `${folder}${base.slice(0, base.length - ext.length)}${suffix}${ext}`;
}

/** What {@link shouldRotate} needs to know of a file (a `Deno.FileInfo` will do). */
export interface FileFacts {
  /** A regular file (not a device, pipe or folder). */
  isFile: boolean;
  /** Bytes. */
  size: number;
  /** The last write time, when the platform knows it. */
  mtime: Date | null;
}

/**
 * Whether an existing output file is rotated: AppRotateSeconds (not if written less than that many seconds
 * ago) and AppRotateBytes (not if smaller). Only regular files (never NUL, /dev/null or a serial port), and
 * never an empty one: there is nothing in it to keep.
 *
 * @example
 * ```ts
 * import { shouldRotate } from "./rotation.ts";
 * shouldRotate({ isFile: true, size: 10, mtime: new Date() }, { seconds: 0, bytes: 1024 }, new Date()); // false
 * ```
 */
export function shouldRotate(
  stat: FileFacts,
  rotation: Pick<RotationSpec, "seconds" | "bytes">,
  now: Date,
): boolean {
  if (!stat.isFile || stat.size === 0) return false;
  if (rotation.seconds > 0 && stat.mtime && now.getTime() - stat.mtime.getTime() < rotation.seconds * 1000) {
    return false;
  }
  return !(rotation.bytes > 0 && stat.size < rotation.bytes);
}

/**
 * Rotates `file` if {@link shouldRotate} says so: renamed away, or copied then emptied when
 * `copyAndTruncate` (for a file another process holds open). Resolves to the rotated file's path, or
 * undefined when there was nothing to rotate. A name taken already (also by its `.gz`) is never
 * overwritten: the new file gets `-1`, `-2` … after the timestamp, numbered after the highest there.
 *
 * @example
 * ```ts ignore
 * import { rotateFile } from "./rotation.ts";
 * await rotateFile("/var/log/web.log", { seconds: 0, bytes: 0 }, false, new Date());
 * // "/var/log/web-20261125T101112.345.log"
 * ```
 */
export async function rotateFile(
  file: string,
  rotation: Pick<RotationSpec, "seconds" | "bytes">,
  copyAndTruncate: boolean,
  now: Date,
): Promise<string | undefined> {
  // Synchronous where it can be: metadata calls on a local folder take microseconds, while each trip through
  // Deno's thread pool took up to milliseconds on busy cores — during online rotation the program's pipe
  // fills meanwhile (2–30 ms a rotation, measured with both cores loaded).
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (!shouldRotate(stat, rotation, now)) return undefined;
  const lastWrite = stat.mtime ?? now;
  if (!copyAndTruncate) {
    const renamed = renameToFreeName(file, lastWrite);
    if (renamed !== undefined) return renamed;
  }
  const target = await reserveName(file, lastWrite);
  try {
    if (copyAndTruncate) {
      await Deno.copyFile(file, target);
      await Deno.truncate(file, 0);
    } else {
      // Replaces only our own empty reservation.
      await Deno.rename(file, target);
    }
  } catch (error) {
    await Deno.remove(target).catch(() => {});
    throw error;
  }
  return target;
}

/**
 * The names `file` may be rotated to, in order: the timestamped one, then `-1`, `-2` … after the highest
 * number of this timestamp among `taken`, not in a gap pruning left — numbers keep the order of time.
 */
function* candidateNames(file: string, lastWrite: Date, taken: RotatedFile[]): Generator<string> {
  const stamp = compactTimestamp(lastWrite);
  let number = Math.max(-1, ...taken.filter((r) => r.stamp === stamp).map((r) => r.number)) + 1;
  for (;; number++) {
    yield number === 0 ? rotatedName(file, lastWrite) : withSuffix(file, `-${stamp}-${number}`, onWindows);
  }
}

/**
 * Renames `file` to the first free name in one step that never replaces (renameat2 RENAME_NOREPLACE on
 * Linux): no empty reservation renamed over, which on ext4 would make the host write the whole file back
 * there and then (auto_da_alloc) while the program's output waits. Undefined when the system can't rename
 * that way.
 */
function renameToFreeName(file: string, lastWrite: Date): string | undefined {
  if (!renamesWithoutReplacing()) return undefined;
  for (const candidate of candidateNames(file, lastWrite, listRotated(file))) {
    if (pathExistsSync(`${candidate}.gz`)) continue;
    const outcome = renameNoReplace(file, candidate);
    if (outcome === "renamed") return candidate;
    if (outcome === "unsupported") return undefined;
  }
}

/** Creates the rotated name exclusively (O_EXCL / CREATE_NEW), so no other rotation can take it too. */
async function reserveName(file: string, lastWrite: Date): Promise<string> {
  for (const candidate of candidateNames(file, lastWrite, listRotated(file))) {
    try {
      (await Deno.open(candidate, { write: true, createNew: true })).close();
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw error;
    }
    if (await pathExists(`${candidate}.gz`)) {
      await Deno.remove(candidate);
      continue;
    }
    return candidate;
  }
  throw new Error("unreachable: the names never run out");
}

/** A rotated file of one output file, as found beside it. */
export interface RotatedFile {
  /** The full path. */
  path: string;
  /** The `YYYYMMDDTHHMMSS.mmm` timestamp. */
  stamp: string;
  /** 0, or the collision number after the timestamp. */
  number: number;
  /** Whether it is the `.gz`. */
  compressed: boolean;
}

/**
 * The rotated files of `file` (plain and `.gz`), oldest first: by timestamp, then collision number.
 *
 * @example
 * ```ts ignore
 * import { rotatedFiles } from "./rotation.ts";
 * rotatedFiles("/var/log/web.log").map((r) => r.path);
 * // ["/var/log/web-20261125T101112.345.log", "/var/log/web-20261125T111112.345.log.gz"]
 * ```
 */
export function rotatedFiles(file: string): RotatedFile[] {
  return listRotated(file).sort((a, b) =>
    a.stamp < b.stamp
      ? -1
      : a.stamp > b.stamp
      ? 1
      : a.number - b.number || Number(a.compressed) - Number(b.compressed)
  );
}

/**
 * The rotated files of `file` in the order its folder lists them; none when the folder is missing.
 * Synchronous: a rotation reads them while the program's pipe fills (see rotateFile).
 */
function listRotated(file: string): RotatedFile[] {
  const { folder, pattern } = rotatedPattern(file);
  const found: RotatedFile[] = [];
  try {
    for (const entry of Deno.readDirSync(folder === "" ? "." : folder)) {
      const rotated = entry.isFile ? rotatedEntry(folder, entry.name, pattern) : undefined;
      if (rotated) found.push(rotated);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return found;
}

/** The folder `file` is in (as written, maybe "") and the pattern of its rotated files' names. */
function rotatedPattern(file: string): { folder: string; pattern: RegExp } {
  const p = onWindows ? path.win32 : path.posix;
  const base = p.basename(file);
  const ext = p.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  const pattern = new RegExp(
    `^${escape(stem)}-(\\d{8}T\\d{6}\\.\\d{3})(?:-(\\d+))?${escape(ext)}(\\.gz)?$`,
    onWindows ? "i" : "",
  );
  return { folder: file.slice(0, file.length - base.length), pattern };
}

function rotatedEntry(folder: string, name: string, pattern: RegExp): RotatedFile | undefined {
  const match = pattern.exec(name);
  if (!match) return undefined;
  return {
    path: folder + name,
    stamp: match[1],
    number: match[2] === undefined ? 0 : Number(match[2]),
    compressed: match[3] !== undefined,
  };
}

/**
 * AppRotateKeep: removes all but the newest `keep` rotated files of `file` (0 keeps all). A file and its
 * `.gz` (while it is being compressed) count as one. Resolves to the removed paths.
 *
 * @example
 * ```ts ignore
 * import { pruneRotated } from "./rotation.ts";
 * await pruneRotated("/var/log/web.log", 5);
 * ```
 */
export async function pruneRotated(file: string, keep: number): Promise<string[]> {
  if (keep <= 0) return [];
  const all = rotatedFiles(file);
  const key = (r: RotatedFile) => `${r.stamp}-${r.number}`;
  const keys = [...new Set(all.map(key))];
  const doomed = new Set(keys.slice(0, Math.max(0, keys.length - keep)));
  const removed: string[] = [];
  for (const rotated of all) {
    if (!doomed.has(key(rotated))) continue;
    try {
      await Deno.remove(rotated.path);
      removed.push(rotated.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return removed;
}

/**
 * AppRotateCompress: gzips a rotated file into `<rotated>.gz` (written as `.gz.partial`, then renamed, so a
 * `.gz` is always whole), keeps its modification time, then removes the original. Rejects with an error
 * naming the file; meant to run in the background with the rejection reported.
 *
 * @example
 * ```ts ignore
 * import { compressRotated } from "./rotation.ts";
 * compressRotated("/var/log/web-20261125T101112.345.log").catch((error) => console.error(error.message));
 * ```
 */
export async function compressRotated(rotated: string): Promise<string> {
  const gz = `${rotated}.gz`;
  const partial = `${gz}.partial`;
  try {
    const stat = await Deno.stat(rotated);
    // Imported here, only when a file is compressed: Node's zlib, fs and streams cost every start of the
    // host (and of the bundled build, which loads its Node modules first) otherwise.
    const [{ createReadStream, createWriteStream }, { pipeline }, { createGzip }] = await Promise.all([
      import("node:fs"),
      import("node:stream/promises"),
      import("node:zlib"),
    ]);
    await pipeline(createReadStream(rotated), createGzip(), createWriteStream(partial));
    if (stat.mtime) await Deno.utime(partial, stat.atime ?? stat.mtime, stat.mtime);
    await Deno.rename(partial, gz);
    await Deno.remove(rotated);
    return gz;
  } catch (error) {
    await Deno.remove(partial).catch(() => {});
    throw new Error(`could not compress ${rotated}: ${error instanceof Error ? error.message : error}`, {
      cause: error,
    });
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
