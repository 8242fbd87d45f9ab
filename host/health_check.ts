/**
 * Running one health check (AppHealthCheck) against the program, cut at its timeout: an HTTP(S) request
 * (healthy: 2xx or 3xx; redirects are not followed — a redirect is an answer), a TCP connection (healthy:
 * accepted), or a command run like a hook (healthy: exit 0). The answer is ok, or one line saying how the
 * check failed: the status code, a refused connection, the timeout, the exit code.
 * @module
 */
import type { HealthTarget } from "../service/health.ts";
import { unreachable } from "../service/exhaustive.ts";
import { runHook } from "./hooks.ts";

/** A check's answer: ok, or why not in one line. */
export type HealthResult = { ok: true } | { ok: false; why: string };

/** What a check needs beyond its target. */
export interface HealthCheckOptions {
  timeoutMs: number;
  /** For a command: its environment (the service's, with the hook variables) and working directory. */
  environment: Record<string, string>;
  directory: string;
  /** Aborting ends the check at once (the host is ending). */
  signal?: AbortSignal;
}

const timeoutText = (timeoutMs: number) => `no answer within ${(timeoutMs / 1000).toFixed(1)} s (timeout)`;
const timedOut = (timeoutMs: number): HealthResult => ({ ok: false, why: timeoutText(timeoutMs) });

/** Runs the check once; never throws, never takes much longer than the timeout. */
export function runHealthCheck(target: HealthTarget, options: HealthCheckOptions): Promise<HealthResult> {
  switch (target.kind) {
    case "http":
      return checkHttp(target.url, options);
    case "tcp":
      return checkTcp(target.host, target.port, options);
    case "cmd":
      return checkCommand(target.command, options);
    default:
      return unreachable(target);
  }
}

async function checkHttp(url: string, options: HealthCheckOptions): Promise<HealthResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await fetch(url, { redirect: "manual", signal });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 400) return { ok: true };
    return {
      ok: false,
      why: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
    };
  } catch (error) {
    if (timeout.aborted) return timedOut(options.timeoutMs);
    return { ok: false, why: connectionFailure(error) };
  }
}

async function checkTcp(hostname: string, port: number, options: HealthCheckOptions): Promise<HealthResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
    options.signal?.addEventListener("abort", () => resolve("timeout"), { once: true });
  });
  const connecting = Deno.connect({ hostname, port });
  try {
    const winner = await Promise.race([connecting, expired]);
    if (winner === "timeout") {
      // A connection that comes after all is closed at once; a failure then is of no interest.
      connecting.then((connection) => connection.close(), () => {});
      return timedOut(options.timeoutMs);
    }
    winner.close();
    return { ok: true };
  } catch (error) {
    return { ok: false, why: connectionFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function checkCommand(command: string, options: HealthCheckOptions): Promise<HealthResult> {
  const result = await runHook(command, options.environment, {
    deadlineMs: options.timeoutMs,
    directory: options.directory,
    signal: options.signal,
  });
  if (result.error) return { ok: false, why: result.error };
  if (result.killed) return { ok: false, why: `${timeoutText(options.timeoutMs)}; the command was killed` };
  return result.exitCode === 0 ? { ok: true } : { ok: false, why: `exit code ${result.exitCode}` };
}

/** A failed connection in words: refused, unreachable, a name not found, or the system's own message. */
function connectionFailure(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) return "connection refused";
  const message = error instanceof Error ? error.message : String(error);
  if (/connection refused/i.test(message)) return "connection refused";
  if (/connection reset/i.test(message)) return "connection reset";
  if (/dns error|failed to lookup|name or service not known|no such host/i.test(message)) {
    return `host not found (${message})`;
  }
  return message;
}
