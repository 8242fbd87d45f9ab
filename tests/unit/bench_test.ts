import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { ratio, summarize } from "../../bench/stats.ts";
import {
  formatFigure,
  formatNumber,
  formatRatio,
  readmeMarkers,
  renderTable,
  type Results,
  type Table,
  withReadmeSection,
} from "../../bench/report.ts";
import { parseMarks, restartGapsMs } from "../../bench/mark.ts";
import { readTargets } from "../../bench/targets.ts";
import { renderHeadline } from "../../bench/headline.ts";

Deno.test("a figure is the median of its repetitions, with their min and max", () => {
  assertEquals(summarize([5, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
  assertEquals(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assertEquals(summarize([7]), { median: 7, min: 7, max: 7, n: 1 });
});

Deno.test("a contender with no repetitions has no figure, and failed readings are left out", () => {
  assertEquals(summarize([]), undefined);
  assertEquals(summarize([NaN, 2, Infinity]), { median: 2, min: 2, max: 2, n: 1 });
});

Deno.test("a ratio divides two medians, and there is none without both or against zero", () => {
  assertEquals(ratio(summarize([2, 4, 6]), summarize([2])), 2);
  assertEquals(ratio(summarize([1]), undefined), undefined);
  assertEquals(ratio(summarize([1]), summarize([0])), undefined);
});

Deno.test("numbers are written with three significant digits at most", () => {
  assertEquals(formatNumber(1234.56), "1235");
  assertEquals(formatNumber(61.54), "61.5");
  assertEquals(formatNumber(2.687), "2.69");
  assertEquals(formatNumber(0.01234), "0.0123");
  assertEquals(formatNumber(0), "0");
  assertEquals(formatFigure({ median: 3, min: 2, max: 4.5, n: 5 }), "3.00 (2.00–4.50)");
  assertEquals(formatFigure({ median: 3, min: 3, max: 3, n: 5 }), "3.00");
  assertEquals(formatFigure(undefined), "—");
  assertEquals(formatFigure({ median: 20, min: 19, max: 20, n: 3 }, "count"), "20 (19–20)");
  assertEquals(formatRatio(0.5), "×0.500");
  assertEquals(formatRatio(undefined), "—");
});

Deno.test("a table renders its figures, the ratio to its reference, the repetitions and the notes", () => {
  const table: Table = {
    id: "t",
    title: "Restart latency",
    columns: [{ key: "restart", label: "restart", unit: "ms" }],
    rows: [
      { contender: "s6", figures: { restart: summarize([10, 12, 11]) } },
      { contender: "servitor", figures: { restart: summarize([20, 24, 22]) } },
      { contender: "gone", figures: { restart: undefined }, note: "did not start" },
    ],
    ratio: { column: "restart", reference: "s6" },
    notes: ["3 repetitions"],
  };
  const lines = renderTable(table).split("\n");
  assertEquals(lines[0], "### Restart latency");
  assertMatch(lines[2], /^\| contender +\| restart \(ms\) +\| vs s6 +\| n +\|$/);
  assertMatch(lines[4], /^\| s6 +\| 11.0 \(10.0–12.0\) +\| ×1.00 +\| 3 +\|$/);
  assertMatch(lines[5], /^\| servitor +\| 22.0 \(20.0–24.0\) +\| ×2.00 +\| 3 +\|$/);
  assertMatch(lines[6], /^\| gone ¹ +\| — +\| — +\| 0 +\|$/);
  assertOk(lines.includes("- 3 repetitions"));
  assertOk(lines.includes("- ¹ gone: did not start"));
  // Every row of the Markdown table has the same width, so it reads in a terminal too.
  assertEquals(new Set(lines.slice(2, 7).map((line) => line.length)).size, 1);
});

Deno.test("the program's marks give the restart gaps, a half-written last line left out", () => {
  const marks = parseMarks(
    "start 10 1000000\nexit 10 3000000\nstart 11 3001500\nsignal 11 3500000 SIGTERM\nexit 11 5000000\n" +
      "start 12 5000250\ndone 12 6000000 1024 20\nstart 1",
  );
  assertEquals(marks.length, 7);
  assertEquals(marks[3], { kind: "signal", pid: 11, us: 3500000, signal: "SIGTERM" });
  assertEquals(marks[6], { kind: "done", pid: 12, us: 6000000, bytes: 1024, lines: 20 });
  assertEquals(restartGapsMs(marks), [1.5, 0.25]);
});

const oneRowTable = (id: string, rows: Record<string, Record<string, number[]>>): Table => ({
  id,
  title: id,
  columns: [],
  rows: Object.entries(rows).map(([row, figures]) => ({
    id: row,
    contender: row,
    figures: Object.fromEntries(Object.entries(figures).map(([key, values]) => [key, summarize(values)])),
  })),
  notes: [],
});

Deno.test("the targets read the run's medians and say which are short", () => {
  const targets = readTargets([
    oneRowTable("throughput", { floor: { rate: [1000] }, servitor: { rate: [950] }, s6: { rate: [300] } }),
    oneRowTable("restart", { servitor: { restart: [30] }, s6: { restart: [10] } }),
    oneRowTable("rest-1", {
      deno: { pss: [15] },
      servitor: { pss: [19], cpu: [0] },
      "servitor-bundle": { pss: [21] },
    }),
    oneRowTable("wine-rest", {
      deno: { private: [117] },
      servitor: { private: [130] },
      "servitor-bundle": { private: [121] },
      nssm: { private: [11] },
    }),
  ]);
  const byClaim = (start: string) => targets.find((target) => target.claim.startsWith(start))!;
  assertEquals(byClaim("Output, plain").met, true);
  assertMatch(byClaim("Output, plain").reading, /^95% of the floor/);
  assertEquals(byClaim("Restart latency").met, false);
  assertEquals(byClaim("SCM start").met, undefined, "not measured");
  assertEquals(byClaim("At rest: the host within 5 MiB").met, true, "4 MiB above a bare deno run");
  assertEquals(byClaim("At rest, the bundled build: the host within 5 MiB").met, false, "6 MiB above");
  assertEquals(byClaim("Under Wine: the host within 5 MiB").met, false, "13 MiB above a bare deno.exe");
  assertEquals(byClaim("Under Wine, the bundled build: the host within 5 MiB").met, true, "4 MiB above");
});

Deno.test("the start-up targets under Wine are read for each build: 100 ms above the floors at most", () => {
  const targets = readTargets([
    oneRowTable("wine-scm", {
      floor: { start: [100] },
      servitor: { start: [700] },
      "servitor-bundle": { start: [550] },
    }),
    oneRowTable("wine-cli", {
      deno: { time: [400] },
      "servitor-status": { time: [650] },
      "servitor-bundle-status": { time: [480] },
    }),
  ]);
  const byClaim = (start: string) => targets.find((target) => target.claim.startsWith(start))!;
  assertEquals(byClaim("SCM start, the bundled build").met, true);
  assertMatch(byClaim("SCM start, the bundled build").reading, /550 .*= 600 ms$/);
  assertEquals(byClaim("SCM start, from source").met, false);
  assertEquals(byClaim("`ManageService X status`, the bundled build").met, true);
  assertEquals(byClaim("`ManageService X status`, from source").met, false);
});

Deno.test("the headline puts servitor beside each peer, a dash where a figure is missing", () => {
  const headline = renderHeadline([
    oneRowTable("restart", { servitor: { restart: [5, 6, 7] }, runit: { restart: [4] } }),
  ]);
  assertMatch(headline, /\| restart \(ms\) +\| 6\.00 +\| 4\.00 +\| — +\|/);
});

Deno.test("a full run rewrites only the README's Benchmarks section: the date, the machine, the targets, the headline", () => {
  const results: Results = {
    date: "2026-12-02",
    quick: false,
    durationS: 1500,
    machine: {
      cpu: "Some CPU",
      cores: 2,
      memoryGiB: 24,
      os: "Debian",
      kernel: "6.1",
      deno: "2.9.5",
      load: "0.1",
    },
    tables: [],
    targets: [{ claim: "a claim", reading: "a reading", met: true }],
    headline: "| headline |",
    skipped: [],
  };
  const [open, close] = readmeMarkers;
  const readme = `# servitor\n\n## Benchmarks\n\nintro\n\n${open}\nold run\n${close}\n\n## After\n`;
  const once = withReadmeSection(readme, results);
  assertOk(once.startsWith("# servitor\n\n## Benchmarks\n\nintro\n\n"), once);
  assertOk(once.endsWith(`${close}\n\n## After\n`), once);
  assertOk(!once.includes("old run"), "the old run is gone");
  assertMatch(once, /### Latest run — 2026-12-02/);
  assertMatch(once, /Machine: Some CPU, 2 cores, 24 GiB/);
  assertMatch(once, /#### The targets[\s\S]*\| a claim \| a reading \| met \|/);
  assertMatch(once, /#### Headline: medians\n\n\| headline \|/);
  assertMatch(once, /npx deno task bench/);
  assertEquals(withReadmeSection(once, results), once, "a second run of the same results changes nothing");
  assertEquals(withReadmeSection("# no markers\n", results), "# no markers\n");
});
