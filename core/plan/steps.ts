import { ClusterSpec } from "../config/types";
import { PhaseBuilder } from "./phases/context";
import { waitForSsh } from "./phases/gates";
import { initFirstControlPlane } from "./phases/init";
import { joinNodes } from "./phases/joins";
import { loadBalancers } from "./phases/load-balancer";
import { podNetwork } from "./phases/pod-network";
import { prepareNodes } from "./phases/prepare";
import { verifyCluster } from "./phases/verify";
import { Plan, PlanStep } from "./plan-step";

export { PHASES } from "./plan-step";
export type { InstalledFile, Phase, Plan, PlanStep } from "./plan-step";
export type { SecretName } from "./placeholders";
export { TOKEN_TTL_HOURS } from "./phases/joins";

/** The bring-up, top to bottom: each phase adds its steps after those of the phases above it. */
const BRING_UP: readonly PhaseBuilder[] = [
  waitForSsh,            // every host answers SSH, sudo works, cloud-init is done
  prepareNodes,          // control planes and workers: containerd, kubeadm (in parallel with the LBs)
  loadBalancers,         // HAProxy + keepalived for the VIP (and the AWS VIP mover)
  initFirstControlPlane, // wait for the VIP, kubeadm init, CA public-key pin, admin kubeconfig
  podNetwork,            // the CNI, from the first control plane
  joinNodes,             // control planes one at a time, workers in parallel
  verifyCluster,         // every node Ready, etcd quorum
];

/** Builds the bring-up plan for a validated spec. Pure: same spec, same plan, byte for byte. */
export function buildPlan(spec: ClusterSpec): Plan {
  const steps: PlanStep[] = [];
  for (const phase of BRING_UP) steps.push(...phase({ spec, before: { steps: [...steps] } }));
  return { steps };
}
