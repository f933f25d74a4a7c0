import { etcdMemberCount, quorumOf } from "../../config/types";
import { stepsOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { adminHost, ids, kubeNodes, PhaseContext, peerUrl, step } from "./context";

/**
 * Last, on the admin host, after the CNI and every join: every node registered (and Ready when the
 * stack manages the CNI), every expected etcd member started, quorum. A stack step. The expected
 * node names go on stdin, one a line: a command line has room for a few thousand at most.
 */
export function verifyCluster(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const admin = adminHost(spec);
  const nodes = kubeNodes(spec);
  const quorum = quorumOf(etcdMemberCount(spec));
  const cniManaged = spec.cni !== "none";
  const etcd = spec.etcd.mode === "stacked" ? spec.controlPlanes.map(peerUrl) : spec.etcd.endpoints;
  return [
    step({
      scope: "stack",
      host: admin.name,
      phase: "verify",
      description:
        `wait for ${nodes.length} nodes ${cniManaged ? "Ready" : "registered (cni: none: NotReady is reported, not failed)"}, ` +
        `check the ${etcd.length} etcd members and quorum (${quorum.quorum} of ${quorum.members})`,
      run: stepScript(
        "verify",
        {
          ETCD_MODE: spec.etcd.mode,
          ETCD_EXPECTED: etcd.join(" "),
          ETCD_QUORUM: quorum.quorum,
          CNI_MANAGED: String(cniManaged),
          ATTEMPTS: 120,
        },
        [],
        nodes.map((n) => `${n.name}\n`).join(""),
      ),
      after: ids([...stepsOf(ctx.before, "cni"), ...stepsOf(ctx.before, "kubeadm-join")]),
      formerIds: [`${admin.name}-verify`],
    }),
  ];
}
