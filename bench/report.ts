/**
 * The results of one `deno task bench` run — tables of figures, the machine, the targets read against
 * them — and their Markdown rendering (bench/results/latest.md, the README's Benchmarks section).
 * Pure functions, unit-tested.
 * @module
 */
import { type Figure, ratio } from "./stats.ts";

/** How a column's figures are written. */
export type Unit = "ms" | "s" | "MiB" | "MiB/s" | "% of a core" | "count";

export interface Column {
  key: string;
  label: string;
  unit: Unit;
}

/** One contender's figures, by column key; a missing figure is written "—" with the note saying why. */
export interface Row {
  /** Stable, for the JSON and the targets (the contender's id). */
  id?: string;
  contender: string;
  figures: Record<string, Figure | undefined>;
  note?: string;
}

export interface Table {
  id: string;
  title: string;
  columns: Column[];
  rows: Row[];
  /** A ratio column: each row's `column` median over the `reference` row's, in this same run. */
  ratio?: { column: string; reference: string };
  notes: string[];
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  deno: string;
  /** What else ran: the load average when the run began and ended. */
  load: string;
}

/**
 * A target the issue states, read against this run's figures: met or not, "reported" where the target is
 * to report a figure, undefined when it was not measured.
 */
export interface Target {
  claim: string;
  reading: string;
  met: boolean | "reported" | undefined;
}

export interface Results {
  date: string;
  /** The headline tables (bench/headline.ts), Markdown. */
  headline?: string;
  quick: boolean;
  durationS: number;
  machine: Machine;
  tables: Table[];
  targets: Target[];
  /** Measures that did not run here, each with the reason. */
  skipped: string[];
}

/**
 * A number as people read it: three significant digits at most, no trailing zeros beyond that.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./report.ts";
 * formatNumber(1234.5); // "1235"
 * formatNumber(12.345); // "12.3"
 * formatNumber(0.01234); // "0.0123"
 * ```
 */
export function formatNumber(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  const decimals = Math.min(6, 2 - Math.floor(Math.log10(magnitude)));
  return value.toFixed(decimals);
}

/** `median (min–max)`, or `median` alone when all repetitions agree; counts without decimals. */
export function formatFigure(figure: Figure | undefined, unit?: Unit): string {
  if (!figure) return "—";
  const format = unit === "count" ? (value: number) => String(Math.round(value * 2) / 2) : formatNumber;
  const median = format(figure.median);
  if (figure.n === 1 || figure.min === figure.max) return median;
  return `${median} (${format(figure.min)}–${format(figure.max)})`;
}

/** `×1.23` of a ratio, three significant digits; "—" when there is none. */
export function formatRatio(value: number | undefined): string {
  return value === undefined ? "—" : `×${formatNumber(value)}`;
}

/** One table as Markdown: a heading, the figures (median, min–max, repetitions), a ratio column, notes. */
export function renderTable(table: Table): string {
  const header = [
    "contender",
    ...table.columns.map((c) => c.unit === "count" ? c.label : `${c.label} (${c.unit})`),
  ];
  const reference = table.ratio && table.rows.find((row) => row.contender === table.ratio!.reference);
  if (table.ratio) header.push(`vs ${table.ratio.reference}`);
  header.push("n");
  const lines = [header];
  for (const row of table.rows) {
    const cells = [row.contender, ...table.columns.map((c) => formatFigure(row.figures[c.key], c.unit))];
    if (table.ratio) {
      const column = table.ratio.column;
      cells.push(formatRatio(ratio(row.figures[column], reference?.figures[column])));
    }
    const counts = Object.values(row.figures).filter((f): f is Figure => f !== undefined).map((f) => f.n);
    cells.push(counts.length ? String(Math.min(...counts)) : "0");
    if (row.note) cells[0] += ` ¹`;
    lines.push(cells);
  }
  const widths = header.map((_, i) => Math.max(3, ...lines.map((cells) => cells[i].length)));
  const render = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const out = [
    `### ${table.title}`,
    "",
    render(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
  ];
  for (const cells of lines.slice(1)) out.push(render(cells));
  const notes = [...table.notes];
  for (const row of table.rows) if (row.note) notes.push(`¹ ${row.contender}: ${row.note}`);
  if (notes.length) out.push("", ...notes.map((note) => `- ${note}`));
  return out.join("\n");
}

/** The machine and the date, and the targets read against the run: what every rendering starts with. */
function summary(results: Results, heading: string): string[] {
  const { machine } = results;
  const out = [
    `${heading} — ${results.date}${results.quick ? " (quick run: fewer repetitions, shorter runs)" : ""}`,
    "",
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}, Linux ` +
    `${machine.kernel}; Deno ${machine.deno}. Load average: ${machine.load}. The run took ` +
    `${Math.round(results.durationS / 60)} min.`,
    "",
    "Each cell is the median of n repetitions with (min–max); the ratio column divides medians taken in " +
    "this same run. Nothing here asserts a time: these are readings, not tests.",
  ];
  if (results.targets.length) {
    out.push("", "### The targets, read against this run", "");
    out.push("| target | reading | |", "| --- | --- | --- |");
    for (const target of results.targets) {
      const verdict = target.met === undefined
        ? "not measured"
        : target.met === "reported"
        ? "reported"
        : target.met
        ? "met"
        : "**short**";
      out.push(`| ${target.claim} | ${target.reading} | ${verdict} |`);
    }
  }
  if (results.headline) out.push("", "### Headline: medians", "", results.headline);
  return out;
}

/** The whole run as Markdown: the machine, how it was run, the targets, then every table. */
export function renderResults(results: Results): string {
  const out = summary(results, "## Benchmark results");
  for (const table of results.tables) out.push("", renderTable(table));
  if (results.skipped.length) {
    out.push("", "### Not measured in this run", "", ...results.skipped.map((line) => `- ${line}`));
  }
  return out.join("\n") + "\n";
}

/** The README's Benchmarks section between these lines, rewritten by every full run. */
export const readmeMarkers = ["<!-- bench: written by `deno task bench` -->", "<!-- /bench -->"] as const;

/**
 * `readme` with its Benchmarks section replaced by the run's summary (the machine, the date, the targets
 * and the headline), and how to reproduce it; unchanged when the markers are missing.
 */
export function withReadmeSection(readme: string, results: Results): string {
  const [open, close] = readmeMarkers;
  const from = readme.indexOf(open);
  const to = readme.indexOf(close, from);
  if (from === -1 || to === -1) return readme;
  const section = [
    ...summary(results, "### Latest run").map((line) => line.replace(/^### (?!Latest)/, "#### ")),
    "",
    "Reproduce on a Debian or Ubuntu machine with root: `npm ci && npx deno task bench` (about half an " +
    "hour; `--quick` for a shorter run of every measure, `--only throughput,wine:scm,…` for some). Peers " +
    "missing from the machine are installed from Debian's packages. Every table, range and note: " +
    "[bench/results/latest.md](bench/results/latest.md), the figures in latest.json beside it.",
  ];
  return `${readme.slice(0, from + open.length)}\n${section.join("\n")}\n${readme.slice(to)}`;
}
