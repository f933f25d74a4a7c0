import { ClusterSpec } from "../config/types";
import { certificateRenewal } from "./phases/certificates";
import { PhaseBuilder } from "./phases/context";
import { etcdEndpointsPhase } from "./phases/etcd-endpoints";
import { etcdHostsPhase } from "./phases/etcd-hosts";
import { etcdSnapshots } from "./phases/etcd-snapshots";
import { waitForSsh } from "./phases/gates";
import { initFirstControlPlane } from "./phases/init";
import { joinNodes } from "./phases/joins";
import { loadBalancers } from "./phases/load-balancer";
import { podNetwork } from "./phases/pod-network";
import { prepareNodes } from "./phases/prepare";
import { upgradeCluster } from "./phases/upgrade";
import { verifyCluster } from "./phases/verify";
import { Plan, PlanStep } from "./plan-step";

export { PHASES } from "./plan-step";
export type { InstalledFile, Phase, Plan, PlanStep, StepScope } from "./plan-step";
export type { SecretName } from "./placeholders";
export { TOKEN_TTL_HOURS } from "./phases/joins";

/** The bring-up, top to bottom: each phase adds its steps after those of the phases above it. */
const BRING_UP: readonly PhaseBuilder[] = [
  waitForSsh, // every host answers SSH, sudo works, cloud-init is done
  prepareNodes, // control planes and workers: containerd, kubeadm (in parallel with the LBs)
  etcdHostsPhase, // etcdHosts only: the etcd CA, the members one at a time, the api-server's client certificate on each control plane
  loadBalancers, // HAProxy + keepalived for the VIP (and the AWS VIP mover)
  initFirstControlPlane, // on the admin host: wait for the VIP, kubeadm init (guarded), CA public-key pin, admin kubeconfig
  podNetwork, // the CNI, from the admin host
  // day two, nothing on create: kubernetesVersion raised -> upgrade apply, control planes one by one, worker lanes; joins wait for it
  upgradeCluster,
  joinNodes, // one token refresh; control planes one at a time, workers in parallel; drain and forget steps
  etcdEndpointsPhase, // etcdHosts only, each control plane in turn: the api-server's etcd endpoints follow etcdHosts
  verifyCluster, // every node Ready (registered with cni: none), every etcd member, quorum
  certificateRenewal, // day two, each control plane: daily certificate check, renewal below 30 days
  etcdSnapshots, // day two, each stacked etcd member: snapshot timer, restore script
];

/** Builds the bring-up plan for a validated spec. Pure: same spec, same plan, byte for byte. */
export function buildPlan(spec: ClusterSpec): Plan {
  const steps: PlanStep[] = [];
  for (const phase of BRING_UP) steps.push(...phase({ spec, before: { steps: [...steps] } }));
  return { steps };
}
