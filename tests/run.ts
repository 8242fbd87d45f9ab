/**
 * `deno task test`: every tier, then one summary line per tier and a total.
 *
 * - unit: pure logic, run here.
 * - host: the host supervising real Linux processes, run here.
 * - windows: tests/windows, run by the Windows deno.exe under Wine, against Wine's own SCM.
 * - windows-bundle: the Windows tier's SCM-facing round trips (install, start, status, stop, remove; a
 *   hosted program's output, restart and throttling) again against the bundled build, dist/servitor.js
 *   (`deno task bundle`, built here first): what a compiled servitor.exe loads.
 * - systemd: tests/systemd, run inside a systemd booted in its own namespaces.
 * - ui: tests/ui, `servitor ui` inside the systemd test-bed, driven by Debian's Chromium from here
 *   (installed when missing, as the test-bed installs debootstrap; nothing downloads a browser).
 * - fleet: tests/fleet, ansible-playbook (Debian's ansible-core, in the test-bed's rootfs) over ssh to two
 *   systemd test-beds with networks of their own (testbed.sh fleet 2).
 *
 * The last four need the test-bed (tests/testbed/testbed.sh: root, and Debian's mirror the first time).
 * Where it can't run, their tests are listed as skipped, with one loud line saying why.
 */
import { join } from "node:path";
import { ensure } from "../bench/peers.ts";

const project = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const testbed = join(project, "tests/testbed/testbed.sh");
const deno = Deno.execPath();
const tierTimeoutMs = 15 * 60_000;

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts a JUnit report of `deno test`: every test case, failed when it has a failure or an error. */
function countJunit(xml: string): Counts {
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const testCase of cases) {
    if (/<(failure|error)\b/.test(testCase)) counts.failed++;
    else if (/<skipped\b/.test(testCase)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function run(command: string[], env: Record<string, string> = {}): Promise<number> {
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: project,
    env,
    stdin: "null",
  }).spawn();
  const timer = setTimeout(() => {
    console.error(`!! ${command.join(" ")} ran past ${tierTimeoutMs / 60_000} minutes: ending it`);
    child.kill("SIGKILL");
  }, tierTimeoutMs);
  const { code } = await child.status;
  clearTimeout(timer);
  return code;
}

/** Runs a tier's `deno test` command, which writes its JUnit report to `report`, and counts it. */
async function tier(name: string, command: string[], report: string, env: Record<string, string> = {}) {
  console.log(`\n=== ${name} tier`);
  const startedAt = Date.now();
  const code = await run(command, env);
  console.log(`=== ${name} tier took ${seconds(startedAt)}`);
  let counts: Counts;
  try {
    counts = countJunit(await Deno.readTextFile(report));
  } catch {
    console.error(`!! the ${name} tier wrote no test report (exit code ${code})`);
    counts = { passed: 0, failed: 1, skipped: 0 };
  }
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

/** Why the test-bed can't run here, or null when it can (building the rootfs if needed). */
async function testbedUnavailable(): Promise<string | null> {
  if (Deno.uid() !== 0) return "the test-bed needs root (run the tests as root, or with sudo)";
  for (const tool of ["unshare", "nsenter", "setpriv", "chroot"]) {
    const found = await new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
      .output();
    if (!found.success) return `the test-bed needs ${tool} (util-linux), which is missing`;
  }
  console.log("\n=== test-bed");
  const startedAt = Date.now();
  const build = await new Deno.Command(testbed, { args: ["build"], stdout: "piped", stderr: "inherit" })
    .output();
  if (!build.success) return "the test-bed's rootfs could not be built (see the lines above)";
  // Built once (about a minute), then reused: the line says which, so a run's log shows what it cost.
  console.log(`rootfs: ${new TextDecoder().decode(build.stdout).trim()} (ready in ${seconds(startedAt)})`);
  return null;
}

const CHROMIUM = "/usr/bin/chromium";

/** Why the ui tier can't run (no Chromium, and it could not be installed), or null when it can. */
async function chromiumUnavailable(): Promise<string | null> {
  if (await Deno.stat(CHROMIUM).then(() => true, () => false)) return null;
  console.log(`\n=== installing Debian's chromium for the ui tier`);
  const startedAt = Date.now();
  const installed = await ensure([{ id: "chromium", pkg: "chromium", command: CHROMIUM }], console.log);
  if (installed.length === 0) {
    return "Debian's chromium is missing and could not be installed (apt-get install chromium)";
  }
  console.log(`chromium: ${CHROMIUM} (installed in ${seconds(startedAt)})`);
  return null;
}

/**
 * The tests of the Windows tier that run again against the bundled build: what the SCM starts is then
 * dist/servitor.js, as a compiled exe would run it. A few, so the tier costs under a minute more; the
 * environment file's, because only there does the bundle load its one CommonJS package (tools/lazy_require.ts).
 */
const BUNDLE_TESTS = [
  "install, start, status, stop, stop_and_restart, remove, reinstall, stop_and_reinstall, stop_and_remove",
  "a console script as a service: RUNNING, output in %PROGRAM%.out.txt, restarted when killed, paused while throttled",
  "a service with an environment file sees its values, over AppEnvironmentExtra's",
];

/** Builds the bundled build, then runs BUNDLE_TESTS under Wine with SERVITOR_UNDER_TEST=bundle. */
async function bundleTier(env: Record<string, string>): Promise<Counts> {
  console.log("\n=== the bundled build (deno task bundle)");
  if (await run([deno, "task", "--quiet", "bundle"]) !== 0) {
    console.error("!! deno task bundle failed: the windows-bundle tier can't run");
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const filter = `/^(${BUNDLE_TESTS.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$/`;
  return await tier(
    "windows-bundle",
    [
      testbed,
      "wine",
      "env",
      "SERVITOR_UNDER_TEST=bundle",
      "wine",
      "/opt/deno-windows/deno.exe",
      "test",
      "-A",
      `--junit-path=Z:${reports}/windows-bundle.xml`,
      `--filter=${filter}`,
      "tests/windows/cli_test.ts",
      "tests/windows/host_test.ts",
      "tests/windows/env_files_test.ts",
    ],
    `${reports}/windows-bundle.xml`,
    env,
  );
}

const results = new Map<string, Counts>();
const reports = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "servitor-test-" });
try {
  results.set(
    "unit",
    await tier(
      "unit",
      [deno, "test", "-A", `--junit-path=${reports}/unit.xml`, "tests/unit"],
      `${reports}/unit.xml`,
    ),
  );

  results.set(
    "host",
    await tier(
      "host",
      [deno, "test", "-A", `--junit-path=${reports}/host.xml`, "tests/host"],
      `${reports}/host.xml`,
    ),
  );

  const unavailable = await testbedUnavailable();
  if (unavailable) {
    console.error(`\n!!! WINDOWS, SYSTEMD, UI AND FLEET TIERS SKIPPED: ${unavailable}\n`);
    // Run on Linux outside the test-bed, every test of those tiers reports itself ignored: that counts them.
    for (const name of ["windows", "systemd", "ui", "fleet"]) {
      const report = `${reports}/${name}-skipped.xml`;
      const counts = await tier(
        name,
        [deno, "test", "-A", `--junit-path=${report}`, `tests/${name}`],
        report,
        { SERVITOR_UI_SKIP: unavailable },
      );
      results.set(name, { passed: 0, failed: counts.failed, skipped: counts.skipped + counts.passed });
      if (name === "windows") {
        results.set("windows-bundle", { passed: 0, failed: 0, skipped: BUNDLE_TESTS.length });
      }
    }
  } else {
    const bind = { SERVITOR_TESTBED_BIND: reports };
    // The page's bundle, which `servitor ui` under Wine serves (and can't build there: esbuild comes from
    // npm through Deno's cache, which the test-bed has not).
    console.log("\n=== the page's bundle (deno task ui:build)");
    if (await run([deno, "task", "--quiet", "ui:build"]) !== 0) console.error("!! deno task ui:build failed");
    results.set(
      "windows",
      await tier(
        "windows",
        [
          testbed,
          "wine",
          "wine",
          "/opt/deno-windows/deno.exe",
          "test",
          "-A",
          `--junit-path=Z:${reports}/windows.xml`,
          "tests/windows",
        ],
        `${reports}/windows.xml`,
        bind,
      ),
    );
    results.set("windows-bundle", await bundleTier(bind));
    results.set(
      "systemd",
      await tier(
        "systemd",
        [
          testbed,
          "systemd",
          "env",
          "SERVITOR_TESTBED=systemd",
          deno,
          "test",
          "-A",
          `--junit-path=${reports}/systemd.xml`,
          "tests/systemd",
        ],
        `${reports}/systemd.xml`,
        bind,
      ),
    );
    // Run here: its test boots one systemd test-bed for the UI server, and drives Chromium from outside.
    const noChromium = await chromiumUnavailable();
    if (noChromium) console.error(`\n!!! UI TIER SKIPPED: ${noChromium}\n`);
    results.set(
      "ui",
      await tier(
        "ui",
        [deno, "test", "-A", `--junit-path=${reports}/ui.xml`, "tests/ui"],
        `${reports}/ui.xml`,
        noChromium ? { SERVITOR_UI_SKIP: noChromium } : {},
      ),
    );
    results.set(
      "fleet",
      await tier(
        "fleet",
        [testbed, "fleet", "2", deno, "test", "-A", `--junit-path=${reports}/fleet.xml`, "tests/fleet"],
        `${reports}/fleet.xml`,
        bind,
      ),
    );
  }
} finally {
  await Deno.remove(reports, { recursive: true });
}

const total = { passed: 0, failed: 0, skipped: 0 };
console.log("");
for (const [name, counts] of results) {
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
Deno.exit(total.failed > 0 || results.size < 7 ? 1 : 0);
