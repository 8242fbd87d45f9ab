/**
 * The page's gate. It can run any program as root or SYSTEM, so a request reaches it only when:
 * - a request that may change something (anything but GET and HEAD) carries the page's own Origin (CSRF) —
 *   checked before anything else about it, its path and body included;
 * - its Host is exactly the loopback address and port (a DNS-rebinding page names its own host);
 * - it carries the session cookie, which only the printed address's one-time token gives.
 * Every answer carries a Content-Security-Policy allowing the page's own scripts and styles only, and no
 * CORS header at all.
 * @module
 */

/**
 * The session cookie's name, with the port: a browser sends a host's cookies to every port of it, so two
 * servers at once (`servitor ui` and nssm's `edit`, say) would overwrite each other's under one name.
 */
const cookieName = (port: number) => `servitor_ui_${port}`;

/** Headers on every answer. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/** A short plain answer: a status and one line. */
export function plain(status: number, line: string, headers: Record<string, string> = {}): Response {
  return new Response(`${line}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (byte) => byte.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** Compares secrets in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** The gate of one run: its one-time token and the session it is exchanged for. */
export class Gate {
  /** The token of the printed address; usable once. */
  readonly token = randomHex(24);
  readonly #session = randomHex(32);
  #tokenUsed = false;

  /** The port listened on: known once the server listens, before its first request. */
  port = 0;

  constructor(readonly host: string) {}

  get origin(): string {
    return `http://${this.host}:${this.port}`;
  }

  /**
   * What stops `request` — an answer — or undefined when it may pass. The token's exchange is answered
   * here too: a redirect to the same path without it, setting the cookie.
   */
  check(request: Request): Response | undefined {
    if (request.method !== "GET" && request.method !== "HEAD") {
      if (request.headers.get("origin") !== this.origin) {
        return plain(403, "forbidden: a change must come from the page itself (Origin)");
      }
    }
    if (request.headers.get("host") !== `${this.host}:${this.port}`) {
      return plain(421, `misdirected: this server answers to ${this.host}:${this.port} only`);
    }
    const url = new URL(request.url);
    const token = url.searchParams.get("token");
    if (token !== null && request.method === "GET") {
      if (this.#tokenUsed || !sameSecret(token, this.token)) {
        return plain(401, "unauthorized: that address was used already; run servitor ui again for a new one");
      }
      this.#tokenUsed = true;
      url.searchParams.delete("token");
      return new Response(null, {
        status: 303,
        headers: {
          ...SECURITY_HEADERS,
          location: `${url.pathname}${url.search}`,
          "set-cookie": `${cookieName(this.port)}=${this.#session}; HttpOnly; SameSite=Strict; Path=/`,
        },
      });
    }
    const cookie = cookieOf(request, cookieName(this.port));
    if (cookie === undefined || !sameSecret(cookie, this.#session)) {
      return plain(401, "unauthorized: open the address servitor ui printed");
    }
    return undefined;
  }
}
