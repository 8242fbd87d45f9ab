/// <reference lib="dom" />
/**
 * What Edit, Install and Import share: asking the server for apply's review (`apply --check --diff`) or
 * its apply, and showing the answer — the errors, or the diff before Apply.
 * @module
 */
import { html } from "htm/preact";

/** The server's answer to a review or an apply (POST /api/apply, /api/import). */
export interface ReviewOutcome {
  errors?: string[];
  lines?: string[];
  ok?: boolean;
  error?: string;
}

/** POSTs `body` as JSON to `url`; the answer, and whether the server took it. */
export async function requestReview(
  url: string,
  body: unknown,
): Promise<{ outcome: ReviewOutcome; ok: boolean }> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { outcome: await response.json(), ok: response.ok };
  } catch {
    return { outcome: { error: "servitor ui is not answering (was it stopped?)" }, ok: false };
  }
}

/** The answer as the page shows it: the error, each input error, the diff. */
export function Review({ outcome }: { outcome?: ReviewOutcome }) {
  if (!outcome) return null;
  return html`<section aria-live="polite" class="review">
    ${outcome.error ? html`<p class="error" role="alert">${outcome.error}</p>` : ""}
    ${
    (outcome.errors ?? []).length > 0
      ? html`<div role="alert">${outcome.errors!.map((error) => html`<p class="error">${error}</p>`)}</div>`
      : ""
  }
    ${(outcome.lines ?? []).length > 0 ? html`<pre data-review>${outcome.lines!.join("\n")}</pre>` : ""}
  </section>`;
}
