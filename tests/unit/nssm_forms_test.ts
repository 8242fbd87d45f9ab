/**
 * nssm's window verbs: `install` without a program and `edit <service>` open servitor's page at the form
 * (as NSSM opens its dialog); with a program, install stays nssm's command line.
 */
import { assertEquals } from "../assert.ts";
import { cliContext } from "../../cli/lifecycle_context.ts";
import { formRoute, nssmCommand } from "../../cli/nssm.ts";
import type { ServiceManager } from "../../service/manager.ts";

Deno.test("install without a program and edit <service> open the page at their form; other arguments don't", () => {
  assertEquals(formRoute("install", []), "/install");
  assertEquals(formRoute("install", ["My Web"]), "/install/My%20Web");
  assertEquals(formRoute("install", ["web", "/opt/web/server"]), undefined);
  assertEquals(formRoute("install", ["web", "/opt/web/server", "--port", "80"]), undefined);
  assertEquals(formRoute("edit", ["web"]), "/edit/web");
  assertEquals(formRoute("edit", ["a#b"]), "/edit/a%23b");
  assertEquals(formRoute("edit", []), undefined);
  assertEquals(formRoute("edit", ["web", "extra"]), undefined);
  assertEquals(formRoute("get", ["web"]), undefined);
});

function managerOf(existing: string[]): ServiceManager {
  const no = () => Promise.reject(new Error("not asked in this test"));
  return {
    kind: "systemd",
    create: no,
    update: no,
    remove: no,
    exists: (name) => Promise.resolve(existing.includes(name)),
    start: no,
    control: no,
    status: no,
    query: no,
    list: () => Promise.resolve(existing.map((name) => ({ name, displayName: name }) as never)),
    processes: no,
  };
}

async function nssm(existing: string[], ...args: string[]) {
  const stderr: string[] = [];
  const code = await nssmCommand(
    args,
    cliContext({
      manager: managerOf(existing),
      configRoot: "/nonexistent/servitor",
      windows: false,
      say: () => {},
      warn: (line) => stderr.push(line),
      audit: () => {},
    }),
  );
  return { code, stderr: stderr.join("\n") };
}

Deno.test("edit with no service, or of a service servitor has no settings of, says so in one line and serves nothing", async () => {
  assertEquals(await nssm([], "edit"), {
    code: 1,
    stderr: "servitor: edit <service>: which service? (servitor edit -h)",
  });
  const foreign = await nssm(["sshd"], "edit", "sshd");
  assertEquals(foreign.code, 1);
  assertEquals(
    foreign.stderr,
    "servitor: edit sshd: servitor has no stored settings of this service, so no form to open (install it with servitor)",
  );
});

Deno.test("install <name> without a program refuses a name no service can have before serving anything", async () => {
  const { code, stderr } = await nssm([], "install", "a/b");
  assertEquals(code, 8);
  assertEquals(stderr.split("\n").length, 1);
});
