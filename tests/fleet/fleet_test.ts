/**
 * The Ansible collection (integrations/ansible) against two machines: ansible-playbook on the controller,
 * over ssh, to two booted systemd hosts with networks of their own (`testbed.sh fleet 2`). The example
 * playbooks are run as a person runs them; each host is then looked at directly (nsenter), not through
 * Ansible.
 */
import path from "path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import {
  examples,
  hosts,
  notInFleet,
  onHost,
  playbook,
  type PlaybookRun,
  servicesFile,
  statusOn,
  taskResults,
} from "./helpers.ts";

const install = path.join(examples, "install.yml");
const rollingRestart = path.join(examples, "rolling_restart.yml");
const edges = fileURLToPath(new URL("./fixtures/edges.yml", import.meta.url));
const INSTALL_TASK = "Each service, as services.yml describes it";

/** The services every host gets: a web server with a health check, and a plain loop. */
const services = {
  Files: {
    program: "/usr/bin/python3",
    arguments: ["-m", "http.server", "8701", "--bind", "127.0.0.1", "--directory", "/usr/share/doc"],
    description: "the documentation, over HTTP",
    health: { check: "http://127.0.0.1:8701/", intervalMs: 500, startMs: 0 },
  },
  Ticker: {
    program: "/bin/sh",
    arguments: ["-c", "while :; do echo tick; sleep 1; done"],
  },
};

const names = () => hosts.map((host) => host.name);

/** Each failed or unreachable result of a run (not ignored ones): host, task and servitor's line. */
function failures(run: PlaybookRun): string[] {
  const lines: string[] = [];
  for (const play of run.plays) {
    for (const { task, hosts } of play.tasks) {
      for (const [host, result] of Object.entries(hosts)) {
        if ((result.failed && !result.ignored) || result.unreachable) {
          lines.push(`${host}: ${task.name}: ${result.msg ?? JSON.stringify(result).slice(0, 500)}`);
        }
      }
    }
  }
  return lines;
}

function assertRan(
  run: PlaybookRun,
  expected: Record<string, { changed?: number; failures?: number; unreachable?: number }>,
) {
  for (const [host, counts] of Object.entries(expected)) {
    const stats = run.stats[host];
    assertOk(stats, `${host} is not in the play's stats: ${JSON.stringify(run.stats)}\n${run.stderr}`);
    for (const [key, value] of Object.entries({ unreachable: 0, ...counts })) {
      assertEquals(
        stats[key as "changed"],
        value,
        `${host}: ${key}; stats ${JSON.stringify(run.stats)}; failed:\n${failures(run).join("\n")}`,
      );
    }
  }
}

Deno.test({
  name:
    "one playbook drives servitor on two machines: created, unchanged, edited, checked, rolled, failed, removed",
  ignore: notInFleet,
  async fn(t) {
    assertEquals(names(), ["fleet1", "fleet2"]);
    const file = await servicesFile(services);
    const vars = { target_group: "fleet", services_file: file };

    await t.step("the playbook creates the services on both hosts and starts them", async () => {
      const run = await playbook(install, { extraVars: vars });
      assertRan(run, { fleet1: { changed: 1, failures: 0 }, fleet2: { changed: 1, failures: 0 } });
      for (const host of names()) {
        for (const name of Object.keys(services)) {
          const status = await statusOn(host, name);
          assertEquals(status?.state, "running", `${name} on ${host}`);
          const unit = await onHost(host, "systemctl", "is-active", `${name}.service`);
          assertEquals(unit.stdout.trim(), "active", `${name}.service on ${host}`);
        }
        // Each host is a machine of its own: its own hostname, and its own Files on its own 127.0.0.1:8701.
        assertEquals((await onHost(host, "hostname")).stdout.trim(), host);
      }
      const pids = await Promise.all(
        names().map(async (host) => (await statusOn(host, "Files"))?.programPid),
      );
      assertOk(pids[0] && pids[1], `program pids ${pids}`);
    });

    await t.step("run again, it changes nothing on either host", async () => {
      const run = await playbook(install, { extraVars: vars });
      assertRan(run, { fleet1: { changed: 0, failures: 0 }, fleet2: { changed: 0, failures: 0 } });
    });

    await t.step(
      "a config edited for one host changes that host alone, and --diff shows the edit",
      async () => {
        const before = await statusOn("fleet2", "Ticker");
        const edited = await servicesFile({
          ...services,
          Ticker: { ...services.Ticker, arguments: ["-c", "while :; do echo tock; sleep 1; done"] },
        });
        const run = await playbook(install, {
          extraVars: { target_group: "fleet" },
          hostVars: { fleet1: { services_file: file }, fleet2: { services_file: edited } },
          args: ["--diff"],
        });
        assertRan(run, { fleet1: { changed: 0, failures: 0 }, fleet2: { changed: 1, failures: 0 } });
        const ticker = taskResults(run, INSTALL_TASK, "fleet2").find((result) =>
          result.item &&
          (result.item as { key: string }).key === "Ticker"
        )!;
        assertEquals(ticker.changed, true);
        const diff = Array.isArray(ticker.diff) ? ticker.diff[0] : ticker.diff;
        assertEquals(diff, {
          before: { arguments: ["-c", "while :; do echo tick; sleep 1; done"] },
          after: { arguments: ["-c", "while :; do echo tock; sleep 1; done"] },
        });
        // restart_on_change: the running program was restarted with its new arguments.
        const after = await statusOn("fleet2", "Ticker");
        assertEquals(after?.arguments, ["-c", "while :; do echo tock; sleep 1; done"]);
        assertOk(after?.programPid !== before?.programPid, "Ticker on fleet2 was not restarted");
        assertEquals((await statusOn("fleet1", "Ticker"))?.arguments, services.Ticker.arguments);
      },
    );

    await t.step("--check reports the changes it would make, and makes none", async () => {
      const changed = await servicesFile({
        ...services,
        Files: { ...services.Files, description: "the docs" },
        Extra: { program: "/bin/sleep", arguments: ["1000"] },
      });
      const run = await playbook(install, {
        extraVars: { target_group: "fleet", services_file: changed },
        args: ["--check", "--diff"],
      });
      assertRan(run, { fleet1: { failures: 0 }, fleet2: { failures: 0 } });
      for (const host of names()) {
        const results = taskResults(run, INSTALL_TASK, host);
        const byName = Object.fromEntries(
          results.map((result) => [(result.item as { key: string }).key, result]),
        );
        assertEquals(byName.Files.changed, true, `Files on ${host}`);
        assertEquals(byName.Extra.changed, true, `Extra on ${host}`);
        assertEquals(await statusOn(host, "Extra"), undefined, `Extra was created on ${host}`);
        const exported = await onHost(host, "/usr/local/bin/servitor", "export", "Files", "--json");
        assertEquals(JSON.parse(exported.stdout).services.Files.description, services.Files.description);
      }
    });

    await t.step(
      "the rolling restart restarts one host at a time, each back running and healthy",
      async () => {
        const before = Object.fromEntries(
          await Promise.all(names().map(async (host) => [host, (await statusOn(host, "Files"))?.programPid])),
        );
        const run = await playbook(rollingRestart, { extraVars: vars });
        assertRan(run, { fleet1: { failures: 0 }, fleet2: { failures: 0 } });
        // serial: 1 — a play per host, in order; the second began after the first host was healthy again.
        assertEquals(run.plays.map((play) => Object.keys(play.tasks[0].hosts)), [["fleet1"], ["fleet2"]]);
        for (const host of names()) {
          const waited = taskResults(run, "Wait until each runs, and is healthy where it is checked", host);
          const files =
            (waited.at(-1)!.servitor_services as { name: string; state: string; health?: string }[])
              .find((service) => service.name === "Files");
          assertEquals([files?.state, files?.health], ["running", "healthy"], host);
          const after = await statusOn(host, "Files");
          assertOk(after?.programPid !== before[host], `Files on ${host} was not restarted`);
        }
      },
    );

    await t.step(
      "a host whose servitor fails fails with servitor's one line; the other goes on",
      async () => {
        // The program exists on fleet1 only: apply on fleet2 refuses the file, naming the program.
        assertEquals((await onHost("fleet1", "cp", "/bin/sleep", "/usr/local/bin/only-here")).code, 0);
        const only = await servicesFile({
          OnlyHere: { program: "/usr/local/bin/only-here", arguments: ["1000"] },
        });
        const run = await playbook(install, { extraVars: { target_group: "fleet", services_file: only } });
        assertRan(run, { fleet1: { changed: 1, failures: 0 }, fleet2: { failures: 1 } });
        const [failed] = taskResults(run, INSTALL_TASK, "fleet2");
        assertEquals(failed.failed, true);
        assertMatch(
          failed.msg!,
          /^[^\n]*program: \/usr\/local\/bin\/only-here does not exist on this machine$/,
        );
        assertEquals((await statusOn("fleet1", "OnlyHere"))?.state, "running");
        assertEquals(await statusOn("fleet2", "OnlyHere"), undefined);
      },
    );

    await t.step(
      "the module's edges: no config, not servitor's, a failed start, stop and start, info",
      async () => {
        const run = await playbook(edges);
        // The failures the tasks expect are ignored (ignore_errors): none of the others failed.
        assertRan(run, { fleet1: { failures: 0 }, fleet2: { failures: 0 } });
        for (const host of names()) {
          const only = (task: string) => taskResults(run, task, host)[0];
          assertEquals(
            only("started, no config, no such service").msg,
            "no service named Nowhere here: give its config to create it",
          );
          assertEquals(
            only("absent, a service servitor did not make").msg,
            "ssh is a service servitor did not make: left alone",
          );
          assertEquals((await onHost(host, "systemctl", "is-active", "ssh.service")).stdout.trim(), "active");
          const failedStart = only("started, a program that can't start");
          assertEquals(failedStart.failed, true);
          assertMatch(failedStart.msg!, /^servitor: [^\n]*\/nonexistent[^\n]*$/);
          assertEquals([only("stopped").changed, only("stopped again").changed, only("started").changed], [
            true,
            false,
            true,
          ]);
          assertEquals((await statusOn(host, "Ticker"))?.state, "running");
          const listed = only("info").servitor_services as { name: string }[];
          assertEquals(
            listed.map((service) => service.name),
            ["Files", "NoDirectory", "Ticker"].concat(host === "fleet1" ? ["OnlyHere"] : []).sort(),
          );
          assertEquals(only("the facts info set").msg as unknown, listed.map((service) => service.name));
          assertEquals(await statusOn(host, "NoDirectory"), undefined);
        }
      },
    );

    await t.step("state absent removes every service from both hosts", async () => {
      const all = await servicesFile({ ...services, OnlyHere: {}, NoDirectory: {} });
      const run = await playbook(install, {
        extraVars: { target_group: "fleet", services_file: all, service_state: "absent" },
      });
      assertRan(run, { fleet1: { changed: 1, failures: 0 }, fleet2: { changed: 1, failures: 0 } });
      for (const host of names()) {
        for (const name of [...Object.keys(services), "OnlyHere", "NoDirectory"]) {
          assertEquals(await statusOn(host, name), undefined, `${name} is still on ${host}`);
        }
        const listed = await onHost(host, "/usr/local/bin/servitor", "list", "--json");
        assertEquals(JSON.parse(listed.stdout), [], host);
      }
    });
  },
});
