import { containerdVersionsFor } from "../kubeadm";
import { stepOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { kubeNodes, PhaseContext, step } from "./context";

/** Every control plane and worker, in parallel (and with the load balancers): containerd and kubeadm. */
export function prepareNodes(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  return kubeNodes(spec).map((h) =>
    step({
      host: h.name,
      phase: "prepare-node",
      description: `swap off, modules, sysctls, containerd (SystemdCgroup), kubeadm/kubelet/kubectl ${spec.kubernetesVersion} held`,
      run: stepScript("prepare-node", {
        K8S_MINOR: spec.kubernetesMinor,
        K8S_VERSION: spec.kubernetesVersion,
        CONTAINERD_VERSIONS: containerdVersionsFor(spec.kubernetesMinor),
      }),
      after: [stepOf(ctx.before, "wait-ssh", h.name).id],
    }),
  );
}
