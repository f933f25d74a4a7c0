import { serialiseInitConfig } from "../kubeadm";
import { stepOf, stepsOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { fillTemplate, stepScript } from "../template";
import { ids, PhaseContext, step } from "./context";
import { kubeadmConfigFile, PLACEHOLDER_VARS } from "./kubeadm-inputs";

/**
 * The first control plane, once the VIP answers: kubeadm init, then the CA public-key pin for the
 * joins and the admin kubeconfig (both secret stdout).
 */
export function initFirstControlPlane(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const first = spec.controlPlanes[0];
  const prepared = stepOf(ctx.before, "prepare-node", first.name).id;
  const lbs = ids(stepsOf(ctx.before, "load-balancer"));
  // An NLB has no VIP to wait for: kubeadm waits for it.
  const vip = lbs.length === 0 ? undefined : step({
    host: first.name, phase: "wait-vip", description: `wait until ${spec.controlPlaneEndpoint} accepts TCP (keepalived + HAProxy up)`,
    run: stepScript("wait-vip", { VIP: spec.vip, API_PORT: spec.apiPort, ATTEMPTS: 90 }),
    after: [prepared, ...lbs],
  });
  const initConfig = serialiseInitConfig(spec);
  const init = step({
    host: first.name, phase: "kubeadm-init",
    description: `kubeadm init --upload-certs, controlPlaneEndpoint ${spec.controlPlaneEndpoint} (${spec.kubeadmApiVersion})`,
    run: stepScript("kubeadm-init", {
      INIT_CONFIG: initConfig,
      TOKEN_PLACEHOLDER: PLACEHOLDER_VARS.TOKEN_PLACEHOLDER,
      CERT_KEY_PLACEHOLDER: PLACEHOLDER_VARS.CERT_KEY_PLACEHOLDER,
    }, ["bootstrapToken", "certificateKey"]),
    deleteScript: fillTemplate("reset-node"),
    after: [vip?.id ?? prepared],
    replaceOn: [first.privateAddress],
    deleteBeforeReplace: true,
    files: [kubeadmConfigFile("init", initConfig)],
  });
  const caHash = step({
    host: first.name, phase: "ca-cert-hash", description: "read the CA public-key pin for joins (secret stdout)",
    run: stepScript("ca-cert-hash"), after: [init.id], secretStdout: true, provides: "caCertHash",
  });
  const kubeconfig = step({
    host: first.name, phase: "admin-kubeconfig", description: "read admin.conf for the `kubeconfig` output (secret stdout)",
    run: stepScript("admin-kubeconfig"), after: [init.id], secretStdout: true,
  });
  return [...(vip ? [vip] : []), init, caHash, kubeconfig];
}
