import { parseArgs } from "node:util";
import { LabError } from "./lib/errors";
import { DEFAULT_REPORT } from "./settings";

/** Command-line options of `npm run lab`. */
export interface LabArgs {
  /** Control planes: an odd number from 3 to 7. */
  readonly controlPlanes: number;
  /** Where the JSON report goes (relative to the repository root unless absolute). */
  readonly report: string;
  /** Where HAProxy and keepalived run: the LB pair (`pair`, default) or every control plane (`colocated`). */
  readonly lb: LabLbMode;
  /** Where etcd runs: on the control planes (`stacked`, default) or on three etcd hosts (`external`: etcdHosts). */
  readonly etcd: LabEtcdMode;
  /** `--removal-gap` (colocated, 5 control planes): after the drills, two control planes leave and the VIP is watched (drill 10). */
  readonly removalGap: boolean;
}

/** `--etcd`: stacked on the control planes, or external on dedicated etcd hosts (`etcdHosts`). */
export type LabEtcdMode = "stacked" | "external";
const ETCD_MODES: readonly LabEtcdMode[] = ["stacked", "external"];

/** `--lb`: the load-balancer pair, or HAProxy and keepalived on the control planes (`loadBalancerMode: colocated`). */
export type LabLbMode = "pair" | "colocated";
const LB_MODES: readonly LabLbMode[] = ["pair", "colocated"];

/** Parses `--control-planes N` (alias `--masters N`, the lab's earlier name), `--lb pair|colocated` and `--report PATH`. */
export function parseLabArgs(argv: readonly string[]): LabArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "control-planes": { type: "string" },
      masters: { type: "string" },
      report: { type: "string", default: DEFAULT_REPORT },
      lb: { type: "string", default: "pair" },
      etcd: { type: "string", default: "stacked" },
      "removal-gap": { type: "boolean", default: false },
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
  const lb = LB_MODES.find((m) => m === values.lb);
  if (!lb) throw new LabError(`--lb ${values.lb}: give ${LB_MODES.join(" or ")}`);
  const etcd = ETCD_MODES.find((m) => m === values.etcd);
  if (!etcd) throw new LabError(`--etcd ${values.etcd}: give ${ETCD_MODES.join(" or ")}`);
  if (etcd === "external" && lb === "colocated")
    throw new LabError("--etcd external runs with the load-balancer pair; leave out --lb colocated");
  const removalGap = values["removal-gap"] === true;
  if (removalGap && (lb !== "colocated" || controlPlanes !== 5))
    throw new LabError("--removal-gap removes 2 of 5 colocated control planes: give --lb colocated --control-planes 5");
  return { controlPlanes, report: values.report ?? DEFAULT_REPORT, lb, etcd, removalGap };
}
