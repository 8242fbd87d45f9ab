/// <reference lib="dom" />
/**
 * servitor's page: the services table, live from the server's event stream (no polling here), a filter,
 * and start / stop / restart / continue on the selected services. htm's tagged templates give Preact's
 * views without a JSX step, so the page is checked and bundled like any TypeScript.
 * @module
 */
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { html } from "htm/preact";
import type { Action, ServiceRow } from "../services.ts";
import { OutputPanel } from "./output_panel.ts";
import { EditForm } from "./edit_form.ts";
import { ImportPage } from "./import_page.ts";
import { formatBytes, formatPercent, formatUptime, stateWord, uptimeSince } from "./format.ts";

const actions: Action[] = ["start", "stop", "restart", "continue"];

/** Sends `action` for `name`; the failure's one sentence, or undefined when it worked. */
async function send(name: string, action: Action): Promise<string | undefined> {
  try {
    const response = await fetch(`/api/services/${encodeURIComponent(name)}/${action}`, { method: "POST" });
    const body = await response.json().catch(() => ({}));
    return response.ok
      ? undefined
      : (body.error ?? `${action} ${name}: the server answered ${response.status}`);
  } catch {
    return `${action} ${name}: servitor ui is not answering (was it stopped?)`;
  }
}

/**
 * A render a second while `counting` (a program's uptime is shown): the server sends the start, not the
 * uptime, so that a list at rest sends nothing, and the page counts the seconds itself.
 */
function useSecondTick(counting: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!counting) return;
    const timer = setInterval(() => setTick((tick) => tick + 1), 1000);
    return () => clearInterval(timer);
  }, [counting]);
}

function App() {
  const [services, setServices] = useState<ServiceRow[] | undefined>(undefined);
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Map<string, Action>>(new Map());
  const [errors, setErrors] = useState<string[]>([]);
  const [connection, setConnection] = useState("connecting…");
  const [route, setRoute] = useState(location.hash);

  useEffect(() => {
    const changed = () => setRoute(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);

  useEffect(() => {
    const events = new EventSource("/api/events");
    events.addEventListener("services", (event) => {
      setServices(JSON.parse((event as MessageEvent).data));
      setConnection("live");
    });
    events.addEventListener("failure", (event) => setErrors([JSON.parse((event as MessageEvent).data)]));
    events.onerror = () => setConnection("disconnected: retrying…");
    return () => events.close();
  }, []);

  const shown = useMemo(() => {
    const words = filter.trim().toLowerCase();
    return (services ?? []).filter((service) =>
      !words ||
      [service.name, service.displayName ?? "", service.state].some((text) =>
        text.toLowerCase().includes(words)
      )
    );
  }, [services, filter]);
  const chosen = shown.filter((service) => selected.has(service.name));
  useSecondTick((services ?? []).some((service) => service.programStartedAt !== undefined));

  function toggle(name: string) {
    const next = new Set(selected);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setSelected(next);
  }

  async function run(action: Action, names = chosen.map((service) => service.name)): Promise<string[]> {
    setErrors([]);
    setPending((before) => new Map([...before, ...names.map((name) => [name, action] as const)]));
    const failures = await Promise.all(names.map(async (name) => {
      const failure = await send(name, action);
      setPending((before) => {
        const next = new Map(before);
        next.delete(name);
        return next;
      });
      return failure;
    }));
    const failed = failures.filter((failure): failure is string => failure !== undefined);
    setErrors(failed);
    return failed;
  }

  const allShownSelected = shown.length > 0 && chosen.length === shown.length;
  if (route.startsWith("#/edit/")) {
    // Keyed by the route: each form is a new one, so another service's settings (or the install form's blanks)
    // never show, typed into, until its own settings arrive and replace them.
    return html`<${EditForm} key=${route} name=${decodeURIComponent(route.slice("#/edit/".length))} />`;
  }
  if (route === "#/install") return html`<${EditForm} key=${route} />`;
  if (route.startsWith("#/install/")) {
    // nssm's `install <name>`: the install form with the name filled in.
    return html`<${EditForm} key=${route} newName=${decodeURIComponent(route.slice("#/install/".length))} />`;
  }
  if (route === "#/import") return html`<${ImportPage} />`;
  const opened = route.startsWith("#/service/")
    ? decodeURIComponent(route.slice("#/service/".length))
    : undefined;
  if (opened !== undefined) {
    const service = services?.find((each) => each.name === opened);
    return html`
      <${ServicePage} name=${opened} service=${service} pending=${pending.get(opened)}
        errors=${errors} run=${(action: Action) => run(action, [opened])} />
    `;
  }
  return html`
    <h1>servitor</h1>
    <p class="links"><a href="#/install">Install a service</a> · <a href="#/import">Import</a> · <a
      href="/api/export" download>Export all (YAML)</a></p>
    <div class="toolbar" role="toolbar" aria-label="Actions on the selected services">
      <label for="filter" class="visually-hidden">Filter services</label>
      <input id="filter" type="search" placeholder="Filter services" value=${filter}
        onInput=${(event: Event) => setFilter((event.target as HTMLInputElement).value)} />
      ${actions.map((action) =>
        html`
          <button type="button" disabled=${chosen.length === 0} onClick=${() => run(action)}
            aria-label=${`${action} the selected services`}>${action[0].toUpperCase() +
              action.slice(1)}</button>
        `
      )}
      <span class="status" role="status" aria-live="polite">
        ${services === undefined
          ? connection
          : `${shown.length} of ${services.length} services · ${connection}`}
      </span>
    </div>
    <div role="alert">${errors.map((error) => html`<p class="error">${error}</p>`)}</div>
    <table aria-label="Services">
      <thead>
        <tr>
          <th scope="col"><input type="checkbox" aria-label="Select every service shown" checked=${allShownSelected}
            onChange=${() =>
              setSelected(
                allShownSelected ? new Set() : new Set(shown.map((service) => service.name)),
              )} /></th>
          <th scope="col">Name</th>
          <th scope="col">Display name</th>
          <th scope="col">State</th>
          <th scope="col" class="number">Host pid</th>
          <th scope="col" class="number">Program pid</th>
          <th scope="col" class="number">Uptime</th>
          <th scope="col" class="number">Restarts</th>
          <th scope="col" class="number">CPU</th>
          <th scope="col" class="number">Memory</th>
          <th scope="col">Last reason</th>
          <th scope="col">Start</th>
          <th scope="col">Account</th>
        </tr>
      </thead>
      <tbody>
        ${shown.map((service) => {
          const action = pending.get(service.name);
          return html`
            <tr key=${service.name} class=${selected.has(service.name) ? "selected" : ""}
              data-service=${service.name}>
              <td><input type="checkbox" aria-label=${`Select ${service.name}`} checked=${selected.has(
                service.name,
              )}
                          onChange=${() => toggle(service.name)} /></td>
              <th scope="row"><a href=${`#/service/${encodeURIComponent(service.name)}`}>${service
                .name}</a></th>
              <td>${service.displayName ?? ""}</td>
              <td><span class=${`state state-${service.state}`} data-state=${service.state}>${stateWord(
                service.state,
              )}</span>
                          ${action
                            ? html`
                              <span class="status" aria-live="polite">(${action}…)</span>
                            `
                            : ""}</td>
              <td class="number">${service.hostPid ?? ""}</td>
              <td class="number program-pid">${service.programPid ?? ""}</td>
              <td class="number">${formatUptime(uptimeSince(service.programStartedAt))}</td>
              <td class="number">${service.restarts ?? ""}</td>
              <td class="number cpu">${formatPercent(service.cpuPercent)}</td>
              <td class="number memory">${formatBytes(service.memoryBytes)}</td>
              <td>${service.state === "running" ? "" : (service.reason ?? "")}</td>
              <td>${service.start ?? ""}</td>
              <td>${service.account ?? ""}</td>
            </tr>
          `;
        })}
      </tbody>
    </table>
    ${services !== undefined && services.length === 0
      ? html`<p class="status">No servitor services here yet.</p>`
      : ""}
  `;
}

/** One service: its status, its actions, its output live. */
function ServicePage(
  { name, service, pending, errors, run }: {
    name: string;
    service?: ServiceRow;
    pending?: Action;
    errors: string[];
    run: (action: Action) => Promise<string[]>;
  },
) {
  const [confirming, setConfirming] = useState(false);
  async function remove() {
    setConfirming(false);
    // Gone from the service manager: back to the list, which no longer shows it.
    if ((await run("remove")).length === 0) location.hash = "#/";
  }
  useEffect(() => {
    document.title = `${name} · servitor`;
    return () => document.title = "servitor";
  }, [name]);
  return html`
    <p><a href="#/">← All services</a></p>
    <h1>${name}${service?.displayName && service.displayName !== name
      ? html`
        <small>${service.displayName}</small>
      `
      : ""}</h1>
    ${service === undefined ? html`<p class="status">No servitor service named ${name} (yet).</p>` : html`
      <dl class="facts">
        <dt>State</dt><dd><span class=${`state state-${service.state}`} data-state=${service
          .state}>${stateWord(service.state)}</span>${pending
          ? html`
            <span class="status">(${pending}…)</span>
          `
          : ""}</dd>
        ${service.reason && service.state !== "running"
          ? html`
            <dt>Last reason</dt>
            <dd>${service.reason}</dd>
          `
          : ""}
        <dt>Host pid</dt><dd>${service.hostPid ?? "—"}</dd>
        <dt>Program pid</dt><dd>${service.programPid ?? "—"}</dd>
        <dt>Uptime</dt><dd>${formatUptime(uptimeSince(service.programStartedAt)) || "—"}</dd>
        <dt>Restarts</dt><dd>${service.restarts ?? "—"}</dd>
        <dt>Start</dt><dd>${service.start ?? "—"}</dd>
        <dt>Account</dt><dd>${service.account ?? "—"}</dd>
      </dl>
      <div class="toolbar" role="toolbar" aria-label=${`Actions on ${name}`}>
        ${[...actions, "rotate" as const].map((action) =>
          html`
            <button type="button" disabled=${pending !== undefined} onClick=${() => run(action)}
              aria-label=${`${action} ${name}`}>${action[0].toUpperCase() + action.slice(1)}</button>
          `
        )}
        <button type="button" disabled=${pending !== undefined || confirming} onClick=${() =>
          setConfirming(true)} aria-label=${`remove ${name}`}>Remove…</button>
      </div>
      ${confirming
        ? html`
          <div class="confirm" role="group" aria-label="Confirm the removal">
            <p>Remove ${name}? It is stopped and taken out of the service manager; its stored configuration
              stays (ManageService ${name} reinstall brings it back).</p>
            <button type="button" class="danger" onClick=${remove} data-confirm-remove>${`Remove ${name}`}</button>
            <button type="button" onClick=${() => setConfirming(false)}>Cancel</button>
          </div>
        `
        : ""}
    `}
    <p class="links"><a href=${`#/edit/${encodeURIComponent(name)}`}>Edit settings</a> · <a
      href=${`/api/services/${encodeURIComponent(name)}/export`} download>Export (YAML)</a></p>
    <div role="alert">${errors.map((error) => html`<p class="error">${error}</p>`)}</div>
    <${OutputPanel} name=${name} stream="stdout" />
    <${OutputPanel} name=${name} stream="stderr" />
    <${OutputPanel} name=${name} stream="error-log" />
  `;
}

render(html`<${App} />`, document.getElementById("app")!);
