/**
 * The targets issues 8 and 17 state, read against one run's tables: each becomes a line of the results with the
 * reading and whether it is met. Pure; tables and rows are looked up by their ids.
 * @module
 */
import { formatNumber, type Table, type Target } from "./report.ts";
import type { Figure } from "./stats.ts";

/** What issue 17 allows servitor's own start-up above Deno's, under Wine. */
const START_MARGIN_MS = 100;

type Lookup = (table: string, row: string, column: string) => Figure | undefined;

function lookup(tables: Table[]): Lookup {
  return (table, row, column) =>
    tables.find((t) => t.id === table)?.rows.find((r) => r.id === row)?.figures[column];
}

/** Issue 17's goal for memory at rest: the host at most this far above Deno's own floor. */
const MEMORY_ABOVE_DENO_MIB = 5;

const n = (figure: Figure | undefined) => figure ? formatNumber(figure.median) : "—";
const percent = (value: number) => `${Math.round(value * 100)}%`;

/** Every target the issue states, in its order; those whose figures are missing say "not measured". */
export function readTargets(tables: Table[]): Target[] {
  const get = lookup(tables);
  const targets: Target[] = [];
  const add = (claim: string, reading: string | undefined, met: Target["met"]) =>
    targets.push(reading === undefined ? { claim, reading: "—", met: undefined } : { claim, reading, met });

  // Output, Linux.
  const floor = get("throughput", "floor", "rate");
  const plain = get("throughput", "servitor", "rate");
  add(
    "Output, plain redirection: at least 90% of the `program > file` floor (Linux)",
    floor && plain
      ? `${percent(plain.median / floor.median)} of the floor (${n(plain)} vs ${n(floor)} MiB/s)`
      : undefined,
    floor && plain ? plain.median >= 0.9 * floor.median : undefined,
  );
  const rotate = get("throughput", "servitor-rotate", "rate");
  const peers = ["runit", "s6", "daemontools", "supervisord"]
    .map((id) => ({ id, rate: get("throughput", id, "rate") }))
    .filter((peer): peer is { id: string; rate: Figure } => peer.rate !== undefined);
  const best = peers.sort((a, b) => b.rate.median - a.rate.median)[0];
  add(
    "Output with online rotation: ahead of every peer logger with rotation on (Linux)",
    rotate && best
      ? `servitor ${n(rotate)} MiB/s; the fastest peer, ${best.id}, ${n(best.rate)} MiB/s (×${
        formatNumber(rotate.median / best.rate.median)
      })`
      : undefined,
    rotate && best ? rotate.median > best.rate.median : undefined,
  );

  // Under Wine, against NSSM.
  const wineRead = (
    servitorId: string,
    nssmId: string,
    table: string,
    column: string,
    higherIsBetter: boolean,
  ) => {
    const ours = get(table, servitorId, column);
    const theirs = get(table, nssmId, column);
    if (!ours || !theirs) return { reading: undefined, met: undefined };
    const met = higherIsBetter ? ours.median >= theirs.median : ours.median <= theirs.median;
    return {
      reading: `servitor ${n(ours)}, NSSM ${n(theirs)} (×${formatNumber(ours.median / theirs.median)})`,
      met,
    };
  };
  for (
    const [label, ours, theirs] of [
      ["plain", "servitor", "nssm"],
      ["with online rotation", "servitor-rotate", "nssm-rotate"],
    ]
  ) {
    const { reading, met } = wineRead(ours, theirs, "wine-throughput", "rate", true);
    add(`Under Wine: output throughput ${label} at least NSSM's (MiB/s)`, reading, met);
  }
  for (
    const [label, column] of [
      ["restart latency", "restart"],
      ["stop latency, a program that exits on Ctrl-C", "idle"],
      ["stop latency, a program that ignores Ctrl-C", "stubborn"],
    ]
  ) {
    const { reading, met } = wineRead("servitor", "nssm", "wine-latency", column, false);
    add(`Under Wine: ${label} no worse than NSSM's (ms)`, reading, met);
  }
  const ourMemory = get("wine-rest", "servitor", "private");
  const theirMemory = get("wine-rest", "nssm", "private");
  add(
    "Under Wine: memory reported beside NSSM's (private bytes, MiB)",
    ourMemory && theirMemory
      ? `servitor's host ${n(ourMemory)} MiB private (${
        n(get("wine-rest", "servitor", "working"))
      } working set); ` +
        `NSSM ${n(theirMemory)} MiB (${n(get("wine-rest", "nssm", "working"))}): ×${
          formatNumber(ourMemory.median / theirMemory.median)
        }`
      : undefined,
    ourMemory && theirMemory ? "reported" : undefined,
  );
  const wineBare = get("wine-rest", "deno", "private");
  add(
    `Under Wine: the host within ${MEMORY_ABOVE_DENO_MIB} MiB of a bare deno.exe (private bytes)`,
    ourMemory && wineBare
      ? `host ${n(ourMemory)} MiB, ${formatNumber(ourMemory.median - wineBare.median)} MiB above a bare ` +
        `\`deno.exe run\` (${n(wineBare)})`
      : undefined,
    ourMemory && wineBare ? ourMemory.median - wineBare.median <= MEMORY_ABOVE_DENO_MIB : undefined,
  );
  const bundledMemory = get("wine-rest", "servitor-bundle", "private");
  add(
    `Under Wine, the bundled build: the host within ${MEMORY_ABOVE_DENO_MIB} MiB of a bare deno.exe (private bytes)`,
    bundledMemory && wineBare
      ? `host ${n(bundledMemory)} MiB, ${formatNumber(bundledMemory.median - wineBare.median)} MiB above a ` +
        `bare \`deno.exe run\` (${n(wineBare)})`
      : undefined,
    bundledMemory && wineBare ? bundledMemory.median - wineBare.median <= MEMORY_ABOVE_DENO_MIB : undefined,
  );

  // Restart latency, Linux.
  const ours = get("restart", "servitor", "restart");
  const s6 = get("restart", "s6", "restart");
  const runit = get("restart", "runit", "restart");
  add(
    "Restart latency within 2× s6's (Linux)",
    ours && s6
      ? `servitor ${n(ours)} ms, s6 ${n(s6)} ms (×${formatNumber(ours.median / s6.median)})` +
        (runit ? `; runit ${n(runit)} ms (×${formatNumber(ours.median / runit.median)})` : "")
      : undefined,
    ours && s6 ? ours.median <= 2 * s6.median : undefined,
  );

  // At rest, Linux.
  const cpu = get("rest-1", "servitor", "cpu");
  add(
    "At rest: no CPU beyond timers, under 0.1% of a core (Linux, one program)",
    cpu ? `${n(cpu)}% of a core (max ${formatNumber(cpu.max)}%)` : undefined,
    cpu ? cpu.median < 0.1 : undefined,
  );
  const host = get("rest-1", "servitor", "pss");
  const bare = get("rest-1", "deno", "pss");
  const many = tables.find((t) => t.id.startsWith("rest-") && t.id !== "rest-1");
  const count = many ? Number(many.id.slice(5)) : 0;
  const hostMany = many ? get(many.id, "servitor", "pss") : undefined;
  const rssOne = get("rest-1", "servitor", "rss");
  const rssMany = many ? get(many.id, "servitor", "rss") : undefined;
  add(
    `At rest: the host within ${MEMORY_ABOVE_DENO_MIB} MiB PSS of a bare \`deno run\`; per extra program (Linux)`,
    host && bare
      ? `host ${n(host)} MiB PSS, ${formatNumber(host.median - bare.median)} MiB above a bare \`deno run\` ` +
        `(${n(bare)})` +
        (hostMany && count > 1
          ? `; each extra program ${formatNumber((hostMany.median - host.median) / (count - 1))} MiB PSS` +
            (rssOne && rssMany
              ? `, ${formatNumber((rssMany.median - rssOne.median) / (count - 1))} MiB RSS`
              : "") +
            " (one host per program)"
          : "")
      : undefined,
    host && bare ? host.median - bare.median <= MEMORY_ABOVE_DENO_MIB : undefined,
  );
  const bundledHost = get("rest-1", "servitor-bundle", "pss");
  add(
    `At rest, the bundled build: the host within ${MEMORY_ABOVE_DENO_MIB} MiB PSS of a bare \`deno run\` (Linux)`,
    bundledHost && bare
      ? `host ${n(bundledHost)} MiB PSS, ${
        formatNumber(bundledHost.median - bare.median)
      } MiB above a bare ` +
        `\`deno run\` (${n(bare)})`
      : undefined,
    bundledHost && bare ? bundledHost.median - bare.median <= MEMORY_ABOVE_DENO_MIB : undefined,
  );

  // Start-up under Wine (issue 17), for each build: the bundled one is what a compiled exe loads.
  const floorStart = get("wine-scm", "floor", "start");
  const denoStart = get("wine-cli", "deno", "time");
  for (
    const [build, scmRow, statusRow] of [
      ["the bundled build", "servitor-bundle", "servitor-bundle-status"],
      ["from source", "servitor", "servitor-status"],
    ]
  ) {
    const start = get("wine-scm", scmRow, "start");
    add(
      `SCM start, ${build}: within the C floor plus Deno's own start-up plus 100 ms (Wine, ` +
        "StartServiceW → RUNNING)",
      start && floorStart && denoStart
        ? `servitor ${n(start)} ms; floor ${n(floorStart)} + Deno ${n(denoStart)} + 100 = ${
          formatNumber(floorStart.median + denoStart.median + START_MARGIN_MS)
        } ms`
        : undefined,
      start && floorStart && denoStart
        ? start.median <= floorStart.median + denoStart.median + START_MARGIN_MS
        : undefined,
    );
    const status = get("wine-cli", statusRow, "time");
    add(
      `\`ManageService X status\`, ${build}: within an empty deno.exe program's start-up plus 100 ms (Wine)`,
      status && denoStart
        ? `servitor ${n(status)} ms; empty deno.exe ${n(denoStart)} + 100 = ${
          formatNumber(denoStart.median + START_MARGIN_MS)
        } ms`
        : undefined,
      status && denoStart ? status.median <= denoStart.median + START_MARGIN_MS : undefined,
    );
  }
  return targets;
}
