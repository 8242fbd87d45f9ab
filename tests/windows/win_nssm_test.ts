/**
 * Ansible's community.windows.win_nssm with `executable:` pointing at servitor: the command lines the module
 * issues (win_nssm_replay.ts, recorded from its source) replayed under Wine's SCM against NSSM 2.24-101
 * (nssm64.exe from the npm package winser-with-api, the oracle) and against servitor, step by step on a
 * service of each: both give the exit code and the text the module needs, and servitor's output is NSSM's
 * but for the line ends (LF; NSSM's CRLF) — also what Puppet and Chef read of `dump` and `get <service>
 * Name`, parsed as they parse it.
 *
 * servitor runs in this process (nssmCommand, as nssm_test.ts) except for a few steps run as the module
 * runs it: one command line, Argv-ToString's quoting, through CreateProcess (Deno's windowsRawArguments).
 */
import path from "path";
import { assertEquals, assertOk } from "../assert.ts";
import { ServiceControlManager } from "../../ffi/scm.ts";
import { notWindows, runNssm, runProgram, servitorVerb, uniqueName, type VerbResult } from "./helpers.ts";
import { argvToString, runs, type Step } from "./win_nssm_replay.ts";

const project = path.win32.join(import.meta.dirname!, "..", "..");
const MAIN = path.win32.join(project, "cli", "main.ts");

type Result = VerbResult;

/**
 * A command line as Run-Command runs it: the executable, then Argv-ToString's arguments, unquoted again.
 * Run-Command decodes as UTF-8; NSSM writes the ANSI code page, but this replay's text is ASCII.
 */
const nssm = (args: string[]) => runNssm(argvToString(args));
const servitorProcess = (args: string[]) =>
  runProgram(Deno.execPath(), argvToString(["run", "--allow-all", MAIN, ...args]));
const servitor = servitorVerb;

/** What Update-NssmServiceParameter compares: stdout split on CR and LF, the empty pieces dropped. */
const linesOf = (stdout: string) => stdout.split(/[\r\n]/).filter((line) => line !== "");
/** NSSM's line ends (CRLF, its messages \r\r\n) as servitor's. */
const lf = (text: string) => text.replace(/\r*\n/g, "\n");

/** The steps run through servitor's real command line: the verbs, and the values quoting can change. */
function viaProcess(step: Step, run: number): boolean {
  return ["install", "remove"].includes(step.args[0]) ||
    (run === 0 && ["AppParameters", "AppEnvironmentExtra"].includes(step.args[2]));
}

/** Chef's nssm cookbook (criteo-cookbooks/nssm, libraries/nssm.rb): dump_parameters and strip_and_unescape. */
function chefDumpParameters(dump: string, service: string): Record<string, string> {
  const unescape = (value: string) =>
    value.trim().replace(/^\^"(.*)\^"$/, "$1").replace(/^"(.*)"$/, "$1").replace(/\^([\\"&%^<>|])/g, "$1")
      .replaceAll("\\\\", "\\");
  const result: Record<string, string> = {};
  for (const line of dump.split(/(?<=\n)/)) {
    // Ruby's . stops at \n only: a CR stays in the match, and strip takes it off.
    const install = new RegExp(`install ${service} ([^\\n]*)`).exec(line);
    const set = new RegExp(`set ${service} ([^\\n]*)`).exec(line);
    if (install) result.Application = unescape(install[1]);
    else if (set) {
      // Ruby's split(' ', 2): the key, then the rest after the whitespace.
      const [, key, value] = /^(\S+)\s+([\s\S]*)$/.exec(unescape(set[1]))!;
      result[key] = value;
    }
  }
  return result;
}

/**
 * Whether NSSM is asked this step. Not the controls, nor a status after one: NSSM 2.24's start gives up once
 * AppThrottle has passed without RUNNING (on a busy machine "Unexpected status SERVICE_START_PENDING", exit
 * 1), and its stop of this program under Wine once stayed STOP_PENDING for over a minute — the machine
 * decides those answers, not NSSM (nssm_test.ts compares the controls' words with NSSM's and knows the flake).
 * servitor's control steps are held to NSSM's words for them ("<service>: START: Success.").
 */
const askNssm = (step: Step) =>
  !["start", "stop"].includes(step.args[0]) &&
  !(step.args[0] === "status" && step.like !== "SERVICE_STOPPED");

/** NSSM's words on stdout for the controls and for status, where it is not asked. */
const nssmWords = (step: Step, name: string) => ({
  code: 0,
  stdout: step.args[0] === "status"
    ? `${step.like}\r\n`
    : `${name}: ${step.args[0].toUpperCase()}: Success.\r\r\n`,
  stderr: "",
});

/** Puppet's nssm providers (BedeGaming/puppet-nssm): a get's output with NULs removed, then chomp. */
const puppetValue = (stdout: string) => stdout.replaceAll("\0", "").replace(/\r?\n$/, "");

Deno.test({
  name: "win_nssm's command lines get from servitor the exit codes and text the module needs, as from NSSM",
  ignore: notWindows,
  async fn() {
    // The program, a copy of cmd.exe in a folder with a space (quoted by Argv-ToString, read back bare).
    const root = await Deno.makeTempDir({ prefix: "servitor-win-nssm-" });
    const appdir = path.win32.join(root, "my app");
    const logs = path.win32.join(root, "logs dir");
    await Deno.mkdir(appdir);
    await Deno.mkdir(logs);
    const app = path.win32.join(appdir, "cmd.exe");
    await Deno.copyFile("C:\\windows\\system32\\cmd.exe", app);
    const names = { nssm: uniqueName("winnssm_n"), servitor: uniqueName("winnssm_s") };
    const fill = (text: string, name: string) =>
      text.replaceAll("{app}", app).replaceAll("{appdir}", appdir).replaceAll("{dir}", root)
        .replaceAll("{out}", path.win32.join(logs, `${name}.out.log`))
        .replaceAll("{err}", path.win32.join(logs, `${name}.err.log`))
        .replaceAll("{}", name);

    try {
      // NSSM's answer to each read, by command line and recorded answer: asked once (runs 3 to 6 read the
      // settled values run 2 read; its service stays stopped, see askNssm), servitor every time.
      const asked = new Map<string, Result>();
      for (const [index, run] of runs.entries()) {
        if (run.outside) {
          const { displayName, description, start } = run.outside;
          for (const name of [names.nssm, names.servitor]) {
            using scm = ServiceControlManager.connect();
            using service = scm.open(name);
            service.changeConfig({ startType: start, displayName: fill(displayName, name) });
            service.changeConfig2({ description });
          }
        }
        for (const step of run.steps) {
          const label = `run ${index + 1} (${run.state}: ${run.what}): ${
            step.args.join(" ")
          } (win_nssm.ps1:${step.line})`;
          const key = JSON.stringify([step.args, step.reads, step.like]);
          const forNssm = asked.get(key) ??
            (askNssm(step)
              ? await nssm(step.args.map((arg) => fill(arg, names.nssm)))
              : nssmWords(step, names.nssm));
          if (["get", "status"].includes(step.args[0])) asked.set(key, forNssm);
          const forServitor = viaProcess(step, index)
            ? await servitorProcess(step.args.map((arg) => fill(arg, names.servitor)))
            : await servitor(step.args.map((arg) => fill(arg, names.servitor)));
          const answers = [["NSSM", forNssm, names.nssm], ["servitor", forServitor, names.servitor]] as const;
          for (const [who, result, name] of answers) {
            const said = `${label}: ${who} said ${JSON.stringify(result)}`;
            assertEquals(result.code, step.code, `${said}: exit code`);
            if (step.reads && !(who === "NSSM" && step.wine)) {
              const wanted = step.reads.map((line) => fill(line, name));
              assertEquals(linesOf(result.stdout), wanted, `${said}: what the module compares`);
            }
            if (step.like) assertOk(result.stdout.includes(step.like), `${said}: ${step.like}`);
          }
          if (!step.wine) {
            assertEquals(
              lf(forServitor.stdout).replaceAll(names.servitor, "{}"),
              lf(forNssm.stdout).replaceAll(names.nssm, "{}"),
              `${label}: servitor's output is NSSM's`,
            );
          }
          // The recorded decision: a run that changes nothing issues no set, reset or control.
          if (!run.changed) assertOk(["get", "status"].includes(step.args[0]), `${label}: nothing changes`);
        }
        // Before the service goes: what Puppet and Chef read of it.
        if (run.state === "stopped") {
          const [nssmDump, ourDump] = [
            await nssm(["dump", names.nssm]),
            await servitorProcess(["dump", names.servitor]),
          ];
          assertEquals([ourDump.code, nssmDump.code], [0, 0]);
          const chef = (dump: string, name: string) =>
            JSON.parse(JSON.stringify(chefDumpParameters(dump, name)).replaceAll(name, "{}"));
          // Wine's NSSM dumps no DependOnService: it can't read dependencies back (win_nssm_replay.ts).
          const { DependOnService, ...ours } = chef(ourDump.stdout, names.servitor);
          assertEquals(DependOnService, ":RpcSs");
          assertEquals(
            ours,
            chef(nssmDump.stdout, names.nssm),
            "Chef's reading of dump",
          );
          for (const parameter of ["Name", "AppParameters"]) {
            const [theirs, ours] = [
              await nssm(["get", names.nssm, parameter]),
              await (parameter === "Name" ? servitorProcess : servitor)(["get", names.servitor, parameter]),
            ];
            assertEquals(
              [ours.code, puppetValue(ours.stdout).replaceAll(names.servitor, "{}"), ours.stderr],
              [theirs.code, puppetValue(theirs.stdout).replaceAll(names.nssm, "{}"), theirs.stderr],
              `Puppet's reading of get ${parameter}`,
            );
          }
        }
      }

      // Gone: Puppet's nssm_service asks `status` (a failure is absent), Chef's `dump`; the same words and codes
      // (Puppet's through a process).
      for (const args of [["status", "{}"], ["get", "{}", "Name"], ["dump", "{}"]]) {
        const theirs = await nssm(args.map((arg) => fill(arg, names.nssm)));
        const ours = await (args[0] === "status" ? servitorProcess : servitor)(
          args.map((arg) => fill(arg, names.servitor)),
        );
        assertEquals(
          { code: ours.code, stdout: ours.stdout, stderr: ours.stderr },
          { code: 3, stdout: "", stderr: lf(theirs.stderr) },
          `${args.join(" ")} of a service that is gone`,
        );
        assertEquals(theirs.code, 3);
      }
    } finally {
      await nssm(["stop", names.nssm]).catch(() => {});
      await nssm(["remove", names.nssm, "confirm"]).catch(() => {});
      await servitor(["stop", names.servitor]).catch(() => {});
      await servitor(["remove", names.servitor, "confirm"]).catch(() => {});
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
