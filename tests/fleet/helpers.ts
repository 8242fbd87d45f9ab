/**
 * What the fleet-tier tests share. They run on the Ansible controller of `testbed.sh fleet 2`: two hosts, each
 * a systemd booted in namespaces of its own (its own network, sshd on its own 127.0.0.1), reached by
 * ansible-playbook over ssh. The controller looks inside a host with nsenter, never through Ansible, so what
 * the tests check is not what the module says it did.
 */
import path from "path";
import { fileURLToPath } from "node:url";

/** Outside the fleet test-bed (one that could not run) every test of this tier reports itself ignored. */
export const notInFleet = Deno.env.get("SERVITOR_TESTBED") !== "fleet";

const collection = fileURLToPath(new URL("../../integrations/ansible", import.meta.url));
/** The collection's example playbooks. */
export const examples = path.join(collection, "examples");

/** The hosts: each one's name (its inventory name and hostname) and its systemd's pid as seen here. */
export const hosts: { name: string; pid: number }[] = (Deno.env.get("SERVITOR_FLEET_HOSTS") ?? "")
  .split(" ")
  .filter(Boolean)
  .map((entry) => {
    const [name, pid] = entry.split(":");
    return { name, pid: Number(pid) };
  });

const decoder = new TextDecoder();

/** Runs a command inside host `name` (each of its namespaces, its root), as root there; its exit code and output. */
export async function onHost(name: string, program: string, ...args: string[]) {
  const host = hosts.find((host) => host.name === name);
  if (!host) {
    throw new Error(`no fleet host ${name} (SERVITOR_FLEET_HOSTS: ${Deno.env.get("SERVITOR_FLEET_HOSTS")})`);
  }
  const { code, stdout, stderr } = await new Deno.Command("nsenter", {
    args: ["-t", String(host.pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w", program, ...args],
    stdin: "null",
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** `servitor ManageService NAME status --json` on a host: the status object, or undefined when there is none. */
export async function statusOn(host: string, service: string): Promise<Record<string, unknown> | undefined> {
  const ran = await onHost(host, "/usr/local/bin/servitor", "ManageService", service, "status", "--json");
  if (ran.code === 6) return undefined;
  if (ran.code !== 0) throw new Error(`status of ${service} on ${host}: exit ${ran.code}: ${ran.stderr}`);
  return JSON.parse(ran.stdout);
}

/** What one host made of one task, as the json callback reports it. */
export interface HostResult {
  changed?: boolean;
  failed?: boolean;
  msg?: string;
  results?: HostResult[];
  diff?: { before: unknown; after: unknown } | { before: unknown; after: unknown }[];
  [key: string]: unknown;
}

/** ansible-playbook's json output (callback_plugins/fleet_json.py), the parts the tests read. */
export interface PlaybookRun {
  code: number;
  plays: { play: { name: string }; tasks: { task: { name: string }; hosts: Record<string, HostResult> }[] }[];
  stats: Record<string, { changed: number; failures: number; ok: number; unreachable: number }>;
  stderr: string;
}

/** The tier's json stdout callback (callback_plugins/fleet_json.py: ansible-core 2.19 ships none). */
const callbackPlugins = fileURLToPath(new URL("./callback_plugins", import.meta.url));

let collectionsPath: string | undefined;

/** A collections path holding this checkout's collection as ansible_collections/servitor/servitor. */
async function collections(): Promise<string> {
  if (collectionsPath) return collectionsPath;
  const root = await Deno.makeTempDir({ prefix: "collections-" });
  await Deno.mkdir(path.join(root, "ansible_collections/servitor"), { recursive: true });
  await Deno.symlink(collection, path.join(root, "ansible_collections/servitor/servitor"));
  return collectionsPath = root;
}

/**
 * Runs ansible-playbook on the fleet's inventory (or `inventory`), its output the json callback's, parsed.
 * `hostVars` are written as host_vars beside a copy of the inventory.
 */
export async function playbook(
  file: string,
  options: { extraVars?: Record<string, unknown>; args?: string[]; hostVars?: Record<string, unknown> } = {},
): Promise<PlaybookRun> {
  let inventory = Deno.env.get("SERVITOR_FLEET_INVENTORY")!;
  if (options.hostVars) {
    const directory = await Deno.makeTempDir({ prefix: "inventory-" });
    await Deno.copyFile(inventory, path.join(directory, "inventory.yml"));
    await Deno.mkdir(path.join(directory, "host_vars"));
    for (const [host, vars] of Object.entries(options.hostVars)) {
      await Deno.writeTextFile(path.join(directory, "host_vars", `${host}.yml`), JSON.stringify(vars));
    }
    inventory = path.join(directory, "inventory.yml");
  }
  const { code, stdout, stderr } = await new Deno.Command("ansible-playbook", {
    args: [
      "-i",
      inventory,
      ...(options.extraVars ? ["--extra-vars", JSON.stringify(options.extraVars)] : []),
      ...(options.args ?? []),
      file,
    ],
    env: {
      ANSIBLE_STDOUT_CALLBACK: "fleet_json",
      ANSIBLE_CALLBACK_PLUGINS: callbackPlugins,
      ANSIBLE_COLLECTIONS_PATH: await collections(),
      ANSIBLE_PIPELINING: "true",
      // ssh's connection (ProxyCommand, nsenter, socat, sshd) may take more than the default 10 s on a
      // machine loaded by other test runs.
      ANSIBLE_TIMEOUT: "60",
      ANSIBLE_NOCOLOR: "true",
      // The controller sees the checkout itself: no bytecode written into it.
      PYTHONDONTWRITEBYTECODE: "1",
    },
    stdin: "null",
  }).output();
  const text = decoder.decode(stdout);
  let parsed;
  try {
    parsed = JSON.parse(text.slice(text.indexOf("{")));
  } catch {
    throw new Error(
      `ansible-playbook ${file} printed no JSON (exit ${code}):\n${text}${decoder.decode(stderr)}`,
    );
  }
  return { code, plays: parsed.plays, stats: parsed.stats, stderr: decoder.decode(stderr) };
}

/** Every result of the task named `task` on `host`, across plays (a loop's items one each). */
export function taskResults(run: PlaybookRun, task: string, host: string): HostResult[] {
  const results: HostResult[] = [];
  for (const play of run.plays) {
    for (const entry of play.tasks) {
      const result = entry.task.name === task ? entry.hosts[host] : undefined;
      if (result) results.push(...(result.results ?? [result]));
    }
  }
  return results;
}

/** Writes a services file (apply's form) to a temporary file on the controller; returns its path. */
export async function servicesFile(services: Record<string, unknown>): Promise<string> {
  const file = path.join(await Deno.makeTempDir({ prefix: "services-" }), "services.yml");
  await Deno.writeTextFile(file, JSON.stringify({ services }, null, 2));
  return file;
}
