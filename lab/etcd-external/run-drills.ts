import { quorumOf } from "../../core/config/types";
import { recovery } from "../drills/recovery";
import { steadyState } from "../drills/steady-idle";
import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { LabHost } from "../net/topology";
import { Check } from "../report";
import { controlPlaneLoss, etcdMemberLoss, etcdQuorumLoss } from "./drills";
import { memberRemoval } from "./membership";

/** etcd hosts the lab builds with `--etcd external`: the smallest HA count. */
export const LAB_ETCD_HOSTS = 3;

/**
 * The drills of `--etcd external`, in order: steady state; a control plane lost (no etcd impact);
 * etcd hosts lost up to what their quorum tolerates (the first one the leader); the quorum lost;
 * recovery, with every acknowledged write checked; an etcd host removed by the plan's own leave
 * script (refused below quorum first). The LB drills are the stacked run's: they do
 * not depend on where etcd runs.
 */
export async function externalEtcdDrills(lab: Lab, checks: Check[], say: (line: string) => void): Promise<void> {
  const step = async (name: string, run: () => Promise<Check[]>): Promise<void> => {
    const t = nowMs();
    const rows = await run();
    checks.push(...rows);
    say(`${rows.every((r) => r.pass) ? "ok  " : "FAIL"} ${name} (${((nowMs() - t) / 1000).toFixed(1)} s)`);
  };
  await step("steady state", () => steadyState(lab));
  const cp = lab.topo.cps[0];
  await step(`control plane ${cp.name} lost (etcd hosts untouched)`, () => controlPlaneLoss(lab, cp));
  const down: LabHost[] = [];
  const tolerated = quorumOf(lab.topo.etcds.length).toleratedFailures;
  for (const victim of lab.topo.etcds.slice(0, tolerated)) {
    await step(`hard kill of etcd host ${victim.name} (leader)`, () => etcdMemberLoss(lab, victim, down));
    down.push(victim);
  }
  let allDown: LabHost[] = down;
  await step("etcd quorum loss", async () => {
    const r = await etcdQuorumLoss(lab, down);
    allDown = r.down;
    return r.checks;
  });
  await step("recovery", () => recovery(lab, allDown));
  await step("etcd host removed by the rendered leave script", () => memberRemoval(lab));
}
