/** The assertions the tests use, behind one import-map entry ("assert": node:assert/strict). */
import assert from "assert";

export const assertEquals = <T>(actual: T, expected: T, message?: string): void =>
  assert.deepStrictEqual(actual, expected, message);
export const assertThrows = (
  fn: () => unknown,
  error?: new (...args: never[]) => Error,
  message?: string,
): void => error ? assert.throws(fn, error, message) : assert.throws(fn, message);
export const assertRejects = (
  fn: () => Promise<unknown>,
  error?: new (...args: never[]) => Error,
): Promise<void> => error ? assert.rejects(fn, error) : assert.rejects(fn);
export const assertMatch = (actual: string, pattern: RegExp, message?: string): void =>
  assert.match(actual, pattern, message);
export const assertOk = (value: unknown, message?: string): void => assert.ok(value, message);
