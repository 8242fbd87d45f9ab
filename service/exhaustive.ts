/**
 * Exhaustive switches over the model's enumerations: the `default` of a switch that handles every value
 * calls `unreachable(value)`, so adding a value (an exit action, a state …) makes the compiler name each
 * switch that must decide about it.
 * @module
 */

/**
 * Reached only when a value the types rule out comes in anyway (a stored file written by a newer servitor):
 * a TypeScript error while a case is missing, a thrown error naming the value at run time.
 *
 * @example
 * ```ts
 * import { unreachable } from "./exhaustive.ts";
 * type Light = "red" | "green";
 * const go = (light: Light) => {
 *   switch (light) {
 *     case "red":
 *       return false;
 *     case "green":
 *       return true;
 *     default:
 *       return unreachable(light);
 *   }
 * };
 * ```
 */
export function unreachable(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
