/**
 * nssm's verbs say NSSM 2.24's own words for the failures scripts read, on Linux as on Windows (the
 * Windows tier compares them with nssm64.exe itself: tests/windows/nssm_messages_test.ts). Off Windows the
 * system's reason is Windows' English sentence, since the message is about the service, not the SCM.
 */
import { assertEquals } from "../assert.ts";
import { nssm } from "./nssm_fakes.ts";
import { nssmParameters } from "../../cli/nssm_parameters.ts";

const cantOpen = "Can't open service!\n" +
  "OpenService(): The specified service does not exist as an installed service.\n\n";

Deno.test("every nssm verb on a service that does not exist says NSSM's 'Can't open service!' lines, with its exit code", async () => {
  const cases: [string[], number][] = [
    [["status", "NoSuchSvc"], 3],
    [["statuscode", "NoSuchSvc"], 0],
    [["get", "NoSuchSvc", "Name"], 3],
    [["get", "NoSuchSvc", "Application"], 3],
    [["set", "NoSuchSvc", "AppThrottle", "1"], 3],
    [["set", "NoSuchSvc", "AppExit", "2", "Bogus"], 3],
    [["reset", "NoSuchSvc", "AppThrottle"], 3],
    [["unset", "NoSuchSvc", "AppThrottle"], 3],
    [["remove", "NoSuchSvc", "confirm"], 3],
    [["dump", "NoSuchSvc"], 3],
    [["dump", "NoSuchSvc", "Other"], 3],
    [["edit", "NoSuchSvc"], 3],
    ...["start", "stop", "restart", "pause", "continue", "rotate"].map((verb): [string[], number] => [
      [verb, "NoSuchSvc"],
      3,
    ]),
  ];
  for (const [args, code] of cases) {
    assertEquals(await nssm([], ...args), { code, stdout: "", stderr: cantOpen }, args.join(" "));
  }
  // A name no service can have: OpenService() says ERROR_INVALID_NAME's text.
  const invalidName = "Can't open service!\n" +
    "OpenService(): The filename, directory name, or volume label syntax is incorrect.\n\n";
  for (const args of [["status", "a/b"], ["get", "", "Name"], ["processes", "a\\b"]]) {
    assertEquals(await nssm([], ...args), {
      code: args[0] === "processes" ? 1 : 3,
      stdout: "",
      stderr: invalidName,
    });
  }
  // processes counts its failures, and NSSM says why its search by display name failed.
  const notListed = "Can't open service!\nEnumServicesStatus(): Access is denied.\n\n";
  assertEquals(await nssm([], "processes", "NoSuchSvc", "Other"), {
    code: 2,
    stdout: "",
    stderr: notListed + notListed,
  });
});

Deno.test("nssm's other failures are NSSM's words: a taken name, an unknown parameter, a missing subparameter, remove without confirm", async () => {
  assertEquals(await nssm(["Taken"], "install", "Taken", "/bin/sh"), {
    code: 5,
    stdout: "",
    stderr: "Error creating service!\nCreateService(): The specified service already exists.\n\n",
  });
  // The parameter is looked at before the service, as NSSM does.
  const invalid = await nssm([], "get", "NoSuchSvc", "Bogus");
  assertEquals([invalid.code, invalid.stdout], [1, ""]);
  assertEquals(
    invalid.stderr,
    ['Invalid parameter "Bogus".  Valid parameters are:', ...nssmParameters.map((p) => p.name), ""].join(
      "\n",
    ),
  );
  for (const args of [["get", "NoSuchSvc", "AppExit"], ["set", "NoSuchSvc", "AppEvents", "Start/Pre"]]) {
    assertEquals(
      await nssm([], ...args),
      { code: 1, stdout: "", stderr: `Parameter "${args[2]}" requires a subparameter!\n` },
      args.join(" "),
    );
  }
  assertEquals(await nssm(["Taken"], "remove", "Taken", "later"), {
    code: 100,
    stdout: "",
    stderr: "To remove a service without confirmation: nssm remove <servicename> confirm\n",
  });
});
