import { containerdVersionsFor } from "../kubeadm";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { kubeNodes, PhaseContext, step } from "./context";

/**
 * Every control plane and worker, in parallel (and with the load balancers), opening with the SSH
 * gate (dial until the host answers, sudo, cloud-init): containerd and kubeadm.
 */
export function prepareNodes(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  // One script for every node: the same text, so one string is shared, not one copy per node.
  const run = stepScript("prepare-node", {
    K8S_MINOR: spec.kubernetesMinor,
    K8S_VERSION: spec.kubernetesVersion,
    CONTAINERD_VERSIONS: containerdVersionsFor(spec.kubernetesMinor),
  });
  const description = `wait for SSH, sudo and cloud-init; swap off, modules, sysctls, containerd (SystemdCgroup), kubeadm/kubelet/kubectl ${spec.kubernetesVersion} held`;
  return kubeNodes(spec).map((h) =>
    step({ host: h.name, phase: "prepare-node", description, run, after: [], waitForSsh: true }),
  );
}
