/**
 * The lifecycle (service/lifecycle.ts) against a service manager that keeps its services in memory: what a
 * person or `apply` would notice — which files change, which calls reach the manager, what is put back.
 */
import type { ServiceState } from "../../service/vocabulary.ts";
import path from "node:path";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import {
  createService,
  type LifecycleContext,
  listServitorServices,
  readStoredService,
  removeService,
  startService,
  stopService,
  updateService,
  withServiceLocks,
} from "../../service/lifecycle.ts";
import type { ServiceManager } from "../../service/manager.ts";
import { ServiceManagerError } from "../../service/manager.ts";
import { defaultSpec, type ServiceSpec } from "../../service/spec.ts";
import { printingManager } from "../../service/printing_manager.ts";
import { printingStore } from "../../service/lifecycle/store_files.ts";

/** A manager whose services live in a map; `calls` records each change asked of it. */
function memoryManager(calls: string[], options: { failUpdate?: boolean } = {}): ServiceManager & {
  services: Map<string, { spec: ServiceSpec; state: ServiceState }>;
} {
  const services = new Map<string, { spec: ServiceSpec; state: ServiceState }>();
  const service = (name: string) => {
    const found = services.get(name);
    if (!found) throw new ServiceManagerError(`no service named '${name}'`, "no_such_service");
    return found;
  };
  return {
    kind: "systemd",
    services,
    create(spec) {
      calls.push(`create ${spec.name}`);
      if (services.has(spec.name)) throw new ServiceManagerError("exists already", "exists");
      services.set(spec.name, { spec, state: "stopped" });
      return Promise.resolve();
    },
    update(spec) {
      calls.push(`update ${spec.name}`);
      if (options.failUpdate) return Promise.reject(new ServiceManagerError("refused", "refused"));
      service(spec.name).spec = spec;
      return Promise.resolve();
    },
    remove(name) {
      calls.push(`remove ${name}`);
      service(name);
      services.delete(name);
      return Promise.resolve();
    },
    exists: (name) => Promise.resolve(services.has(name)),
    start(name) {
      calls.push(`start ${name}`);
      service(name).state = "running";
      return Promise.resolve();
    },
    control(name, control) {
      calls.push(`${control} ${name}`);
      if (control === "stop") service(name).state = "stopped";
      return Promise.resolve();
    },
    status: (name) => Promise.resolve({ state: service(name).state }),
    query(name) {
      const { spec } = service(name);
      return Promise.resolve({
        name,
        displayName: spec.displayName,
        description: spec.description,
        start: spec.start,
        account: "root",
        dependsOn: spec.dependsOn,
        command: "servitor host",
      });
    },
    list: () =>
      Promise.resolve([...services.values()].map(({ spec, state }) => ({
        name: spec.name,
        displayName: spec.displayName,
        state,
      }))),
    processes: () => Promise.resolve([]),
  };
}

function contextFor(root: string, manager: ServiceManager, lines: string[] = []): LifecycleContext {
  return {
    manager,
    configRoot: root,
    windows: false,
    say: (line) => lines.push(line),
    warn: (line) => lines.push(line),
    audit() {},
    hostCommand: (name) => ({ program: "/usr/bin/servitor", args: ["host", "--service", name] }),
  };
}

const record = { args: ["/bin/sleep", "--service_name", "web"], cwd: "/", installedAt: "then" };

async function withRoot(work: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    await work(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("update: an unchanged spec touches nothing; a store-only change rewrites service.yaml alone; a change the manager holds reaches it", async () => {
  await withRoot(async (root) => {
    const calls: string[] = [];
    const context = contextFor(root, memoryManager(calls));
    const spec = defaultSpec("web", "/bin/sleep", ["100"]);
    await createService(context, spec, { record });
    const file = path.join(root, "web", "service.yaml");
    const before = await Deno.stat(file);
    calls.length = 0;

    assertEquals(await updateService(context, "web", structuredClone(spec)), {
      storeChanged: false,
      managerChanged: false,
    });
    assertEquals((await Deno.stat(file)).mtime, before.mtime, "service.yaml kept its mtime");

    const throttled = { ...structuredClone(spec), throttleMs: 5000 };
    assertEquals(await updateService(context, "web", throttled), {
      storeChanged: true,
      managerChanged: false,
    });
    assertEquals((await readStoredService(context, "web")).spec.throttleMs, 5000);
    assertEquals(calls, [], "the manager was asked for no change");

    const described = { ...throttled, description: "serves the web" };
    assertEquals(await updateService(context, "web", described), {
      storeChanged: true,
      managerChanged: true,
    });
    assertEquals(calls, ["update web"]);
  });
});

Deno.test("update: a manager that refuses the change leaves service.yaml as it was", async () => {
  await withRoot(async (root) => {
    const calls: string[] = [];
    const context = contextFor(root, memoryManager(calls, { failUpdate: true }));
    const spec = defaultSpec("web", "/bin/sleep", ["100"]);
    await createService(context, spec, { record });
    const file = path.join(root, "web", "service.yaml");
    const text = await Deno.readTextFile(file);
    await assertRejects(() => updateService(context, "web", { ...spec, displayName: "Web" }));
    assertEquals(await Deno.readTextFile(file), text);
  });
});

Deno.test("remove stops a running service first, waits until it is gone, and deletes its store folder unless kept", async () => {
  await withRoot(async (root) => {
    const calls: string[] = [];
    const lines: string[] = [];
    const context = contextFor(root, memoryManager(calls), lines);
    for (const name of ["kept", "gone"]) {
      await createService(context, defaultSpec(name, "/bin/sleep"), { record });
      await startService(context, name);
    }
    calls.length = 0;
    await removeService(context, "kept", { keepStore: true });
    await removeService(context, "gone");
    assertEquals(calls, ["stop kept", "remove kept", "stop gone", "remove gone"]);
    assertOk(lines.includes("'kept' is running: stopping it first"), lines.join("\n"));
    assertEquals([...Deno.readDirSync(root)].map((entry) => entry.name).sort(), [".locks", "kept"]);
    await assertRejects(() => stopService(context, "gone"), ServiceManagerError);
  });
});

Deno.test("servitor's own services are those the manager lists with a folder in the store; a lock over a set takes each once", async () => {
  await withRoot(async (root) => {
    const manager = memoryManager([]);
    const context = contextFor(root, manager);
    await createService(context, defaultSpec("ours", "/bin/sleep"), { record });
    manager.services.set("theirs", { spec: defaultSpec("theirs", "/bin/other"), state: "running" });
    assertEquals((await listServitorServices(context)).map((service) => service.name), ["ours"]);
    // The same name twice, and lifecycle calls inside: each lock is held once, and again inside at once.
    const done = await withServiceLocks(context, ["ours", "theirs", "ours"], 1000, async () => {
      await stopService(context, "theirs", { quiet: true });
      return true;
    });
    assertOk(done);
  });
});

Deno.test("a dry run's manager and store print a replacement: the old service's stop and removal, then the store and the create; nothing changes", async () => {
  await withRoot(async (root) => {
    const calls: string[] = [];
    const printed: string[] = [];
    const real = memoryManager(calls);
    const context = contextFor(root, real);
    await createService(context, defaultSpec("web", "/bin/sleep"), { record });
    await startService(context, "web");
    calls.length = 0;
    // A backend in its printing mode: each change a line, questions answered by the real one.
    const printing: ServiceManager = {
      ...real,
      create: (spec) => Promise.resolve(void printed.push(`create ${spec.name}`)),
      remove: (name) => Promise.resolve(void printed.push(`remove ${name}`)),
      control: (name, control) => Promise.resolve(void printed.push(`${control} ${name}`)),
    };
    const dry = {
      ...contextFor(root, printingManager(printing)),
      store: printingStore((line) => printed.push(line.split("\n")[0]), false),
    };
    const before = await Deno.readTextFile(path.join(root, "web", "service.yaml"));
    await removeService(dry, "web", { keepStore: true, quiet: true });
    await createService(dry, defaultSpec("web", "/bin/true"), { record });
    assertEquals(printed, [
      "stop web",
      "remove web",
      `write ${root}/web/service.yaml (mode 0600):`,
      `write ${root}/web/service.checked.json (mode 0600): service.yaml as checked, for the host`,
      `write ${root}/web/install.yaml (mode 0600):`,
      "create web",
    ]);
    assertEquals(calls, [], "the real manager was asked for no change");
    assertEquals(await Deno.readTextFile(path.join(root, "web", "service.yaml")), before);
    assertEquals((await real.status("web")).state, "running");
  });
});
