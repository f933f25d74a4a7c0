import { parseArgs } from "node:util";
import { LabError } from "./lib/errors";
import { DEFAULT_REPORT } from "./settings";

/** Command-line options of `npm run lab`. */
export interface LabArgs {
  /** Control planes: an odd number from 3 to 7. */
  readonly masters: number;
  /** Where the JSON report goes (relative to the repository root unless absolute). */
  readonly report: string;
}

/** Parses `--masters N` and `--report PATH`. */
export function parseLabArgs(argv: readonly string[]): LabArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { masters: { type: "string", default: "3" }, report: { type: "string", default: DEFAULT_REPORT } },
  });
  const masters = Number(values.masters);
  if (!Number.isInteger(masters) || masters < 3 || masters > 7 || masters % 2 === 0) {
    throw new LabError(`--masters ${values.masters}: give an odd number from 3 to 7`);
  }
  return { masters, report: values.report ?? DEFAULT_REPORT };
}
