import { assertEquals } from "../assert.ts";
import path from "path";
import { cliContext } from "../../cli/lifecycle_context.ts";
import type { ManagedStatus, SurveyedService } from "../../service/manager.ts";
import { fakeManager } from "./fake_manager.ts";
import { parseSpec, writeSpec } from "../../service/store.ts";
import { ServiceSurvey } from "../../ui/services.ts";
import { UsageSampler } from "../../ui/process_usage.ts";

/**
 * The live list's survey against a service manager that says what the test sets: between its surveys the
 * list still shows a start and a host's end at the next poll.
 */
Deno.test("the live list shows a start made elsewhere and a host that died at the next poll, and asks the manager nothing at rest", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeSpec(root, parseSpec("name: web\nprogram: /bin/true\n", "test"));
    let status: ManagedStatus = { state: "stopped" };
    let surveys = 0;
    const manager = fakeManager({
      survey: () => {
        surveys++;
        const web: SurveyedService = {
          name: "web",
          displayName: "web",
          state: status.state,
          status,
          start: "auto",
          account: "root",
        };
        return Promise.resolve([web]);
      },
    });
    const context = cliContext({
      manager,
      configRoot: root,
      windows: false,
      say: () => {},
      warn: () => {},
      audit: () => {},
    });
    const survey = new ServiceSurvey(context, new UsageSampler());
    assertEquals((await survey.rows()).map((row) => row.state), ["stopped"]);
    assertEquals((await survey.rows()).map((row) => row.state), ["stopped"]);
    assertEquals(surveys, 1, "a list at rest asks the manager once");

    // Started elsewhere: its host writes status.json as its program starts.
    const host = new Deno.Command("sleep", { args: ["60"] }).spawn();
    try {
      const startedAt = new Date(Date.now() - 5000).toISOString();
      status = { state: "running", pid: host.pid };
      const logs = path.join(root, "web", "logs");
      await Deno.mkdir(logs, { recursive: true });
      await Deno.writeTextFile(
        path.join(logs, "status.json"),
        JSON.stringify({ hostPid: host.pid, programPid: host.pid, programStartedAt: startedAt }),
      );
      const [running] = await survey.rows();
      assertEquals(running.state, "running");
      assertEquals(running.programStartedAt, Date.parse(startedAt));

      // The host dies without a word: its process is gone, and the manager says so.
      host.kill("SIGKILL");
      await host.status;
      status = { state: "stopped" };
      assertEquals((await survey.rows()).map((row) => row.state), ["stopped"]);
    } finally {
      try {
        host.kill("SIGKILL");
      } catch { /* ended */ }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
