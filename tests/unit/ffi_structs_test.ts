import { assertEquals, assertThrows } from "../assert.ts";
import {
  decodeDword,
  decodeEnumServiceStatusProcess,
  decodeFailureActions,
  decodeJobLimitFlags,
  decodeProcessInformation,
  decodeQueryServiceConfig,
  decodeServiceDescription,
  decodeServiceStatus,
  encodeDword,
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

/**
 * Bytes from a hex dump: pairs of hex digits, `//` to the end of a line a comment. The golden bytes below
 * have the x64 offsets of the Windows SDK's headers (winsvc.h, winnt.h, processthreadsapi.h) written out,
 * checked with offsetof under mingw-w64; a codec that both encodes and decodes a field at a wrong offset
 * passes a round trip, not these.
 */
function hex(dump: string): Uint8Array {
  const pairs = dump.replace(/\/\/.*$/gm, "").trim().split(/\s+/).filter(Boolean);
  return new Uint8Array(pairs.map((pair) => {
    if (!/^[0-9a-f]{2}$/i.test(pair)) throw new Error(`not a byte: ${pair}`);
    return parseInt(pair, 16);
  }));
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

// base (0x7ff6_1234_0000) + n, as the 8 little-endian bytes of a pointer, is "nn 00 34 12 f6 7f 00 00".

Deno.test("SERVICE_FAILURE_ACTIONSW's bytes: each field at its x64 offset, the strings and SC_ACTIONs after it", () => {
  const actions: FailureActions = {
    resetPeriod: 86400,
    rebootMessage: "R",
    command: "C",
    actions: [{ type: "restart", delay: 5000 }, { type: "run_command", delay: 0 }],
  };
  const golden = hex(`
    80 51 01 00 00 00 00 00  28 00 34 12 f6 7f 00 00  // 0 dwResetPeriod 86400, 8 lpRebootMsg -> 40
    30 00 34 12 f6 7f 00 00  02 00 00 00 00 00 00 00  // 16 lpCommand -> 48, 24 cActions 2
    38 00 34 12 f6 7f 00 00                           // 32 lpsaActions -> 56; the struct is 40 bytes
    52 00 00 00 00 00 00 00                           // 40 "R", padded to 8
    43 00 00 00 00 00 00 00                           // 48 "C", padded to 8
    01 00 00 00 88 13 00 00  03 00 00 00 00 00 00 00  // 56 SC_ACTION_RESTART 5000 ms, SC_ACTION_RUN_COMMAND 0
  `);
  assertEquals(encodeFailureActions(actions, fakeAddressOf), golden);
  assertEquals(decodeFailureActions(golden, base), actions);
});

Deno.test("SERVICE_FAILURE_ACTIONSW as Windows fills it decodes: actions before the strings, NULL reboot message", () => {
  // QueryServiceConfig2W lays the buffer out its own way: here the SC_ACTION array first, then the command.
  const filled = hex(`
    ff ff ff ff 00 00 00 00  00 00 00 00 00 00 00 00  // 0 dwResetPeriod INFINITE, 8 lpRebootMsg NULL
    30 00 34 12 f6 7f 00 00  01 00 00 00 00 00 00 00  // 16 lpCommand -> 48, 24 cActions 1
    28 00 34 12 f6 7f 00 00                           // 32 lpsaActions -> 40
    02 00 00 00 60 ea 00 00                           // 40 SC_ACTION_REBOOT 60000 ms
    78 00 79 00 00 00                                 // 48 "xy"
  `);
  assertEquals(decodeFailureActions(filled, base), {
    resetPeriod: "infinite",
    command: "xy",
    actions: [{ type: "reboot", delay: 60000 }],
  });
});

Deno.test("SERVICE_DESCRIPTIONW's bytes: lpDescription at 0, pointing just after the struct", () => {
  const golden = hex(`
    08 00 34 12 f6 7f 00 00  // 0 lpDescription -> 8
    48 00 69 00 00 00        // 8 "Hi"
  `);
  assertEquals(encodeServiceDescription("Hi", fakeAddressOf), golden);
  assertEquals(decodeServiceDescription(golden, base), "Hi");
});

Deno.test("SERVICE_DELAYED_AUTO_START_INFO is fDelayedAutostart, a 4-byte BOOL", () => {
  assertEquals(encodeDword(true), hex("01 00 00 00"));
  assertEquals(encodeDword(false), hex("00 00 00 00"));
  // Windows' TRUE is any non-zero value; the caller compares with 0.
  assertEquals(decodeDword(hex("01 00 00 00")), 1);
  assertEquals(decodeDword(hex("00 00 00 00")), 0);
  // SERVICE_PRESHUTDOWN_INFO's dwPreshutdownTimeout, the same codec: 180000 ms.
  assertEquals(encodeDword(180000), hex("20 bf 02 00"));
});

Deno.test("JOBOBJECT_EXTENDED_LIMIT_INFORMATION's bytes: 144 of them, LimitFlags at 16 and nothing else set", () => {
  const golden = new Uint8Array(144);
  golden.set(hex("00 28 00 00"), 16); // KILL_ON_JOB_CLOSE 0x2000 | BREAKAWAY_OK 0x800
  assertEquals(encodeJobLimits({ killOnClose: true, breakaway: "on_request" }), golden);
  // The fields around LimitFlags (PerJobUserTimeLimit at 8, MinimumWorkingSetSize at 24) are not read as it.
  const filled = new Uint8Array(144);
  filled.set(hex("ff ff ff ff ff ff ff ff  00 10 00 00 00 00 00 00  ff ff ff ff"), 8);
  assertEquals(decodeJobLimitFlags(filled), 0x1000);
});

Deno.test("STARTUPINFOW's bytes: cb 104, dwFlags at 60, a shown window's wShowWindow at 64, handles from 80", () => {
  const golden = hex(`
    68 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  // 0 cb 104, 8 lpReserved
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  // 16 lpDesktop, 24 lpTitle
    00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  // 32 dwX, dwY, dwXSize, dwYSize
    00 00 00 00 00 00 00 00  00 00 00 00 01 01 00 00  // 48 dwXCountChars …, 60 dwFlags USESHOWWINDOW|USESTDHANDLES
    07 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  // 64 wShowWindow SW_SHOWMINNOACTIVE, 66 cbReserved2, 72 lpReserved2
    10 00 00 00 00 00 00 00  20 00 00 00 00 00 00 00  // 80 hStdInput, 88 hStdOutput
    30 00 00 00 00 00 00 00                           // 96 hStdError
  `);
  assertEquals(
    encodeStartupInfo({ showWindow: 7, stdHandles: { input: 0x10n, output: 0x20n, error: 0x30n } }),
    golden,
  );
  // A window alone: only STARTF_USESHOWWINDOW, no handles.
  const windowOnly = encodeStartupInfo({ showWindow: 7 });
  assertEquals([...windowOnly.subarray(60, 68)], [...hex("01 00 00 00 07 00 00 00")]);
  assertEquals(windowOnly.subarray(80).every((byte) => byte === 0), true);
});
