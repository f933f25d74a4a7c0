import { allHosts } from "../../config/types";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { kubeNodes, PhaseContext, step } from "./context";

/**
 * Every host that is not a Kubernetes node (load balancers, etcd hosts), in parallel: wait until
 * it answers SSH, sudo works and cloud-init is done. A node's preparation opens with the same gate
 * (`prepare.ts`): one Command per node fewer, which is what the SDK costs per resource (README: Scale).
 */
export function waitForSsh({ spec }: PhaseContext): PlanStep[] {
  const nodes = new Set(kubeNodes(spec).map((h) => h.name));
  return allHosts(spec)
    .filter((h) => !nodes.has(h.name))
    .map((h) =>
      step({
        host: h.name,
        phase: "wait-ssh",
        description: "wait for SSH, sudo and cloud-init",
        run: stepScript("wait-ssh"),
        after: [],
        waitForSsh: true,
      }),
    );
}
