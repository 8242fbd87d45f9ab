// A Deno program that idles: what a bare `deno run` costs at rest, the floor under servitor's host.
setInterval(() => {}, 2 ** 30);
