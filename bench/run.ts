// `npm run bench`: see bench/cli.ts for what it measures and README "Scale" for the results.
import { benchCli } from "./cli";
import { runChild } from "./spawn";

process.exitCode = benchCli(process.argv.slice(2), {
  measure: runChild,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
