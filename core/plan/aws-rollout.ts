/**
 * The order in which an in-place change of the EC2 instances (an `instanceTypes` edit: stop,
 * modify, start) rolls over them, so a role never stops all at once. Pure.
 */
import { ClusterSpec, HostSpec } from "../config/types";

/** Share of the workers that may be stopped at once by an instance change (at least one). */
export const WORKER_ROLL_SHARE = 0.25;

/**
 * For each host, the host whose instance must be updated (and serve again) before it: the load
 * balancers, the control planes and the etcd instances one at a time, in list order; the workers in lanes, at most
 * {@link WORKER_ROLL_SHARE} of them at once. Hosts without an entry go first.
 */
export function rolloutPredecessors(
  spec: Pick<ClusterSpec, "loadBalancers" | "controlPlanes" | "workers"> & { readonly etcdHosts?: readonly HostSpec[] },
): ReadonlyMap<string, HostSpec> {
  const before = new Map<string, HostSpec>();
  const chain = (hosts: readonly HostSpec[], lanes: number): void => {
    hosts.forEach((h, i) => {
      if (i >= lanes) before.set(h.name, hosts[i - lanes]);
    });
  };
  chain(spec.loadBalancers, 1);
  // etcd keeps quorum only while at most floor((N-1)/2) members are down: one at a time.
  chain(spec.controlPlanes, 1);
  chain(spec.etcdHosts ?? [], 1);
  chain(spec.workers, Math.max(1, Math.floor(spec.workers.length * WORKER_ROLL_SHARE)));
  return before;
}
