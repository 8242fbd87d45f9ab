/**
 * What Ansible's community.windows.win_nssm asks nssm, and what it reads back — recorded from its source,
 * plugins/modules/win_nssm.ps1 in ansible-collections/community.windows (read at commit 3b606203, June 2026;
 * the module last changed in 5feff6b, "Removed deprecated features for 2.0.0", May 2023). Line numbers
 * below are that file's. win_nssm_test.ts replays these command lines against NSSM 2.24-101 (the oracle)
 * and against servitor, and asserts what the module relies on.
 *
 * How the module talks to nssm (lines 58–71): `Invoke-NssmCommand` joins `executable` (the task's
 * `executable:`, default nssm.exe) and the arguments with Argv-ToString (Ansible.ModuleUtils.ArgvParser: an
 * argument is quoted when it is empty or holds a space, \n, \t, \v or a quote) and runs that command line
 * with Run-Command (Ansible.ModuleUtils.CommandUtil), which decodes stdout and stderr as UTF-8 and returns
 * `rc`. Every call but a `get` whose value is compared fails the task on `rc -ne 0` (lines 168, 185, 217,
 * 233, 249, 282, 409, 427), and the module then shows the command line and stderr (`nssm_error_cmd`,
 * `nssm_error_log`).
 *
 * What it parses:
 * - `get <service> <parameter>` (Update-NssmServiceParameter, lines 130–196): stdout split on CR and LF,
 *   empty pieces dropped (line 174), compared with the wanted values by Compare-Object (line 160: no
 *   difference in either direction; PowerShell compares strings without regard to case). When they differ:
 *   `set <service> <parameter> <value>…`, or `reset <service> <parameter>` when the wanted list is empty
 *   (an empty string or an empty mapping/list, line 164 drops the empty strings). A value the task leaves
 *   out (null) is neither read nor set (line 163). So a `get` of an unset parameter must print nothing
 *   but line ends, exit 0; and `get` must print exactly what `set` was given, or every run reports a
 *   change.
 * - `status <service>` (lines 247–265, 280–290): stdout matched with `-like "*SERVICE_RUNNING*"`,
 *   `*SERVICE_STOPPED*`, and the pending and paused states (a PAUSED service is stopped, then started).
 * - Whether the service exists is asked of the SCM (Get-Service, lines 198–206, 403), not of nssm.
 *
 * The SCM's own settings (display name, description, start type) are read from the SCM, as NSSM reads them:
 * a change another tool made there is seen and set back.
 *
 * The order of a run (lines 400–541): absent → `stop` (when Get-Service says it is not Stopped), `remove
 * <service> confirm`. Otherwise `install <service> <application>` when it does not exist, then Application,
 * DisplayName, Description, AppDirectory (the application's folder unless given), AppParameters (a list is
 * joined by Argv-ToString into one string, line 459), AppStdout, AppStderr, AppEnvironmentExtra (KEY=VALUE
 * sorted by key, line 480), AppStdoutCreationDisposition 2, AppStderrCreationDisposition 2, AppRotateFiles 1,
 * AppRotateOnline (0), AppRotateSeconds 86400, AppRotateBytes (104858), DependOnService, ObjectName (only
 * with `user:`; compared through the SID, the password never read), Start; then stop (stopped, restarted)
 * and start (started, restarted); then AppStopMethodConsole and AppStopMethodSkip when given.
 *
 * Placeholders: `{}` the service's name, `{app}` the program (a copy of cmd.exe in a folder with a space),
 * `{appdir}` its folder, `{dir}` the working directory, `{out}` and `{err}` the output files.
 * @module
 */

/** One parameter the module keeps up to date: what it reads first (nssm's default), and what it wants. */
export interface Update {
  parameter: string;
  /** The lines `get` prints for a new service (NSSM's defaults after `install <service> <application>`). */
  initially: string[];
  /** The values the task below wants, as the module passes them to `set` and compares them with `get`. */
  wanted: string[];
  /** The module's line that updates it. */
  line: number;
  /**
   * Why NSSM under Wine reads back something else than it was given (not servitor's doing): its `get`
   * is not compared with the recording there.
   */
  wine?: string;
}

/**
 * The task, as a playbook has it:
 *
 * ```yaml
 * - community.windows.win_nssm:
 *     name: "{}"
 *     executable: C:\servitor\servitor.exe     # nssm.exe for the oracle
 *     application: "{app}"
 *     display_name: My {} service
 *     description: Serves & more
 *     working_directory: "{dir}"
 *     arguments: [/c, ping -n 100 127.0.0.1]    # joined: /c "ping -n 100 127.0.0.1"
 *     stdout_file: "{out}"
 *     stderr_file: "{err}"
 *     app_environment: { B: two words, A: "1" }
 *     dependencies: [RpcSs]
 *     user: LocalSystem
 *     start_mode: manual
 *     app_stop_method_console: 3000
 *     app_stop_method_skip: 6
 *     state: present                            # then started, restarted, stopped, absent
 * ```
 */
export const updates: Update[] = [
  { parameter: "Application", initially: ["{app}"], wanted: ["{app}"], line: 449 },
  { parameter: "DisplayName", initially: ["{}"], wanted: ["My {} service"], line: 450 },
  { parameter: "Description", initially: [], wanted: ["Serves & more"], line: 451 },
  { parameter: "AppDirectory", initially: ["{appdir}"], wanted: ["{dir}"], line: 453 },
  { parameter: "AppParameters", initially: [], wanted: ['/c "ping -n 100 127.0.0.1"'], line: 468 },
  { parameter: "AppStdout", initially: [], wanted: ["{out}"], line: 472 },
  { parameter: "AppStderr", initially: [], wanted: ["{err}"], line: 473 },
  { parameter: "AppEnvironmentExtra", initially: [], wanted: ["A=1", "B=two words"], line: 487 },
  { parameter: "AppStdoutCreationDisposition", initially: ["4"], wanted: ["2"], line: 495 },
  { parameter: "AppStderrCreationDisposition", initially: ["4"], wanted: ["2"], line: 496 },
  { parameter: "AppRotateFiles", initially: ["0"], wanted: ["1"], line: 499 },
  { parameter: "AppRotateOnline", initially: ["0"], wanted: ["0"], line: 502 },
  { parameter: "AppRotateSeconds", initially: ["0"], wanted: ["86400"], line: 506 },
  { parameter: "AppRotateBytes", initially: ["0"], wanted: ["104858"], line: 509 },
  {
    parameter: "DependOnService",
    initially: [],
    wanted: ["RpcSs"],
    line: 511,
    wine: "Wine's QueryServiceConfigW gives no dependencies back, so NSSM's get prints none",
  },
  // Compared as accounts (ConvertTo-NormalizedUser, lines 298–358): LocalSystem needs no password, and the
  // empty one the module adds (line 383) is dropped with the empty strings: nothing to set here.
  { parameter: "ObjectName", initially: ["LocalSystem"], wanted: ["LocalSystem"], line: 514 },
  { parameter: "Start", initially: ["SERVICE_AUTO_START"], wanted: ["SERVICE_DEMAND_START"], line: 524 },
  { parameter: "AppStopMethodConsole", initially: ["1500"], wanted: ["3000"], line: 535 },
  { parameter: "AppStopMethodSkip", initially: ["0"], wanted: ["6"], line: 539 },
];

/** The parameters the module updates after the state's stop and start (lines 533–540). */
export const afterControl = ["AppStopMethodConsole", "AppStopMethodSkip"];

/**
 * The same task run again with the mapping and the lists emptied and the description removed
 * (`app_environment: {}`, `dependencies: []`, `description: ""`): the module resets each.
 */
export const emptied: Update[] = [
  { parameter: "Description", initially: ["Serves & more"], wanted: [], line: 451 },
  { parameter: "AppEnvironmentExtra", initially: ["A=1", "B=two words"], wanted: [], line: 487 },
  { ...updates.find((update) => update.parameter === "DependOnService")!, initially: ["RpcSs"], wanted: [] },
];

/** One command line the module issues, with what it needs of the answer. */
export interface Step {
  /** The arguments after the executable (placeholders as above). */
  args: string[];
  /** The exit code the module needs: any other fails the task (or, for a get, the module's comparison). */
  code: number;
  /** A get: the lines the module compares (stdout split on CR and LF, empty lines dropped). */
  reads?: string[];
  /** status: the state the module's `-like "*SERVICE_…*"` looks for. */
  like?: string;
  /** The module's line that issues it. */
  line: number;
  /** Why NSSM under Wine answers otherwise (the Update's): its answer is not held to the recording. */
  wine?: string;
}

/** A run of the task with `state`: the steps, in the module's order, and whether it reports a change. */
export interface Run {
  state: "present" | "started" | "restarted" | "stopped" | "absent";
  what: string;
  changed: boolean;
  /**
   * What another tool changed through the SCM before this run (as ansible.windows.win_service does, which
   * the module's own EXAMPLES pair with it): the display name, the description, the start type.
   */
  outside?: { displayName: string; description: string; start: "auto" | "demand" };
  steps: Step[];
}

/** The values win_service left (its `display_name`, `description`, `start_mode: auto`), as nssm reads them. */
const changedOutside: Update[] = [
  { ...updates.find((update) => update.parameter === "DisplayName")!, initially: ["Renamed {} elsewhere"] },
  { ...updates.find((update) => update.parameter === "Description")!, initially: ["Described elsewhere"] },
  { ...updates.find((update) => update.parameter === "Start")!, initially: ["SERVICE_AUTO_START"] },
];

/**
 * The get (and the set or reset when the value read is not the one wanted) that Update-NssmServiceParameter
 * issues for `update`, reading `current`.
 */
export function updateSteps(update: Update, current: string[]): Step[] {
  const { parameter, wanted, line, wine } = update;
  const steps: Step[] = [{ args: ["get", "{}", parameter], code: 0, reads: current, line: 166, wine }];
  if (!sameValues(current, wanted)) {
    steps.push({
      args: wanted.length ? ["set", "{}", parameter, ...wanted] : ["reset", "{}", parameter],
      code: 0,
      line,
    });
  }
  return steps;
}

/** Compare-Object's verdict on two lists of strings (no difference either way; case ignored). */
export function sameValues(actual: readonly string[], wanted: readonly string[]): boolean {
  const lower = (values: readonly string[]) => values.map((value) => value.toLowerCase());
  const [a, b] = [lower(actual), lower(wanted)];
  return a.every((value) => b.includes(value)) && b.every((value) => a.includes(value));
}

/** The module's updates of `table`'s parameters, those before the state's control or those after it. */
function inPlace(afterTheControl: boolean, table: Update[]): Step[] {
  return table.filter((update) => afterControl.includes(update.parameter) === afterTheControl)
    .flatMap((update) => updateSteps(update, update.initially));
}

/** Every parameter as wanted, with `edits` over them. */
function withEdits(edits: Update[]): Update[] {
  return updates.map((update) => {
    const edit = edits.find((e) => e.parameter === update.parameter);
    return edit ?? { ...update, initially: update.wanted };
  });
}
const settled = withEdits([]);

const status = (like: string, line: number): Step => ({ args: ["status", "{}"], code: 0, like, line });
const stop: Step = { args: ["stop", "{}"], code: 0, line: 231 };
const start: Step = { args: ["start", "{}"], code: 0, line: 215 };

/** A playbook's runs of the task, one after another on one service, as recorded. */
export const runs: Run[] = [
  {
    state: "present",
    what: "a new service: install, then every parameter read and the differing ones set",
    changed: true,
    steps: [
      { args: ["install", "{}", "{app}"], code: 0, line: 425 },
      ...updates.flatMap((update) => updateSteps(update, update.initially)),
    ],
  },
  {
    state: "present",
    what: "the same task again: every parameter read back as it was set, nothing set",
    changed: false,
    steps: [...inPlace(false, settled), ...inPlace(true, settled)],
  },
  {
    state: "present",
    what: "after win_service changed the display name, description and start type: each read and set back",
    changed: true,
    outside: { displayName: "Renamed {} elsewhere", description: "Described elsewhere", start: "auto" },
    steps: [...inPlace(false, withEdits(changedOutside)), ...inPlace(true, withEdits(changedOutside))],
  },
  {
    state: "started",
    what: "started: status says STOPPED, so start",
    changed: true,
    steps: [
      ...inPlace(false, settled),
      status("SERVICE_STOPPED", 247),
      start,
      ...inPlace(true, settled),
    ],
  },
  {
    state: "started",
    what: "started again: status says RUNNING, nothing to do",
    changed: false,
    steps: [
      ...inPlace(false, settled),
      status("SERVICE_RUNNING", 247),
      ...inPlace(true, settled),
    ],
  },
  {
    state: "restarted",
    what: "restarted: stop (status RUNNING), then start (status STOPPED)",
    changed: true,
    steps: [
      ...inPlace(false, settled),
      status("SERVICE_RUNNING", 280),
      stop,
      status("SERVICE_STOPPED", 247),
      start,
      ...inPlace(true, settled),
    ],
  },
  {
    state: "stopped",
    what: "stopped: status says RUNNING, so stop",
    changed: true,
    steps: [
      ...inPlace(false, settled),
      status("SERVICE_RUNNING", 280),
      stop,
      ...inPlace(true, settled),
    ],
  },
  {
    state: "present",
    what: "the environment, the dependencies and the description emptied: each reset",
    changed: true,
    steps: [...inPlace(false, withEdits(emptied)), ...inPlace(true, withEdits(emptied))],
  },
  {
    state: "absent",
    what: "absent: Get-Service finds it Stopped, so no stop; remove confirmed",
    changed: true,
    steps: [{ args: ["remove", "{}", "confirm"], code: 0, line: 407 }],
  },
];

/**
 * Argv-ToString's quoting (Ansible.ModuleUtils.ArgvParser's Escape-Argument): bare unless empty or holding a
 * space, \n, \t, \v or a quote; in quotes, a quote escaped with its backslashes doubled plus one, and the
 * trailing backslashes doubled.
 */
export function argvToString(args: readonly string[]): string {
  return args.map((arg) => {
    if (arg !== "" && !/[ \n\t\v"]/.test(arg)) return arg;
    const escaped = arg.replace(/(\\*)"/g, (_, slashes: string) => `${slashes}${slashes}\\"`)
      .replace(/(\\+)$/, "$1$1");
    return `"${escaped}"`;
  }).join(" ");
}
