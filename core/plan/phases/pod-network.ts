import { cniScriptVars } from "../cni";
import { stepOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { PhaseContext, step } from "./context";

/** The CNI, applied with kubectl on the first control plane once init is done (none for `cni: none`). */
export function podNetwork(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const first = spec.controlPlanes[0];
  const vars = cniScriptVars(spec);
  if (!vars) return [];
  return [step({
    host: first.name, phase: "cni", description: `apply ${spec.cni} for pod network ${spec.podNetworkCidr}`,
    run: stepScript("cni", vars), after: [stepOf(ctx.before, "kubeadm-init", first.name).id],
  })];
}
