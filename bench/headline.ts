/**
 * The headline of a run: the medians that matter most, servitor beside each peer, in two compact tables
 * (Linux, and Wine against NSSM) — what the README shows. Every figure comes from the run's own tables
 * (looked up by table, row and column ids); the ranges and notes stay in bench/results/latest.md.
 * @module
 */
import { formatNumber, type Table } from "./report.ts";

/** Where a cell's figure is: a table id, a row id and a column key. */
type Source = [table: string, row: string, column: string];

interface Line {
  label: string;
  /** By headline column; absent: not applicable. */
  cells: Record<string, Source | ((get: Getter) => number | undefined)>;
}

type Getter = (source: Source) => number | undefined;

function getter(tables: Table[]): Getter {
  return ([table, row, column]) =>
    tables.find((t) => t.id === table)?.rows.find((r) => r.id === row)?.figures[column]?.median;
}

/** What each extra supervised program adds, from the medians at 1 and at many programs. */
function perProgram(row: string, column: string, tables: Table[]) {
  const many = tables.find((t) => t.id.startsWith("rest-") && t.id !== "rest-1");
  const count = many ? Number(many.id.slice(5)) : 0;
  return (get: Getter) => {
    const one = get(["rest-1", row, column]);
    const all = many ? get([many.id, row, column]) : undefined;
    return one === undefined || all === undefined || count < 2 ? undefined : (all - one) / (count - 1);
  };
}

function render(columns: string[], lines: Line[], get: Getter): string {
  const header = ["", ...columns];
  const rows = lines.map((line) => [
    line.label,
    ...columns.map((column) => {
      const cell = line.cells[column];
      if (!cell) return "";
      const value = typeof cell === "function" ? cell(get) : get(cell);
      return value === undefined ? "—" : formatNumber(value);
    }),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((cells) => cells[i].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [format(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(format)].join(
    "\n",
  );
}

const peers = ["runit", "s6", "daemontools", "supervisord"];
const each = (table: string, column: string, ids: Record<string, string>) =>
  Object.fromEntries(Object.entries(ids).map(([key, row]): [string, Source] => [key, [table, row, column]]));
const samePeers = (table: string, column: string) =>
  each(table, column, Object.fromEntries(peers.map((peer) => [peer, peer])));

/** The two headline tables as Markdown, medians only. */
export function renderHeadline(tables: Table[]): string {
  const get = getter(tables);
  const linuxColumns = ["servitor", ...peers, "systemd", "floor"];
  const linux: Line[] = [
    {
      label: "at rest, 1 program: PSS (MiB)",
      cells: {
        ...each("rest-1", "pss", { servitor: "servitor", floor: "deno" }),
        ...samePeers("rest-1", "pss"),
      },
    },
    {
      label: "each extra program: PSS (MiB)",
      cells: Object.fromEntries(["servitor", ...peers].map((id) => [id, perProgram(id, "pss", tables)])),
    },
    {
      label: "at rest: CPU (% of a core)",
      cells: { ...each("rest-1", "cpu", { servitor: "servitor" }), ...samePeers("rest-1", "cpu") },
    },
    {
      label: "restart (ms)",
      cells: {
        ...each("restart", "restart", { servitor: "servitor" }),
        ...samePeers("restart", "restart"),
        ...each("systemd-latency", "restart", { systemd: "systemd" }),
      },
    },
    {
      label: "stop, exits at once (ms)",
      cells: {
        ...each("stop", "idle", { servitor: "servitor" }),
        ...samePeers("stop", "idle"),
        ...each("systemd-latency", "idle", { systemd: "systemd" }),
      },
    },
    {
      label: "stop, ignores it: kill at 3 s (ms)",
      cells: {
        ...each("stop", "stubborn", { servitor: "servitor" }),
        ...samePeers("stop", "stubborn"),
        ...each("systemd-latency", "stubborn", { systemd: "systemd" }),
      },
    },
    {
      label: "output, plain (MiB/s)",
      cells: each("throughput", "rate", { servitor: "servitor", floor: "floor" }),
    },
    {
      label: "output, rotating (MiB/s)",
      cells: {
        ...each("throughput", "rate", { servitor: "servitor-rotate" }),
        ...samePeers("throughput", "rate"),
      },
    },
    {
      label: "output, timestamps (MiB/s)",
      cells: each("throughput", "rate", { servitor: "servitor-timestamps" }),
    },
    {
      label: "CPU per GiB of output (s)",
      cells: { ...each("throughput", "cpu", { servitor: "servitor" }), ...samePeers("throughput", "cpu") },
    },
    {
      label: "status command (ms)",
      cells: {
        ...each("systemd-cli", "time", { servitor: "servitor-status", systemd: "systemctl-status" }),
        ...samePeers("cli", "time"),
        ...each("cli", "time", { floor: "native" }),
      },
    },
  ];
  const wineColumns = ["servitor", "servitor, bundled", "NSSM", "floor"];
  const wine: Line[] = [
    {
      label: "SCM start → RUNNING (ms)",
      cells: each("wine-scm", "start", {
        servitor: "servitor",
        "servitor, bundled": "servitor-bundle",
        NSSM: "nssm",
        floor: "floor",
      }),
    },
    {
      label: "SCM stop → STOPPED (ms)",
      cells: each("wine-scm", "stop", {
        servitor: "servitor",
        "servitor, bundled": "servitor-bundle",
        NSSM: "nssm",
        floor: "floor",
      }),
    },
    {
      label: "private bytes (MiB)",
      cells: each("wine-rest", "private", {
        servitor: "servitor",
        "servitor, bundled": "servitor-bundle",
        NSSM: "nssm",
        floor: "floor",
      }),
    },
    {
      label: "working set (MiB)",
      cells: each("wine-rest", "working", {
        servitor: "servitor",
        "servitor, bundled": "servitor-bundle",
        NSSM: "nssm",
        floor: "floor",
      }),
    },
    { label: "restart (ms)", cells: each("wine-latency", "restart", { servitor: "servitor", NSSM: "nssm" }) },
    {
      label: "stop, exits on Ctrl-C (ms)",
      cells: each("wine-latency", "idle", { servitor: "servitor", NSSM: "nssm" }),
    },
    {
      label: "stop, ignores Ctrl-C (ms)",
      cells: each("wine-latency", "stubborn", { servitor: "servitor", NSSM: "nssm" }),
    },
    {
      label: "output, plain (MiB/s)",
      cells: each("wine-throughput", "rate", { servitor: "servitor", NSSM: "nssm", floor: "floor" }),
    },
    {
      label: "output, rotating (MiB/s)",
      cells: each("wine-throughput", "rate", { servitor: "servitor-rotate", NSSM: "nssm-rotate" }),
    },
    {
      label: "status command (ms)",
      cells: each("wine-cli", "time", {
        servitor: "servitor-status",
        "servitor, bundled": "servitor-bundle-status",
        NSSM: "nssm-status",
        floor: "native",
      }),
    },
  ];
  return [
    "Linux (floor: a bare `deno run` for memory, `program > file` for output, a native program for commands):",
    "",
    render(linuxColumns, linux, get),
    "",
    "Windows, under Wine 10 (floor: the C service for the SCM and memory, the program writing the file " +
    "itself for output, a native program for commands):",
    "",
    render(wineColumns, wine, get),
  ].join("\n");
}
