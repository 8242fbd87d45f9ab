import { assertEquals, assertThrows } from "../assert.ts";
import {
  decodeEnumServiceStatusProcess,
  decodeFailureActions,
  decodeJobLimitFlags,
  decodeProcessInformation,
  decodeQueryServiceConfig,
  decodeServiceDescription,
  decodeServiceStatus,
  encodeFailureActions,
  encodeJobLimits,
  encodeServiceDescription,
  encodeServiceStatus,
  encodeServiceTable,
  encodeStartupInfo,
  ENUM_SERVICE_STATUS_PROCESS_SIZE,
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE,
  QUERY_SERVICE_CONFIG_SIZE,
  STARTUPINFO_SIZE,
} from "../../ffi/structs.ts";
import { wide, wideMulti } from "../../ffi/strings.ts";
import type { FailureActions } from "../../ffi/types.ts";

// Made-up addresses: the codecs only ever subtract the buffer's base from the pointers in it.
const base = 0x7ff6_1234_0000n;
const fakeAddressOf = () => base;

function dwords(values: number[]) {
  return new Uint8Array(new Uint32Array(values).buffer);
}

Deno.test("SERVICE_STATUS_PROCESS decodes to state, accepted controls, exit code and PID", () => {
  // own process, RUNNING, accepts stop|pause_continue|shutdown, exit 0, checkpoint 0, hint 0, pid 4242
  const status = decodeServiceStatus(dwords([0x10, 4, 0x7, 0, 0, 0, 0, 4242, 0]));
  assertEquals(status, {
    kind: "own_process",
    interactive: false,
    state: "running",
    controlsAccepted: ["stop", "pause_continue", "shutdown"],
    exitCode: { kind: "win32", code: 0 },
    checkPoint: 0,
    waitHint: 0,
    processId: 4242,
  });
});

Deno.test("a service-specific exit code is reported through ERROR_SERVICE_SPECIFIC_ERROR and read back", () => {
  const bytes = encodeServiceStatus({
    state: "stopped",
    controlsAccepted: [],
    exitCode: { kind: "service_specific", code: 3 },
    checkPoint: 0,
    waitHint: 0,
  });
  assertEquals([...new Uint32Array(bytes.buffer)], [0x10, 1, 0, 1066, 3, 0, 0]);
  assertEquals(decodeServiceStatus(bytes).exitCode, { kind: "service_specific", code: 3 });
});

Deno.test("a pending status carries its checkpoint and wait hint at their offsets", () => {
  const bytes = encodeServiceStatus({
    state: "stop_pending",
    controlsAccepted: ["stop", "preshutdown"],
    exitCode: { kind: "win32", code: 0 },
    checkPoint: 7,
    waitHint: 4500,
  });
  const status = decodeServiceStatus(bytes);
  assertEquals([status.state, status.checkPoint, status.waitHint], ["stop_pending", 7, 4500]);
  assertEquals(status.controlsAccepted, ["stop", "preshutdown"]);
});

Deno.test("QUERY_SERVICE_CONFIGW: every string is read through its pointer into the same buffer", () => {
  const bytes = new Uint8Array(512);
  const view = new DataView(bytes.buffer);
  let end = QUERY_SERVICE_CONFIG_SIZE;
  const put = (at: number, data: Uint8Array) => {
    bytes.set(data, end);
    view.setBigUint64(at, base + BigInt(end), true);
    end += data.length;
  };
  view.setUint32(0, 0x10 | 0x100, true); // own process, interactive
  view.setUint32(4, 3, true); // demand
  view.setUint32(8, 1, true); // normal
  put(16, wide(String.raw`"C:\Program Files\servitor\servitor.exe" host --service demo`));
  put(24, wide(""));
  view.setUint32(32, 0, true);
  put(40, wideMulti(["Tcpip", "+NetworkProvider"]));
  put(48, wide("LocalSystem"));
  put(56, wide("Démo service"));
  assertEquals(decodeQueryServiceConfig(bytes, base), {
    kind: "own_process",
    interactive: true,
    startType: "demand",
    errorControl: "normal",
    binaryPath: String.raw`"C:\Program Files\servitor\servitor.exe" host --service demo`,
    loadOrderGroup: "",
    tagId: 0,
    dependencies: ["Tcpip", "+NetworkProvider"],
    account: "LocalSystem",
    displayName: "Démo service",
  });
});

Deno.test("a pointer outside its buffer is an error, not a read of someone else's memory", () => {
  const bytes = new Uint8Array(QUERY_SERVICE_CONFIG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, 3, true);
  view.setUint32(0, 0x10, true);
  view.setBigUint64(16, base + 4096n, true);
  assertThrows(() => decodeQueryServiceConfig(bytes, base), RangeError);
});

Deno.test("a description round-trips through SERVICE_DESCRIPTIONW, and none reads as empty", () => {
  const bytes = encodeServiceDescription("Runs the ünïcode demo", fakeAddressOf);
  assertEquals(decodeServiceDescription(bytes, base), "Runs the ünïcode demo");
  assertEquals(decodeServiceDescription(new Uint8Array(8), base), "");
});

Deno.test("failure actions round-trip: reset period, command, reboot message and each action's delay", () => {
  const actions: FailureActions = {
    resetPeriod: 86400,
    rebootMessage: "rebooting for servitor",
    command: String.raw`C:\tools\notify.cmd "the service failed"`,
    actions: [
      { type: "restart", delay: 5000 },
      { type: "restart", delay: 30000 },
      { type: "run_command", delay: 0 },
      { type: "none", delay: 0 },
    ],
  };
  const bytes = encodeFailureActions(actions, fakeAddressOf);
  assertEquals(new DataView(bytes.buffer).getUint32(24, true), 4);
  assertEquals(decodeFailureActions(bytes, base), actions);
});

Deno.test("failure actions with an infinite reset period and no actions leave NULL pointers", () => {
  const bytes = encodeFailureActions({ resetPeriod: "infinite", actions: [] }, fakeAddressOf);
  const view = new DataView(bytes.buffer);
  assertEquals(view.getUint32(0, true), 0xFFFFFFFF);
  assertEquals([view.getBigUint64(8, true), view.getBigUint64(16, true), view.getBigUint64(32, true)], [
    0n,
    0n,
    0n,
  ]);
  assertEquals(decodeFailureActions(bytes, base), { resetPeriod: "infinite", actions: [] });
});

Deno.test("the service table holds the name and ServiceMain, then a NULL entry", () => {
  assertEquals([...encodeServiceTable(0x1000n, 0x2000n)], [0x1000n, 0x2000n, 0n, 0n]);
});

Deno.test("EnumServicesStatusExW entries decode at their 56-byte stride", () => {
  const bytes = new Uint8Array(2 * ENUM_SERVICE_STATUS_PROCESS_SIZE + 200);
  const view = new DataView(bytes.buffer);
  let end = 2 * ENUM_SERVICE_STATUS_PROCESS_SIZE;
  const put = (at: number, text: string) => {
    const data = wide(text);
    bytes.set(data, end);
    view.setBigUint64(at, base + BigInt(end), true);
    end += data.length;
  };
  for (const [i, [name, state, pid]] of ([["alpha", 4, 100], ["beta", 1, 0]] as const).entries()) {
    const at = i * ENUM_SERVICE_STATUS_PROCESS_SIZE;
    put(at, name);
    put(at + 8, name.toUpperCase());
    view.setUint32(at + 16, 0x10, true);
    view.setUint32(at + 20, state, true);
    view.setUint32(at + 44, pid, true);
  }
  const services = decodeEnumServiceStatusProcess(bytes, base, 2);
  assertEquals(services.map((s) => [s.name, s.displayName, s.status.state, s.status.processId]), [
    ["alpha", "ALPHA", "running", 100],
    ["beta", "BETA", "stopped", 0],
  ]);
});

Deno.test("STARTUPINFOW carries its size, a hidden window and the three standard handles", () => {
  const bytes = encodeStartupInfo({
    showWindow: 0,
    stdHandles: { input: 0x10n, output: 0x20n, error: 0x30n },
  });
  const view = new DataView(bytes.buffer);
  assertEquals(bytes.length, STARTUPINFO_SIZE);
  assertEquals(view.getUint32(0, true), 104);
  assertEquals(view.getUint32(60, true), 0x101);
  assertEquals([view.getBigUint64(80, true), view.getBigUint64(88, true), view.getBigUint64(96, true)], [
    0x10n,
    0x20n,
    0x30n,
  ]);
});

Deno.test("PROCESS_INFORMATION decodes both handles and both ids", () => {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, 0x1a4n, true);
  view.setBigUint64(8, 0x1a8n, true);
  view.setUint32(16, 5120, true);
  view.setUint32(20, 5124, true);
  assertEquals(decodeProcessInformation(bytes), {
    process: 0x1a4n,
    thread: 0x1a8n,
    processId: 5120,
    threadId: 5124,
  });
});

Deno.test("servitor's job kills everything on close and lets no child break away", () => {
  const bytes = encodeJobLimits({ killOnClose: true, breakaway: "none" });
  assertEquals(bytes.length, JOBOBJECT_EXTENDED_LIMIT_INFORMATION_SIZE);
  assertEquals(decodeJobLimitFlags(bytes), 0x2000);
  assertEquals(decodeJobLimitFlags(encodeJobLimits({ killOnClose: false, breakaway: "silent" })), 0x1000);
});
