import { assertEquals, assertThrows } from "../assert.ts";
import { readWide, readWideMulti, wide, wideMulti } from "../../ffi/strings.ts";

Deno.test("a wide string is UTF-16LE with one NUL, and reads back whole, surrogate pairs included", () => {
  const text = "Dienst ünïcode 🚀";
  const bytes = wide(text);
  assertEquals(bytes.length, (text.length + 1) * 2);
  assertEquals([...bytes.subarray(0, 4)], [0x44, 0, 0x69, 0]);
  assertEquals([...bytes.subarray(-2)], [0, 0]);
  assertEquals(readWide(bytes), text);
});

Deno.test("a dependency list becomes a double-NUL multi-string and reads back in order", () => {
  const bytes = wideMulti(["Tcpip", "+NetworkProvider", "Dhcp"]);
  assertEquals(readWideMulti(bytes), ["Tcpip", "+NetworkProvider", "Dhcp"]);
  assertEquals([...bytes.subarray(-4)], [0, 0, 0, 0]);
});

Deno.test("no dependencies is an empty multi-string (two NULs), which ChangeServiceConfigW reads as 'none'", () => {
  assertEquals([...wideMulti([])], [0, 0, 0, 0]);
  assertEquals(readWideMulti(wideMulti([])), []);
});

Deno.test("a dependency that is empty or holds a NUL is refused instead of truncating the list", () => {
  assertThrows(() => wideMulti(["a", ""]), RangeError);
  assertThrows(() => wideMulti(["a\0b"]), RangeError);
});
