/** The Windows half of `deno task demo`, run under Wine by tests/demo.ts. */
import { ServiceControlManager } from "../ffi/scm.ts";
import { Win32Error } from "../ffi/error.ts";
import { denoServiceCommand, tempFile, waitForState } from "./windows/helpers.ts";

const name = "servitor_demo";
const say = (line: string) => console.log(`demo: ${line}`);
const log = await tempFile("demo.log");

using scm = ServiceControlManager.connect();
say(`creating the service '${name}' (manual start), whose program is a tiny TypeScript service`);
using service = scm.create({
  name,
  displayName: "servitor demo",
  startType: "demand",
  binaryPath: denoServiceCommand("tiny_service.ts", [name, log]),
});
service.changeConfig2({ description: "Created by servitor's demo through Deno FFI." });
const config = service.queryConfig();
say(`  binary path: ${config.binaryPath}`);
say(`  description: ${service.queryConfig2().description}`);

say("starting it through StartServiceW");
const started = Date.now();
service.start();
const running = await waitForState(service, "running");
say(
  `  RUNNING after ${
    Date.now() - started
  } ms, process ${running.processId}, accepts ${running.controlsAccepted}`,
);

say("querying it among all services (EnumServicesStatusExW)");
const listed = scm.list().find((s) => s.name === name)!;
say(`  ${listed.name} '${listed.displayName}': ${listed.status.state}`);

say("stopping it (ControlService STOP)");
const stopping = Date.now();
service.control({ kind: "stop" });
const stopped = await waitForState(service, "stopped");
say(`  STOPPED after ${Date.now() - stopping} ms, exit code ${JSON.stringify(stopped.exitCode)}`);
say(`  what the service saw: ${(await Deno.readTextFile(log)).trim().split("\n").join(" | ")}`);

say("deleting it");
service.delete();
service.close();
try {
  scm.open(name);
} catch (error) {
  if (!(error instanceof Win32Error)) throw error;
  say(`  gone: opening it now fails: ${error.message}`);
}
say("done");
