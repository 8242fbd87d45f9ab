/**
 * Whether a path names something: a file, a folder, or a link, even one whose target is gone (lstat). Not
 * node:fs's existsSync, which would load Node's file system layer into every command of the bundled build.
 * "Not found" (or a file where the path needs a folder) is the answer no; any other failure (a folder that may
 * not be searched) is thrown, for the caller to say — never taken for "missing", which would let a rotation
 * overwrite what is there.
 * @module
 */

/** Whether `path` names something; throws what lstat throws other than NotFound or NotADirectory. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}

/** {@link pathExists}, synchronously. */
export function pathExistsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}
