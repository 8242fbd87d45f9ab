/// <reference lib="dom" />
/**
 * Import: a file in the form `servitor apply` takes (an export, say) chosen here, reviewed as
 * `apply --check --diff` shows it, then applied as `servitor apply FILE` applies it (POST /api/import).
 * @module
 */
import { useState } from "preact/hooks";
import { html } from "htm/preact";
import { requestReview, Review, type ReviewOutcome } from "./review.ts";

export function ImportPage() {
  const [file, setFile] = useState<{ name: string; text: string } | undefined>(undefined);
  const [outcome, setOutcome] = useState<ReviewOutcome | undefined>(undefined);
  const [reviewed, setReviewed] = useState(false);
  const [busy, setBusy] = useState(false);

  async function send(chosen: { name: string; text: string }, apply: boolean) {
    setBusy(true);
    const { outcome, ok } = await requestReview("/api/import", {
      text: chosen.text,
      file: chosen.name,
      apply,
    });
    setOutcome(outcome);
    // Apply is offered once a review found nothing wrong, and not again after it applied.
    setReviewed(!apply && ok);
    setBusy(false);
  }

  async function choose(event: Event) {
    const picked = (event.target as HTMLInputElement).files?.[0];
    setOutcome(undefined);
    setReviewed(false);
    if (!picked) return setFile(undefined);
    const chosen = { name: picked.name, text: await picked.text() };
    setFile(chosen);
    await send(chosen, false);
  }

  return html`
    <p><a href="#/">← All services</a></p>
    <h1>Import services</h1>
    <p>A file as <code>servitor apply</code> takes it (what Export gives): its changes are reviewed first.
      Services it doesn't name are left alone.</p>
    <div class="toolbar">
      <label for="import-file">YAML or JSON file</label>
      <input id="import-file" type="file" accept=".yaml,.yml,.json,application/yaml,application/json"
        onChange=${choose} />
      <button type="button" disabled=${busy || !file || !reviewed} onClick=${() => file && send(file, true)}>
        Apply</button>
      ${busy ? html`<span class="status" role="status">working…</span>` : ""}
    </div>
    <${Review} outcome=${outcome} />
  `;
}
