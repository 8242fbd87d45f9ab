/**
 * Desired state at scale, under systemd: `servitor apply` of N services that are already as described (the
 * time, and how many service-manager changes it made — there must be none: no unit file rewritten, nothing
 * reported changed), beside N `InstallService --replace` runs doing the same by hand, and `export --all`.
 * @module
 */
import path from "path";
import type { Row, Table } from "../report.ts";
import { summarize } from "../stats.ts";

const main = path.join(import.meta.dirname!, "..", "..", "cli", "main.ts");

async function servitor(args: string[]): Promise<{ ms: number; code: number; stdout: string }> {
  const started = performance.now();
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", main, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return { ms: performance.now() - started, code, stdout: new TextDecoder().decode(stdout) };
}

/** The mtimes of every unit file servitor wrote for `names`. */
async function unitMtimes(names: readonly string[]): Promise<number[]> {
  return await Promise.all(
    names.map(async (name) => (await Deno.stat(`/etc/systemd/system/${name}.service`)).mtime?.getTime() ?? 0),
  );
}

export async function measureDesiredState(
  options: { program: string; scratch: string; services: number; reps: number; say: (line: string) => void },
): Promise<Table> {
  const { services, reps, say } = options;
  const names = Array.from({ length: services }, (_, i) => `bench-apply-${i}`);
  const file = path.join(options.scratch, "services.yaml");
  await Deno.writeTextFile(
    file,
    names.map((name) =>
      `name: ${name}\nprogram: ${options.program}\narguments: [idle, ${path.join(options.scratch, name)}]\n` +
      "start: manual\ndescription: a benchmark service\n"
    ).join("---\n"),
  );
  const rows: Row[] = [];
  try {
    say(`== apply: creating ${services} services`);
    const created = await servitor(["apply", file]);
    if (created.code !== 0) throw new Error(`apply exited with ${created.code}`);
    rows.push({
      id: "apply-create",
      contender: `apply, creating ${services}`,
      figures: { time: summarize([created.ms]) },
    });

    say(`== apply: ${services} services as described, ${reps} times`);
    const before = await unitMtimes(names);
    const times: number[] = [];
    let changes = 0;
    for (let rep = 0; rep < reps; rep++) {
      const again = await servitor(["apply", file, "--json"]);
      times.push(again.ms);
      const report = JSON.parse(again.stdout) as { services: { action: string }[] };
      changes += report.services.filter((service) => service.action !== "unchanged").length;
    }
    const after = await unitMtimes(names);
    changes += after.filter((mtime, i) => mtime !== before[i]).length;
    rows.push({
      id: "apply-unchanged",
      contender: `apply, ${services} services already as described`,
      figures: { time: summarize(times), changes: summarize([changes]) },
    });

    say(`== ${services} × InstallService --replace`);
    const replaceStarted = performance.now();
    for (const name of names) {
      const replaced = await servitor([
        "InstallService",
        options.program,
        "idle",
        path.join(options.scratch, name),
        "--service_name",
        name,
        "--start",
        "manual",
        "--description",
        "a benchmark service",
        "--replace",
      ]);
      if (replaced.code !== 0) throw new Error(`InstallService --replace exited with ${replaced.code}`);
    }
    rows.push({
      id: "install-replace",
      contender: `${services} × \`InstallService --replace\``,
      figures: {
        time: summarize([performance.now() - replaceStarted]),
        changes: summarize([(await unitMtimes(names)).filter((mtime, i) => mtime !== after[i]).length]),
      },
    });

    say(`== export --all of ${services}`);
    const exports: number[] = [];
    for (let rep = 0; rep < reps; rep++) exports.push((await servitor(["export", "--all"])).ms);
    rows.push({
      id: "export-all",
      contender: `export --all of ${services}`,
      figures: { time: summarize(exports) },
    });
  } finally {
    for (const name of names) await servitor(["ManageService", name, "remove", "--remove_install_args"]);
  }
  return {
    id: "systemd-desired-state",
    title: `Desired state under systemd: ${services} services`,
    columns: [
      { key: "time", label: "time", unit: "ms" },
      { key: "changes", label: "unit files rewritten or services changed", unit: "count" },
    ],
    rows,
    notes: [
      `apply of an unchanged file: ${reps} repetitions; its changes are the services reported changed plus ` +
      "the unit files whose mtime moved (must be 0). InstallService --replace removes and creates each " +
      "service again: every unit file is rewritten. Each command runs from source (deno run).",
    ],
  };
}
