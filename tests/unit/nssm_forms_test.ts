/**
 * nssm's window verbs: `install` without a program and `edit <service>` open servitor's page at the form
 * (as NSSM opens its dialog); with a program, install stays nssm's command line.
 */
import { assertEquals } from "../assert.ts";
import { formRoute } from "../../cli/nssm.ts";
import { nssm } from "./nssm_fakes.ts";

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

/** The code and the lines said on stderr, joined: each a single line here. */
async function nssmForm(existing: string[], ...args: string[]) {
  const { code, stderr } = await nssm(existing, ...args);
  return { code, stderr: stderr.replace(/\n$/, "") };
}

Deno.test("edit with no service, or of a service servitor has no settings of, says so in one line and serves nothing", async () => {
  assertEquals(await nssmForm([], "edit"), {
    code: 1,
    stderr: "servitor: edit <service>: which service? (servitor edit -h)",
  });
  const foreign = await nssmForm(["sshd"], "edit", "sshd");
  assertEquals(foreign.code, 1);
  assertEquals(
    foreign.stderr,
    "servitor: edit sshd: servitor has no stored settings of this service, so no form to open (install it with servitor)",
  );
});

Deno.test("install <name> without a program refuses a name no service can have before serving anything", async () => {
  const { code, stderr } = await nssmForm([], "install", "a/b");
  assertEquals(code, 8);
  assertEquals(stderr.split("\n").length, 1);
});
