import { Lab } from "../lab";
import { LabError } from "../lib/errors";
import { colocated } from "../net/lb-topology";
import { LabHost } from "../net/topology";

/**
 * The control plane the next hard kill (drill 2) hits, `down` being those already dead. With the
 * LB pair: cp1, cp2, ... in order. Colocated: the one holding the VIP now, so its load balancer
 * dies with it (the worst case: a VIP move, a lost backend and, for the first kill, an etcd election).
 */
export async function killVictim(lab: Lab, down: readonly LabHost[]): Promise<LabHost> {
  const alive = lab.topo.cps.filter((c) => !down.includes(c));
  if (!colocated(lab.topo)) return alive[0];
  const { active } = await lab.activeLb();
  if (!alive.includes(active)) throw new LabError(`the VIP holder ${active.name} is not a live control plane`);
  return active;
}

/**
 * The load balancers that may take the VIP from `active`: the others whose keepalived runs (a
 * powered-off colocated control plane has none), highest priority first.
 */
export function liveSuccessors(lab: Lab, active: LabHost): LabHost[] {
  return lab.topo.lbs.filter((l) => l !== active && lab.keepalived.get(l.name)?.running() === true);
}
