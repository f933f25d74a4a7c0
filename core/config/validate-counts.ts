/**
 * Size bounds checked first, on the values as read, before the shape and the per-host checks: a
 * huge host list or count is refused in milliseconds instead of being parsed, laid out and
 * cross-checked host by host. A value over its bound is reported and replaced (an empty list, the
 * default count), so the other keys are still checked and nothing more is said about it.
 */
import { findKey } from "./keys";
import { Problem } from "./problems";
import { keyPath } from "./report";
import { loadBalancerCountMessage } from "./validate-hosts";
import { colocatedLoadBalancersMessage } from "./validate-lb-mode";

/** The largest sizes the program accepts. */
export const SIZE_LIMITS = {
  /** Control planes: etcd recommends at most 7 members (etcd FAQ "What is maximum cluster size?"), and they join one at a time. */
  controlPlanes: 7,
  /** Nodes (control planes + workers): the largest cluster Kubernetes supports ("Considerations for large clusters"). */
  nodes: 5000,
} as const;

const CONTROL_PLANE_REASON = `etcd recommends no more than ${SIZE_LIMITS.controlPlanes} members (each write waits for a majority) and control planes join one at a time; use 3 or 5`;

/** Checks the bounds on `values` (see the file comment); returns the values to go on with and the problems. */
export function boundCounts(values: Readonly<Record<string, unknown>>): {
  values: Record<string, unknown>;
  problems: Problem[];
} {
  const out: Record<string, unknown> = { ...values };
  const problems: Problem[] = [];
  const refuse = (key: string, message: string, replacement: unknown): void => {
    problems.push({ key: keyPath([key]), message });
    out[key] = replacement;
  };
  const length = (key: string): number | undefined =>
    Array.isArray(values[key]) ? (values[key] as unknown[]).length : undefined;

  const lbs = length("loadBalancers");
  if (lbs !== undefined && lbs > 2)
    refuse(
      "loadBalancers",
      values.loadBalancerMode === "colocated" ? colocatedLoadBalancersMessage(lbs) : loadBalancerCountMessage(lbs),
      [],
    );
  const cps = length("controlPlanes");
  if (cps !== undefined && cps > SIZE_LIMITS.controlPlanes)
    refuse("controlPlanes", `has ${cps} hosts; at most ${SIZE_LIMITS.controlPlanes}: ${CONTROL_PLANE_REASON}`, []);
  // etcd hosts past 7: refused here, before each is parsed; the first 7 go on (they keep the control-plane count free).
  const etcdHosts = length("etcdHosts");
  if (etcdHosts !== undefined && etcdHosts > SIZE_LIMITS.controlPlanes)
    refuse(
      "etcdHosts",
      `has ${etcdHosts} hosts; etcd recommends at most 7 members (each write waits for a majority): give 3, 5 or 7`,
      (values.etcdHosts as unknown[]).slice(0, SIZE_LIMITS.controlPlanes),
    );
  const workers = length("workers");
  const nodes = (workers ?? 0) + Math.min(cps ?? 0, SIZE_LIMITS.controlPlanes);
  if (workers !== undefined && nodes > SIZE_LIMITS.nodes) {
    refuse(
      "workers",
      `has ${workers} hosts, so the cluster would have ${nodes} nodes; Kubernetes supports at most ${SIZE_LIMITS.nodes}`,
      [],
    );
  }
  // Counts only matter where the program creates the hosts; elsewhere they are ignored.
  const count = values.controlPlaneCount;
  if (values.platform === "aws" && typeof count === "number" && count > SIZE_LIMITS.controlPlanes) {
    refuse(
      "controlPlaneCount",
      `${count} is more than ${SIZE_LIMITS.controlPlanes}: ${CONTROL_PLANE_REASON}`,
      findKey("controlPlaneCount")?.default,
    );
  }
  return { values: out, problems };
}
