/// <reference lib="dom" />
/**
 * A service's stdout, stderr or error log, live from the server's event stream: its last lines, then each
 * new one.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "htm/preact";

/** The most lines a panel keeps. */
const KEPT_LINES = 1000;

export function OutputPanel({ name, stream }: { name: string; stream: "stdout" | "stderr" | "error-log" }) {
  const title = stream === "error-log" ? "error log" : stream;
  const [lines, setLines] = useState<string[]>([]);
  const [note, setNote] = useState("");
  const end = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setLines([]);
    const events = new EventSource(`/api/services/${encodeURIComponent(name)}/${stream}`);
    events.addEventListener("lines", (event) => {
      const added: string[] = JSON.parse((event as MessageEvent).data);
      setLines((before) => [...before, ...added].slice(-KEPT_LINES));
      setNote("");
    });
    events.addEventListener("note", (event) => setNote(JSON.parse((event as MessageEvent).data)));
    return () => events.close();
  }, [name, stream]);

  useEffect(() => {
    const element = end.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);

  return html`
    <section class="output" aria-labelledby=${`${stream}-heading`}>
      <h3 id=${`${stream}-heading`}>${title}</h3>
      ${note ? html`<p class="status">${note}</p>` : ""}
      <pre ref=${end} role="log" aria-label=${`${title} of ${name}`} tabindex="0" data-stream=${stream}>${lines
        .join("\n")}</pre>
    </section>
  `;
}
