// A Deno program that does nothing and exits: the floor of `deno run`'s own start-up (bench/measures/cli.ts).
