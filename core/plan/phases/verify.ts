import { etcdMemberCount, quorumOf } from "../../config/types";
import { stepsOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { ids, kubeNodes, PhaseContext, step } from "./context";

/** Last, on the first control plane: every node Ready and etcd with quorum, after the CNI and every join. */
export function verifyCluster(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const first = spec.controlPlanes[0];
  const nodes = kubeNodes(spec);
  const quorum = quorumOf(etcdMemberCount(spec));
  return [step({
    host: first.name, phase: "verify",
    description: `wait for ${nodes.length} nodes Ready, check etcd quorum (${quorum.quorum} of ${quorum.members})`,
    run: stepScript("verify", {
      EXPECTED_NODES: nodes.map((n) => n.name).join(" "), ETCD_MODE: spec.etcd.mode, ETCD_QUORUM: quorum.quorum,
      ATTEMPTS: 120,
    }),
    after: ids([...stepsOf(ctx.before, "cni"), ...stepsOf(ctx.before, "await-node")]),
    // Verify runs again whenever the set of nodes changes.
    replaceOn: nodes.map((n) => n.name),
  })];
}
