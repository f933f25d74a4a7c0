import { cniScriptVars } from "../cni";
import { onlyStep } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { adminHost, PhaseContext, step } from "./context";

/** The CNI, applied with kubectl on the admin host once init is done (none for `cni: none`); a stack step. */
export function podNetwork(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const admin = adminHost(spec);
  const vars = cniScriptVars(spec);
  if (!vars) return [];
  return [
    step({
      scope: "stack",
      host: admin.name,
      phase: "cni",
      description: `apply ${spec.cni} for pod network ${spec.podNetworkCidr}`,
      run: stepScript("cni", vars),
      after: [onlyStep(ctx.before, "kubeadm-init").id],
      formerIds: [`${admin.name}-cni`],
    }),
  ];
}
