/**
 * Health-check targets (AppHealthCheck, `--health`): what a check asks, parsed once and said back the same
 * way. `http://host:port/path` and `https://…` are healthy on a 2xx or 3xx answer within the timeout,
 * `tcp://host:port` when a connection is accepted, `cmd:<command line>` when the command exits 0.
 * @module
 */

/** A parsed health-check target. */
export type HealthTarget =
  | { kind: "http"; url: string }
  | { kind: "tcp"; host: string; port: number }
  | { kind: "cmd"; command: string };

/** Parses a health-check target; throws a RangeError whose message says what is wrong and what is expected. */
export function parseHealthTarget(text: string): HealthTarget {
  const expected = "expected http://host:port/path, https://…, tcp://host:port or cmd:<command line>";
  if (/^cmd:/i.test(text)) {
    const command = text.slice(4).trim();
    if (command === "") throw new RangeError(`"${text}": cmd: needs a command line`);
    return { kind: "cmd", command };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw new RangeError(`"${text}" is not a health check: ${expected}`);
  if (!["http", "https", "tcp"].includes(scheme)) {
    throw new RangeError(`"${text}": ${scheme}: is not a health-check scheme: ${expected}`);
  }
  if (/\s/.test(text)) throw new RangeError(`"${text}": a URL can't contain spaces (write them as %20)`);
  // URL leaves the port empty when it is the scheme's default, and refuses ports over 65535 itself.
  const explicitPort = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:]*):(\d+)/i.exec(text)?.[1];
  if (explicitPort !== undefined && (Number(explicitPort) < 1 || Number(explicitPort) > 65535)) {
    throw new RangeError(`"${text}": port ${explicitPort} is out of range (1 to 65535)`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`"${text}" is not a valid URL: ${expected}`);
  }
  if (url.hostname === "") throw new RangeError(`"${text}": which host?`);
  if (scheme === "tcp") {
    if (explicitPort === undefined) throw new RangeError(`"${text}": tcp:// needs a port (tcp://host:port)`);
    if (url.pathname !== "" && url.pathname !== "/") {
      throw new RangeError(`"${text}": tcp://host:port takes no path`);
    }
    return { kind: "tcp", host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(explicitPort) };
  }
  return { kind: "http", url: url.href };
}
