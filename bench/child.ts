// One measurement in a fresh process, so that peak memory belongs to one size: run by bench/run.ts.
//   node --import tsx bench/child.ts eval|render <control planes>+<workers>  (or loaded as in spawn.ts loaderArgs)
import { evaluateSize } from "./evaluate";
import { renderSize } from "./render-size";
import { LOADER_ENV, RESULT_PREFIX, SOURCE_MAPS_ENV } from "./spawn";
import { parseSize } from "./stack";

async function main(): Promise<void> {
  const [what, label] = process.argv.slice(2);
  const size = parseSize(label ?? "");
  if ((what !== "eval" && what !== "render") || !size) {
    process.stderr.write("usage: node --import tsx bench/child.ts eval|render <control planes>+<workers>\n");
    process.exit(2);
  }
  // tsx turns source maps on, and the Pulumi SDK reads a stack trace per resource and per output:
  // `npm run bench -- --no-source-maps` shows what that costs.
  if (process.env[SOURCE_MAPS_ENV] === "off") process.setSourceMapsEnabled(false);
  const loader = process.env[LOADER_ENV] === "pulumi" ? "pulumi" : "tsx";
  const result = what === "eval" ? await evaluateSize(size, loader) : renderSize(size);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  // Pulumi's runtime keeps handles open under the mocks: the measurement is done, leave.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
