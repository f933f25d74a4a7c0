import { serialiseInitConfig } from "../kubeadm";
import { stepOf, stepsOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { stepScript } from "../template";
import { adminHost, ids, PhaseContext, peerUrl, step } from "./context";
import { kubeadmConfigFile, PLACEHOLDER_VARS } from "./kubeadm-inputs";

/** Checks 5 s apart for the API to answer through the endpoint (2 minutes). */
export const API_ATTEMPTS = 24;

/**
 * Once per stack, on the admin host, once the VIP answers: kubeadm init, then the CA public-key pin
 * for the joins and the admin kubeconfig (both secret stdout). Stack steps: their names carry no
 * host, so a new admin host (reordered or removed control planes) only moves their connection,
 * and each is harmless to run again (read-only, or guarded like init).
 */
export function initFirstControlPlane(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const admin = adminHost(spec);
  const prepared = stepOf(ctx.before, "prepare-node", admin.name).id;
  // Colocated: the VIP needs one holder, the first control plane's; the others' HAProxy and keepalived
  // install while kubeadm init runs (each still waits for the one before it).
  const allLbs = ids(stepsOf(ctx.before, "load-balancer"));
  const lbs = spec.loadBalancerMode === "colocated" ? allLbs.slice(0, 1) : allLbs;
  // Names these steps had when they were `<first control plane>-<phase>`: kept as aliases.
  const former = (phase: string): string[] => [`${admin.name}-${phase}`];
  // An NLB has no VIP to wait for: kubeadm waits for it.
  const vip =
    lbs.length === 0
      ? undefined
      : step({
          scope: "stack",
          host: admin.name,
          phase: "wait-vip",
          description: `wait until ${spec.controlPlaneEndpoint} accepts TCP (keepalived + HAProxy up)`,
          run: stepScript("wait-vip", { VIP: spec.vip, API_PORT: spec.apiPort, ATTEMPTS: 90 }),
          after: [prepared, ...lbs],
          formerIds: former("wait-vip"),
        });
  const initConfig = serialiseInitConfig(spec);
  const others = spec.controlPlanes
    .filter((cp) => cp.name !== admin.name)
    .map((cp) => `${cp.privateAddress}:${spec.apiServerPort}`);
  const init = step({
    scope: "stack",
    host: admin.name,
    phase: "kubeadm-init",
    description:
      `kubeadm init --upload-certs on ${admin.name}, controlPlaneEndpoint ${spec.controlPlaneEndpoint} (${spec.kubeadmApiVersion}); ` +
      "skipped on a member, refused where a cluster already answers",
    run: stepScript(
      "kubeadm-init",
      {
        INIT_CONFIG: initConfig,
        TOKEN_PLACEHOLDER: PLACEHOLDER_VARS.TOKEN_PLACEHOLDER,
        CERT_KEY_PLACEHOLDER: PLACEHOLDER_VARS.CERT_KEY_PLACEHOLDER,
        NODE_NAME: admin.name,
        ROLE: admin.role,
        ETCD_MODE: spec.etcd.mode,
        PEER_URL: peerUrl(admin),
        ENDPOINT: spec.controlPlaneEndpoint,
        OTHER_API_SERVERS: others.length > 0 ? others.join(" ") : "none",
        API_ATTEMPTS,
      },
      ["bootstrapToken", "certificateKey"],
    ),
    // No delete script and never replaced: resetting the init node is its own join step's business.
    // With etcdHosts: once the api-server's etcd client files are in place.
    after: [vip?.id ?? prepared, ...ids(stepsOf(ctx.before, "etcd-client", admin.name))],
    protect: true,
    formerIds: former("kubeadm-init"),
    files: [kubeadmConfigFile("init", initConfig)],
  });
  const caHash = step({
    scope: "stack",
    host: admin.name,
    phase: "ca-cert-hash",
    description: "read the CA public-key pin for joins (secret stdout)",
    run: stepScript("ca-cert-hash"),
    after: [init.id],
    secretStdout: true,
    provides: "caCertHash",
    formerIds: former("ca-cert-hash"),
  });
  const kubeconfig = step({
    scope: "stack",
    host: admin.name,
    phase: "admin-kubeconfig",
    description: "read admin.conf for the `kubeconfig` output (secret stdout)",
    run: stepScript("admin-kubeconfig"),
    after: [init.id],
    secretStdout: true,
    formerIds: former("admin-kubeconfig"),
  });
  return [...(vip ? [vip] : []), init, caHash, kubeconfig];
}
