/**
 * servitor's public library: what a Deno program needs to talk to the Windows Service Control Manager
 * itself. The service-side API (a program that is a service by itself) is built on the same layer.
 *
 * @example Build the command line a service runs, quoted the way Windows splits it
 * ```ts
 * import { windowsCommandLine } from "./mod.ts";
 * const imagePath = windowsCommandLine("C:\\Program Files\\app\\app.exe", ["--port", "8080", "two words"]);
 * // "C:\Program Files\app\app.exe" --port 8080 "two words"
 * ```
 * @module
 */
export { quoteWindowsArgument, windowsCommandLine } from "./service/command_line.ts";
export { Win32Error } from "./ffi/error.ts";
