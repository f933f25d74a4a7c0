import { HostSpec } from "../../config/types";
import { serialiseInitConfig, serialiseJoinConfig } from "../kubeadm";
import { stepOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { fillTemplate, stepScript } from "../template";
import { PhaseContext, step } from "./context";
import { kubeadmConfigFile, PLACEHOLDER_VARS } from "./kubeadm-inputs";

/** How long a joined token stays valid after each refresh. */
export const TOKEN_TTL_HOURS = 24;

/**
 * Every other node joins through the VIP: control planes one after another (etcd adds one learner
 * at a time), workers in parallel. Per node: fresh join material, kubeadm join, wait until it registers.
 */
export function joinNodes(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const caHash = stepOf(ctx.before, "ca-cert-hash", spec.controlPlanes[0].name).id;
  const steps: PlanStep[] = [];
  let previous: string[] = [];
  for (const cp of spec.controlPlanes.slice(1)) {
    const joined = joinNode(ctx, cp, [caHash, ...previous]);
    steps.push(...joined);
    previous = [joined[joined.length - 1].id];
  }
  for (const worker of spec.workers) steps.push(...joinNode(ctx, worker, [caHash]));
  return steps;
}

/** The three steps of one node: join material (on the first control plane), join, await registration. */
function joinNode(ctx: PhaseContext, h: HostSpec, after: readonly string[]): PlanStep[] {
  const { spec } = ctx;
  const first = spec.controlPlanes[0];
  const isCp = h.role === "controlPlane";
  const material = step({
    host: h.name, runsOn: first.name, phase: "join-material",
    description: `on ${first.name}: refresh the bootstrap token${isCp ? " and re-upload control-plane certs" : ""}; `
      + `on delete, remove Node ${h.name}`,
    run: isCp
      ? stepScript("join-material-control-plane", {
        INIT_CONFIG: serialiseInitConfig(spec), TOKEN_PLACEHOLDER: PLACEHOLDER_VARS.TOKEN_PLACEHOLDER,
        CERT_KEY_PLACEHOLDER: PLACEHOLDER_VARS.CERT_KEY_PLACEHOLDER, TOKEN_TTL_HOURS,
      }, ["bootstrapToken", "certificateKey"])
      : stepScript("join-material-worker", { TOKEN_TTL_HOURS }, ["bootstrapToken"]),
    deleteScript: fillTemplate("delete-node", { NODE_NAME: h.name }),
    after,
  });
  const joinConfig = serialiseJoinConfig(spec, h);
  const join = step({
    host: h.name, phase: "kubeadm-join",
    description: `kubeadm join ${spec.controlPlaneEndpoint} as ${isCp ? "control plane" : "worker"}; on delete, kubeadm reset`,
    run: stepScript("kubeadm-join", { JOIN_CONFIG: joinConfig, ROLE: h.role, ...PLACEHOLDER_VARS },
      isCp ? ["bootstrapToken", "caCertHash", "certificateKey"] : ["bootstrapToken", "caCertHash"]),
    deleteScript: fillTemplate("reset-node"),
    after: [stepOf(ctx.before, "prepare-node", h.name).id, material.id],
    replaceOn: [h.privateAddress],
    deleteBeforeReplace: true,
    files: [kubeadmConfigFile("join", joinConfig)],
  });
  const registered = step({
    host: h.name, runsOn: first.name, phase: "await-node",
    description: `on ${first.name}: wait until Node ${h.name} registers; on delete, drain it first`,
    run: stepScript("await-node", { NODE_NAME: h.name, ATTEMPTS: 60 }),
    deleteScript: fillTemplate("drain-node", { NODE_NAME: h.name }),
    after: [join.id],
  });
  return [material, join, registered];
}
