import { assertEquals } from "../assert.ts";
import { parseStat, UsageSampler } from "../../ui/process_usage.ts";

Deno.test("the page's CPU and memory columns read a program's parent, times and resident pages from /proc's stat, whatever its name holds", () => {
  const stat = "4242 (my (odd) prog) S 17 4242 4242 0 -1 4194560 120 0 0 0 31 9 0 0 20 0 1 0 991 9216 250";
  assertEquals(parseStat(stat), { parent: 17, ticks: 40, pages: 250 });
  assertEquals(parseStat(""), undefined);
});

Deno.test("a process a program starts after a sample counts in its tree's memory at the next sample", async () => {
  const program = new Deno.Command("sh", {
    args: ["-c", "read line; sleep 60 & wait"],
    stdin: "piped",
    stdout: "null",
  }).spawn();
  try {
    const sampler = new UsageSampler();
    const first = sampler.sample([program.pid]).get(program.pid);
    assertEquals(first !== undefined && first.memoryBytes > 0, true);
    const writer = program.stdin.getWriter();
    await writer.write(new TextEncoder().encode("go\n"));
    // Its child, waited for until /proc shows it as sleep with resident pages: the kernel's count of a
    // process just forked can read 0 for a while (its per-CPU counters are summed lazily), and so can the
    // fork's own count again once it execs sleep (a new address space) — sampled in that moment, the tree
    // read no more than before (seen once in CI under load).
    const children = `/proc/${program.pid}/task/${program.pid}/children`;
    const childResident = async () => {
      const child = (await Deno.readTextFile(children)).trim().split(" ")[0];
      if (!child) return 0;
      const name = await Deno.readTextFile(`/proc/${child}/comm`).catch(() => "");
      if (name.trim() !== "sleep") return 0;
      return parseStat(await Deno.readTextFile(`/proc/${child}/stat`).catch(() => ""))?.pages ?? 0;
    };
    while (await childResident() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = sampler.sample([program.pid]).get(program.pid);
    assertEquals(
      second !== undefined && second.memoryBytes > first!.memoryBytes,
      true,
      `${first?.memoryBytes} → ${second?.memoryBytes}`,
    );
    await writer.close();
  } finally {
    program.kill("SIGKILL");
    await program.status;
  }
});
