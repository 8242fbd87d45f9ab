/**
 * No import cycle among the project's own modules, from the CLI's entry and the library's: `deno info
 * --json`'s graph, every import counted — dynamic ones and `import type` too — so that each module can be
 * read, and tested, after the ones it uses.
 */
import { assertEquals, assertOk } from "../assert.ts";

const root = new URL("../../", import.meta.url);
const entries = ["cli/main.ts", "mod.ts"];

interface Dependency {
  code?: { specifier: string };
  type?: { specifier: string };
  isDynamic?: boolean;
}
interface GraphModule {
  specifier: string;
  dependencies?: Dependency[];
}

/** `deno info --json`'s modules for `entry`: every module it reaches, with its imports (dynamic ones marked). */
async function moduleGraph(entry: string): Promise<GraphModule[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return (JSON.parse(new TextDecoder().decode(stdout)) as { modules: GraphModule[] }).modules;
}

/** The project's modules (no npm, no node_modules) each with the project's modules it imports. */
async function importGraph(entry: string): Promise<Map<string, string[]>> {
  const modules = await moduleGraph(entry);
  const own = (specifier: string | undefined) =>
    specifier !== undefined && specifier.startsWith(root.href) && !specifier.includes("/node_modules/");
  const graph = new Map<string, string[]>();
  for (const module of modules) {
    if (!own(module.specifier)) continue;
    const imports = (module.dependencies ?? [])
      .flatMap((dependency) => [dependency.code?.specifier, dependency.type?.specifier])
      .filter(own) as string[];
    graph.set(module.specifier.slice(root.href.length), imports.map((s) => s.slice(root.href.length)));
  }
  return graph;
}

/** The cycles of `graph`: its strongly connected components of more than one module, or a module importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

Deno.test("cycles() finds a cycle through a dynamic import as through any other, and none in a tree", () => {
  const graph = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["a.ts"]]]);
  assertEquals(cycles(graph), [["a.ts", "b.ts", "c.ts"]]);
  assertEquals(cycles(new Map([["a.ts", ["b.ts", "c.ts"]], ["b.ts", ["c.ts"]], ["c.ts", []]])), []);
});

for (const entry of entries) {
  Deno.test(`no import cycle among the modules ${entry} reaches`, async () => {
    const found = cycles(await importGraph(entry));
    assertEquals(found.map((cycle) => cycle.join(" ↔ ")), [], "modules that import each other");
  });
}

/** The modules `entries` load before anything they import dynamically: static imports only, types left out. */
async function staticallyLoaded(entries: string[]): Promise<string[]> {
  const bySpecifier = new Map<string, GraphModule>();
  for (const entry of entries) {
    for (const module of await moduleGraph(entry)) bySpecifier.set(module.specifier, module);
  }
  const loaded = new Set<string>();
  const visit = (specifier: string) => {
    if (loaded.has(specifier)) return;
    loaded.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code && !dependency.isDynamic) visit(dependency.code.specifier);
    }
  };
  for (const entry of entries) visit(new URL(entry, root).href);
  return [...loaded];
}

Deno.test("a running host loads neither zod nor the YAML parser (its modules stay for its whole run)", async () => {
  // What `servitor host` loads: the CLI's entry, then the modules its host command imports.
  const loaded = await staticallyLoaded([
    "cli/main.ts",
    "host/host.ts",
    "host/platform.ts",
    "service/store_layout.ts",
    "service/command_line.ts",
  ]);
  assertOk(
    loaded.some((specifier) => specifier.endsWith("/service/checked_spec.ts")),
    "the graph was followed",
  );
  assertEquals(
    loaded.filter((specifier) => /\/(zod|yaml)\/|service\/(schema|store)\.ts$/.test(specifier)),
    [],
  );
});

Deno.test("ManageService X status loads neither zod nor the YAML parser (it reads the spec's checked form)", async () => {
  // What `servitor ManageService X status` loads: the CLI's entry, then the modules its command imports,
  // with each platform's backend.
  const loaded = await staticallyLoaded([
    "cli/main.ts",
    "cli/manage.ts",
    "cli/lifecycle_context.ts",
    "scm/backend.ts",
    "systemd/backend.ts",
  ]);
  assertOk(loaded.some((specifier) => specifier.endsWith("/cli/status.ts")), "the graph was followed");
  assertEquals(
    loaded.filter((specifier) => /\/(zod|yaml)\/|service\/(schema|store|lifecycle)\.ts$/.test(specifier)),
    [],
  );
});
