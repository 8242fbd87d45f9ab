/**
 * `servitor ui`'s server: the page's files, the services as JSON, their live stream and the actions on
 * one, behind the gate (ui/security.ts), on the loopback address only. A bad request gets its status and
 * one line; nothing a page sends ends the server.
 * @module
 */
import path from "path";
import type { CliContext } from "../cli/context.ts";
import { describeFailure } from "../cli/errors.ts";
import { serviceJsonSchema } from "../service/schema.ts";
import { serviceNameProblem } from "../service/settings.ts";
import { checkSettings, exportYaml, reviewOrApply, reviewOrApplyText, serviceSettings } from "./edit.ts";
import type { Asset } from "./assets.ts";
import { LiveList } from "./events.ts";
import { followOutput, type Stream } from "./output.ts";
import { Gate, plain, SECURITY_HEADERS } from "./security.ts";
import {
  act,
  actions,
  isAction,
  isServitorService,
  type ServiceRow,
  serviceRows,
  ServiceSurvey,
} from "./services.ts";
import { LOOPBACK } from "./options.ts";
import { UsageSampler } from "./process_usage.ts";

/** The largest request body read; the actions need none, so anything bigger is refused unread. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface UiServer {
  /** The address to open, with its one-time token. */
  url: string;
  port: number;
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8" },
  });
}

/** A YAML file to download (export's text), named `file`. */
function yaml(file: string, text: string): Response {
  return new Response(text, {
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "application/yaml; charset=utf-8",
      // A service name may hold quotes or letters a header can't: a plain fallback, and the name as RFC 6266.
      "content-disposition": `attachment; filename="${file.replace(/[^\w.-]/g, "_")}"; filename*=UTF-8''${
        encodeURIComponent(file)
      }`,
    },
  });
}

/** A request's JSON body, read up to the cap; or the answer refusing it (too big, not JSON). */
async function readJson(request: Request): Promise<unknown> {
  const tooBig = () => json(413, { error: `a request body may be ${MAX_BODY_BYTES} bytes at most` });
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return tooBig();
  if (!request.body) return json(400, { error: "the request has no body" });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.length;
    // A body without a length (chunked) is counted as it comes.
    if (size > MAX_BODY_BYTES) return tooBig();
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return json(400, { error: "the request body is not valid JSON" });
  }
}

/** The service name of an address's part, or the answer refusing it. */
function serviceName(part: string): string | Response {
  let name: string;
  try {
    name = decodeURIComponent(part);
  } catch {
    return json(400, { error: "the service name in the address is not valid" });
  }
  const problem = serviceNameProblem(name);
  return problem ? json(400, { error: `'${name}' can't be a service name: ${problem}` }) : name;
}

/** Serves the page on 127.0.0.1:`port` (0: a free one) for `context`'s services. */
export function serveUi(context: CliContext, assets: Map<string, Asset>, port: number): UiServer {
  // CPU percent is the change since the last sample: the live list's once-a-second poll keeps one sampler.
  const usage = new UsageSampler();
  // Stopping waits for every open answer: the event streams are ended first.
  const ending = new AbortController();
  const survey = new ServiceSurvey(context, usage);
  const live = new LiveList<ServiceRow[]>(() => survey.rows());
  const gate = new Gate(LOOPBACK);

  /** Review's or Apply's answer (edit and import alike); after an apply, the live list asks the manager afresh. */
  function reviewed(outcome: { errors: unknown[]; ok: boolean }, applied: boolean): Response {
    if (applied) {
      survey.forget();
      live.refresh();
    }
    return json(outcome.errors.length > 0 ? 422 : outcome.ok ? 200 : 409, outcome);
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method;
    const asset = assets.get(url.pathname);
    if (asset) {
      if (method !== "GET" && method !== "HEAD") {
        return plain(405, "method not allowed", { allow: "GET, HEAD" });
      }
      return new Response(method === "HEAD" ? null : asset.body, {
        headers: { ...SECURITY_HEADERS, "content-type": asset.type },
      });
    }
    if (url.pathname === "/api/services") {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      return json(200, await serviceRows(context));
    }
    if (url.pathname === "/api/events") {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      return live.stream();
    }
    if (url.pathname === "/api/schema") {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      return json(200, serviceJsonSchema());
    }
    if (url.pathname === "/api/check") {
      if (method !== "POST") return plain(405, "method not allowed", { allow: "POST" });
      const body = await readJson(request);
      if (body instanceof Response) return body;
      const { settings } = (body ?? {}) as { settings?: unknown };
      if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
        return json(400, { error: "the body must be { settings: {…} }" });
      }
      return json(200, { issues: checkSettings(context, settings) });
    }
    if (url.pathname === "/api/apply") {
      if (method !== "POST") return plain(405, "method not allowed", { allow: "POST" });
      const body = await readJson(request);
      if (body instanceof Response) return body;
      const { settings, apply } = (body ?? {}) as { settings?: unknown; apply?: unknown };
      if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
        return json(400, { error: "the body must be { settings: {…}, apply: true | false }" });
      }
      return reviewed(await reviewOrApply(context, settings, apply === true), apply === true);
    }
    if (url.pathname === "/api/import") {
      if (method !== "POST") return plain(405, "method not allowed", { allow: "POST" });
      const body = await readJson(request);
      if (body instanceof Response) return body;
      const { text, file, apply } = (body ?? {}) as { text?: unknown; file?: unknown; apply?: unknown };
      if (typeof text !== "string") {
        return json(400, { error: 'the body must be { text: "…", file: "name.yaml", apply: true | false }' });
      }
      // The file's own name is only shown in the lines (file:line: key: …), never opened.
      const shownAs = typeof file === "string" && file.length > 0 ? path.basename(file) : "upload";
      return reviewed(
        await reviewOrApplyText(context, { file: shownAs, text }, apply === true),
        apply === true,
      );
    }
    if (url.pathname === "/api/export") {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      return yaml("servitor-services.yaml", await exportYaml(context, []));
    }
    const exported = url.pathname.match(/^\/api\/services\/([^/]+)\/export$/);
    if (exported) {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      const name = serviceName(exported[1]);
      if (typeof name !== "string") return name;
      if (!await isServitorService(context, name)) {
        return json(404, { error: `no servitor service named '${name}'` });
      }
      return yaml(`${name}.yaml`, await exportYaml(context, [name]));
    }
    const settings = url.pathname.match(/^\/api\/services\/([^/]+)\/settings$/);
    if (settings) {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      const name = serviceName(settings[1]);
      if (typeof name !== "string") return name;
      if (!await isServitorService(context, name)) {
        return json(404, { error: `no servitor service named '${name}'` });
      }
      return json(200, await serviceSettings(context, name));
    }
    const output = url.pathname.match(/^\/api\/services\/([^/]+)\/(stdout|stderr|error-log)$/);
    if (output) {
      if (method !== "GET") return plain(405, "method not allowed", { allow: "GET" });
      const name = serviceName(output[1]);
      if (typeof name !== "string") return name;
      if (!await isServitorService(context, name)) {
        return json(404, { error: `no servitor service named '${name}'` });
      }
      return followOutput(context, name, output[2] as Stream, ending.signal);
    }
    const action = url.pathname.match(/^\/api\/services\/([^/]+)\/([a-z]+)$/);
    if (action) {
      if (method !== "POST") return plain(405, "method not allowed", { allow: "POST" });
      // The actions take no body: one that says it is bigger than the cap is refused unread.
      if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
        return json(413, { error: `a request body may be ${MAX_BODY_BYTES} bytes at most` });
      }
      let name: string;
      try {
        name = decodeURIComponent(action[1]);
      } catch {
        return json(400, { error: "the service name in the address is not valid" });
      }
      const verb = action[2];
      if (!isAction(verb)) {
        return json(404, { error: `'${verb}' is not an action (${actions.join(", ")})` });
      }
      const problem = serviceNameProblem(name);
      if (problem) return json(400, { error: `'${name}' can't be a service name: ${problem}` });
      if (!await isServitorService(context, name)) {
        return json(404, { error: `no servitor service named '${name}'` });
      }
      live.refresh();
      const outcome = await act(context, name, verb);
      survey.forget(name);
      live.refresh();
      return json(outcome.ok ? 200 : 409, outcome);
    }
    return plain(404, "not found");
  }

  const server = Deno.serve({
    hostname: LOOPBACK,
    port,
    onListen: () => {},
    handler: async (request) => {
      try {
        return gate.check(request) ?? await route(request);
      } catch (error) {
        return json(500, { error: describeFailure(error).line });
      }
    },
    onError: (error) => json(500, { error: describeFailure(error).line }),
  });
  gate.port = server.addr.port;
  return {
    url: `${gate.origin}/?token=${gate.token}`,
    port: server.addr.port,
    finished: server.finished,
    shutdown: async () => {
      ending.abort();
      live.close();
      await server.shutdown();
    },
  };
}
