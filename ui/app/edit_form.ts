/// <reference lib="dom" />
/**
 * The edit (and install) form, generated from the JSON Schema of a service's settings (`servitor schema`):
 * a field per setting by its type — text, a choice for an enum, a number, a box for a flag, one line per item
 * for a list of strings, JSON for anything deeper — so a new setting appears here without page code.
 * Each field is checked as it is typed, by the server with the rules Review and `servitor apply` use
 * (POST /api/check), its problems shown under it. Review shows what `apply --check --diff` would; Apply
 * applies it as `servitor apply` does.
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "htm/preact";
import { requestReview, Review, type ReviewOutcome } from "./review.ts";

interface PropertySchema {
  type?: string;
  enum?: string[];
  items?: { type?: string };
  description?: string;
  default?: unknown;
}

type FieldKind = "text" | "choice" | "number" | "flag" | "lines" | "json";

/** The field a setting gets, by its schema. */
export function fieldKind(schema: PropertySchema): FieldKind {
  if (schema.type === "string") return schema.enum ? "choice" : "text";
  if (schema.type === "integer" || schema.type === "number") return "number";
  if (schema.type === "boolean") return "flag";
  if (schema.type === "array" && schema.items?.type === "string") return "lines";
  return "json";
}

/** A stored value as its field's text. */
function fieldText(kind: FieldKind, value: unknown): string {
  if (value === undefined) return "";
  if (kind === "lines") return (value as string[]).join("\n");
  if (kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

/** The settings the fields say: an empty field is the default (left out, as apply's form leaves it). */
function settingsOf(
  properties: Record<string, PropertySchema>,
  texts: Record<string, string>,
): { settings: Record<string, unknown>; problems: FieldIssue[] } {
  const settings: Record<string, unknown> = {};
  const problems: FieldIssue[] = [];
  for (const [key, schema] of Object.entries(properties)) {
    const kind = fieldKind(schema);
    const text = texts[key] ?? "";
    if (kind === "flag") {
      if ((text === "true") !== (schema.default === true)) settings[key] = text === "true";
      continue;
    }
    if (text.trim() === "") continue;
    if (kind === "number") settings[key] = Number(text);
    else if (kind === "lines") settings[key] = text.split("\n").filter((line) => line !== "");
    else if (kind === "json") {
      try {
        settings[key] = JSON.parse(text);
      } catch {
        problems.push({ key, message: "not valid JSON" });
      }
    } else settings[key] = text;
  }
  return { settings, problems };
}

/** A problem the checks found: the setting's key path (`exit.codes.3`), or none for the whole form. */
interface FieldIssue {
  key?: string;
  message: string;
}

/** How long typing pauses before the form is checked. */
const CHECK_DELAY_MS = 250;

/** The problems of each field (by a key path's first part), and those of no field. */
function issuesByField(issues: FieldIssue[], fields: string[]): Map<string | undefined, string[]> {
  const byField = new Map<string | undefined, string[]>();
  for (const { key, message } of issues) {
    const top = key?.split(".")[0];
    const field = top !== undefined && fields.includes(top) ? top : undefined;
    const said = field === undefined || key === top ? message : `${key}: ${message}`;
    byField.set(field, [...byField.get(field) ?? [], field === undefined && key ? `${key}: ${said}` : said]);
  }
  return byField;
}

export function EditForm({ name, newName }: { name?: string; newName?: string }) {
  const [properties, setProperties] = useState<Record<string, PropertySchema> | undefined>(undefined);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<ReviewOutcome | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState("");
  /** The fields typed in so far: only their problems are shown as the form is typed. */
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const checks = useRef<{ timer?: ReturnType<typeof setTimeout>; asked: number }>({ asked: 0 });

  useEffect(() => {
    if (!properties || touched.size === 0) return;
    clearTimeout(checks.current.timer);
    checks.current.timer = setTimeout(async () => {
      const { settings, problems } = settingsOf(properties, texts);
      const asked = ++checks.current.asked;
      try {
        const response = await fetch("/api/check", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ settings }),
        });
        const answer = await response.json();
        // An answer to an earlier check, overtaken by typing, is dropped.
        if (asked === checks.current.asked) setIssues([...problems, ...answer.issues ?? []]);
      } catch { /* not answering: Review says so */ }
    }, CHECK_DELAY_MS);
    return () => clearTimeout(checks.current.timer);
  }, [texts, properties]);

  useEffect(() => {
    // An answer that comes after the form has gone (another page, another service) is dropped.
    let current = true;
    (async () => {
      try {
        const schema = await (await fetch("/api/schema")).json();
        const stored = name ? await fetch(`/api/services/${encodeURIComponent(name)}/settings`) : undefined;
        if (stored && !stored.ok) throw new Error((await stored.json()).error);
        const values: Record<string, unknown> = stored ? await stored.json() : {};
        const initial: Record<string, string> = {};
        for (const [key, property] of Object.entries(schema.properties as Record<string, PropertySchema>)) {
          const kind = fieldKind(property);
          initial[key] = kind === "flag"
            ? String((values[key] ?? property.default) === true)
            : fieldText(kind, values[key]);
        }
        if (!current) return;
        if (!name && newName) initial.name = newName;
        setTexts(initial);
        setProperties(schema.properties);
      } catch (error) {
        if (current) setLoadError(error instanceof Error ? error.message : String(error));
      }
    })();
    return () => {
      current = false;
    };
  }, [name]);

  async function send(apply: boolean) {
    if (!properties) return;
    const { settings, problems } = settingsOf(properties, texts);
    if (problems.length > 0) {
      return setOutcome({ errors: problems.map(({ key, message }) => `${key}: ${message}`) });
    }
    setBusy(true);
    setOutcome((await requestReview("/api/apply", { settings, apply })).outcome);
    setBusy(false);
  }

  if (loadError) return html`<p class="error" role="alert">${loadError}</p>`;
  if (!properties) return html`<p class="status">Loading the settings…</p>`;
  const set = (key: string, value: string) => {
    setTexts({ ...texts, [key]: value });
    if (!touched.has(key)) setTouched(new Set([...touched, key]));
    setOutcome(undefined);
  };
  const shown = issuesByField(issues, Object.keys(properties));
  return html`
    <p><a href=${name ? `#/service/${encodeURIComponent(name)}` : "#/"}>← Back</a></p>
    <h1>${name ? `Edit ${name}` : "Install a service"}</h1>
    <form class="settings" onSubmit=${(event: Event) => {
      event.preventDefault();
      send(false);
    }}>
      ${(shown.get(undefined) ?? []).length > 0 && touched.size > 0
        ? html`<div class="field-errors" data-form-issues>${
          shown.get(undefined)!.map((line) => html`<p class="error">${line}</p>`)
        }</div>`
        : ""}
      ${Object.entries(properties).map(([key, schema]) => {
        const kind = fieldKind(schema);
        const id = `setting-${key}`;
        const help = schema.description ? html`<small id=${`${id}-help`}>${schema.description}</small>` : "";
        const fieldIssues = touched.has(key) ? shown.get(key) ?? [] : [];
        const problem = fieldIssues.length > 0
          ? html`<small class="error" id=${`${id}-error`} data-issue>${fieldIssues.join("; ")}</small>`
          : "";
        const common = {
          id,
          name: key,
          "aria-describedby": [
            fieldIssues.length > 0 ? `${id}-error` : "",
            schema.description ? `${id}-help` : "",
          ].filter(Boolean).join(" ") || undefined,
          "aria-invalid": fieldIssues.length > 0 ? "true" : undefined,
          readOnly: key === "name" && name !== undefined,
        };
        const placeholder = schema.default === undefined ? "" : `default: ${JSON.stringify(schema.default)}`;
        const input = kind === "choice"
          ? html`<select ...${common} value=${texts[key]} onChange=${(event: Event) =>
            set(key, (event.target as HTMLSelectElement).value)}>
            <option value="">${placeholder || "(not set)"}</option>
            ${schema.enum!.map((value) => html`<option value=${value}>${value}</option>`)}
          </select>`
          : kind === "flag"
          ? html`
            <input type="checkbox" ...${common} checked=${texts[key] === "true"}
              onChange=${(event: Event) => set(key, String((event.target as HTMLInputElement).checked))} />
          `
          : kind === "lines" || kind === "json"
          ? html`
            <textarea ...${common} rows=${kind === "json" ? 4 : 2} placeholder=${kind === "lines"
              ? "one a line"
              : placeholder}
              value=${texts[key]} onInput=${(event: Event) =>
                set(key, (event.target as HTMLTextAreaElement).value)} />
          `
          : html`
            <input type=${kind === "number" ? "number" : "text"} ...${common} value=${texts[key]}
              placeholder=${placeholder}
              onInput=${(event: Event) => set(key, (event.target as HTMLInputElement).value)} />
          `;
        return html`
          <div class="field"
            data-setting=${key}><label for=${id}>${key}${kind === "json"
              ? " (JSON)"
              : ""}</label>${input}${problem}${help}</div>
        `;
      })}
      <div class="toolbar">
        <button type="submit" disabled=${busy}>Review</button>
        <button type="button" disabled=${busy} onClick=${() => send(true)}>Apply</button>
        ${busy ? html`<span class="status" role="status">working…</span>` : ""}
      </div>
    </form>
    <${Review} outcome=${outcome} />
  `;
}
