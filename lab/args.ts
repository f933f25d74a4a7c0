import { parseArgs } from "node:util";
import { LabError } from "./lib/errors";
import { DEFAULT_REPORT } from "./settings";

/** Command-line options of `npm run lab`. */
export interface LabArgs {
  /** Control planes: an odd number from 3 to 7. */
  readonly controlPlanes: number;
  /** Where the JSON report goes (relative to the repository root unless absolute). */
  readonly report: string;
}

/** Parses `--control-planes N` (alias `--masters N`, the lab's earlier name) and `--report PATH`. */
export function parseLabArgs(argv: readonly string[]): LabArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "control-planes": { type: "string" },
      masters: { type: "string" },
      report: { type: "string", default: DEFAULT_REPORT },
    },
  });
  const given = values["control-planes"];
  const alias = values.masters;
  if (given !== undefined && alias !== undefined && given !== alias) {
    throw new LabError(`--control-planes ${given} and --masters ${alias} disagree (--masters is an alias): give one`);
  }
  const text = given ?? alias ?? "3";
  const controlPlanes = Number(text);
  if (!Number.isInteger(controlPlanes) || controlPlanes < 3 || controlPlanes > 7 || controlPlanes % 2 === 0) {
    throw new LabError(`--control-planes ${text}: give an odd number from 3 to 7`);
  }
  return { controlPlanes, report: values.report ?? DEFAULT_REPORT };
}
