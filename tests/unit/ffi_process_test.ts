import { assertEquals, assertThrows } from "../assert.ts";
import {
  decodeJobProcessIdList,
  decodeProcessEntry,
  decodeThreadEntry,
  encodeEnvironmentBlock,
  encodeSecurityAttributes,
  encodeStartupInfoEx,
  newProcessEntry,
  newThreadEntry,
  PROCESSENTRY32_SIZE,
  SECURITY_ATTRIBUTES_SIZE,
  STARTUPINFOEX_SIZE,
  THREADENTRY32_SIZE,
} from "../../ffi/structs.ts";
import { affinityMask, priorityClassName, priorityClassValue } from "../../ffi/priority.ts";
import { descendants } from "../../ffi/toolhelp.ts";
import { wide } from "../../ffi/strings.ts";

function view(bytes: Uint8Array) {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

Deno.test("SECURITY_ATTRIBUTES says its size and whether the handle is inheritable at x64 offsets", () => {
  const inheritable = view(encodeSecurityAttributes(true));
  assertEquals(inheritable.byteLength, SECURITY_ATTRIBUTES_SIZE);
  assertEquals([
    inheritable.getUint32(0, true),
    inheritable.getBigUint64(8, true),
    inheritable.getInt32(16, true),
  ], [
    24,
    0n,
    1,
  ]);
  assertEquals(view(encodeSecurityAttributes(false)).getInt32(16, true), 0);
});

Deno.test("STARTUPINFOEXW is a STARTUPINFOW of cb 112 followed by the attribute list's address", () => {
  const bytes = encodeStartupInfoEx({
    showWindow: 0,
    stdHandles: { input: 0x10n, output: 0x14n, error: 0x18n },
  }, 0x7ff0_0000_1000n);
  const v = view(bytes);
  assertEquals(bytes.length, STARTUPINFOEX_SIZE);
  assertEquals(v.getUint32(0, true), 112);
  // dwFlags: STARTF_USESHOWWINDOW | STARTF_USESTDHANDLES; wShowWindow SW_HIDE
  assertEquals([v.getUint32(60, true), v.getUint16(64, true)], [0x101, 0]);
  assertEquals([v.getBigUint64(80, true), v.getBigUint64(88, true), v.getBigUint64(96, true)], [
    0x10n,
    0x14n,
    0x18n,
  ]);
  assertEquals(v.getBigUint64(104, true), 0x7ff0_0000_1000n);
});

Deno.test("PROCESSENTRY32W reads the process id, parent, thread count and executable at x64 offsets", () => {
  const bytes = newProcessEntry();
  const v = view(bytes);
  assertEquals([bytes.length, v.getUint32(0, true)], [PROCESSENTRY32_SIZE, 568]);
  v.setUint32(8, 4242, true);
  v.setUint32(28, 3, true);
  v.setUint32(32, 17, true);
  bytes.set(wide("dénö.exe"), 44);
  assertEquals(decodeProcessEntry(bytes), {
    processId: 4242,
    parentProcessId: 17,
    threads: 3,
    exeFile: "dénö.exe",
  });
});

Deno.test("a PROCESSENTRY32W whose executable name fills all 260 characters still decodes", () => {
  const bytes = newProcessEntry();
  const name = "x".repeat(259);
  bytes.set(wide(name), 44);
  assertEquals(decodeProcessEntry(bytes).exeFile, name);
});

Deno.test("THREADENTRY32 reads the thread id and its process at offsets 8 and 12", () => {
  const bytes = newThreadEntry();
  const v = view(bytes);
  assertEquals([bytes.length, v.getUint32(0, true)], [THREADENTRY32_SIZE, 28]);
  v.setUint32(8, 900, true);
  v.setUint32(12, 4242, true);
  assertEquals(decodeThreadEntry(bytes), { threadId: 900, processId: 4242 });
});

Deno.test("JOBOBJECT_BASIC_PROCESS_ID_LIST reads its counts and one ULONG_PTR per process", () => {
  const bytes = new Uint8Array(8 + 3 * 8);
  const v = view(bytes);
  v.setUint32(0, 5, true); // assigned: more than listed, the list was cut short
  v.setUint32(4, 3, true);
  [12, 34, 56].forEach((pid, i) => v.setBigUint64(8 + i * 8, BigInt(pid), true));
  assertEquals(decodeJobProcessIdList(bytes), { assigned: 5, processIds: [12, 34, 56] });
});

const utf16 = (bytes: Uint8Array) => new TextDecoder("utf-16le").decode(bytes);

Deno.test("an environment block is NAME=value strings sorted without regard to case, ending in two NULs", () => {
  const block = encodeEnvironmentBlock({
    path: "C:\\bin",
    Zeta: "z",
    ALPHA: "ä ö",
    "=C:": "C:\\work",
    empty: "",
  });
  assertEquals(utf16(block), "=C:=C:\\work\0ALPHA=ä ö\0empty=\0path=C:\\bin\0Zeta=z\0\0");
});

Deno.test("an empty environment is an empty block of two NULs", () => {
  assertEquals([...encodeEnvironmentBlock({})], [0, 0, 0, 0]);
});

Deno.test("an environment variable whose name is empty, has an = or a NUL, or whose value has a NUL, is refused", () => {
  const refused: Record<string, string>[] = [{ "": "x" }, { "A=B": "x" }, { "A\0": "x" }, { A: "x\0y" }];
  for (const environment of refused) {
    assertThrows(() => encodeEnvironmentBlock(environment), RangeError, JSON.stringify(environment));
  }
});

Deno.test("NSSM's affinity 0-2,4 is the mask 0b10111; processors are 0 to 63", () => {
  assertEquals(affinityMask([0, 1, 2, 4]), 0b10111n);
  assertEquals(affinityMask([63]), 1n << 63n);
  assertEquals(affinityMask([]), 0n);
  for (const bad of [-1, 64, 1.5]) assertThrows(() => affinityMask([bad]), RangeError);
});

Deno.test("each priority is its *_PRIORITY_CLASS value and reads back by name", () => {
  const expected = {
    realtime: 0x100,
    high: 0x80,
    above_normal: 0x8000,
    normal: 0x20,
    below_normal: 0x4000,
    idle: 0x40,
  } as const;
  for (const [name, value] of Object.entries(expected)) {
    assertEquals(priorityClassValue(name as keyof typeof expected), value);
    assertEquals(priorityClassName(value), name);
  }
  assertEquals(priorityClassName(0x1234), undefined);
});

Deno.test("a process's tree is found through parent ids, deepest first, without its siblings or loops", () => {
  const entry = (processId: number, parentProcessId: number) => ({
    processId,
    parentProcessId,
    threads: 1,
    exeFile: "x.exe",
  });
  const processes = [
    entry(0, 0), // the System Idle Process, its own parent
    entry(4, 0),
    entry(100, 4), // the program
    entry(101, 100),
    entry(102, 100),
    entry(103, 101),
    entry(200, 4), // a sibling: not in the tree
    entry(300, 301), // a loop of stale parent ids
    entry(301, 300),
  ];
  const tree = descendants(100, processes);
  assertEquals(tree[0], 103);
  assertEquals(new Set(tree), new Set([101, 102, 103]));
  assertEquals(descendants(300, processes), [301]);
});
