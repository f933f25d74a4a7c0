import { HostSpec } from "../../config/types";
import { serialiseJoinConfig } from "../kubeadm";
import { onlyStep, stepOf, stepsOf } from "../lookup";
import { urnPlaceholder } from "../placeholders";
import { PlanStep } from "../plan-step";
import { fillTemplate, stepScript } from "../template";
import { adminHost, helperOf, ids, kubeNodes, PhaseContext, peerUrl, step } from "./context";
import { API_ATTEMPTS } from "./init";
import { kubeadmConfigFile, PLACEHOLDER_VARS } from "./kubeadm-inputs";
import { drainSteps, forgetSteps, helpedBy } from "./removal";
import { controlPlaneUpgraded } from "./upgrade";

/** How long the bootstrap token stays valid after each refresh. */
export const TOKEN_TTL_HOURS = 24;

/** Tries of a join refused because this host's previous self is still a Ready Node (20 s apart). */
const JOIN_ATTEMPTS = 6;

/**
 * Every node joins through the endpoint, the init node too (its join is a no-op, but it owns the
 * node's reset, so no stack step ever resets a node): one token refresh for the whole wave, then
 * control planes one at a time (etcd adds one learner at a time), each after fresh certificates,
 * the admin host last (its certificates come from the control plane before it); workers in
 * parallel. Each node waits for its own registration. Then the removal-only steps.
 */
export function joinNodes(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const admin = adminHost(spec);
  const init = onlyStep(ctx.before, "kubeadm-init").id;
  const caHash = onlyStep(ctx.before, "ca-cert-hash").id;
  const nodes = kubeNodes(spec);
  const token = step({
    scope: "stack",
    host: admin.name,
    phase: "join-token",
    description: `refresh the bootstrap token (${TOKEN_TTL_HOURS} h) before a wave of joins; runs again when the set of nodes changes`,
    run: stepScript("join-token", { TOKEN_TTL_HOURS }, ["bootstrapToken"]),
    after: [init],
    // Any added, removed or re-addressed node (a join that runs) gets a fresh token first.
    replaceOn: nodes.map((n) => `${n.name}=${n.privateAddress}`).sort(),
  });
  const forgets = forgetSteps(spec);
  const forgetOf = new Map(forgets.map((f) => [f.host, f.id]));
  const joins: PlanStep[] = [];
  // Nodes join a control plane that runs the version they were prepared with (a bump and new nodes
  // in one `pulumi up`): control planes after upgrade-apply, workers after every control plane's upgrade.
  const upgraded = {
    controlPlane: onlyStep(ctx.before, "upgrade-apply").id,
    worker: controlPlaneUpgraded(ctx.before.steps, spec),
  };
  const joinAfter = (h: HostSpec): string[] => [
    stepOf(ctx.before, "prepare-node", h.name).id,
    h.role === "worker" ? upgraded.worker : upgraded.controlPlane,
    // With etcdHosts, a control plane's etcd client files.
    ...ids(stepsOf(ctx.before, "etcd-client", h.name)),
    token.id,
    caHash,
    forgetOf.get(h.name) as string,
    // A control plane's join is deleted only after the removal steps it runs for other nodes.
    ...helpedBy(spec, h).map((o) => forgetOf.get(o.name) as string),
  ];
  let previous = init;
  for (const cp of [...spec.controlPlanes.slice(1), admin]) {
    const material = joinMaterial(ctx, cp, previous);
    const join = joinStep(ctx, cp, [...joinAfter(cp), material.id]);
    joins.push(material, join);
    previous = join.id;
  }
  for (const worker of spec.workers) joins.push(joinStep(ctx, worker, joinAfter(worker)));
  return [token, ...forgets, ...joins, ...drainSteps(spec, joins)];
}

/** On the control plane's helper, right before it joins: re-upload the control-plane certificates. */
function joinMaterial(ctx: PhaseContext, cp: HostSpec, after: string): PlanStep {
  const helper = helperOf(ctx.spec, cp);
  return step({
    host: cp.name,
    runsOn: helper.name,
    phase: "join-material",
    description: `on ${helper.name}: re-upload the control-plane certificates (2 h) for ${cp.name} to join with`,
    // The address is in the script, not in triggers: a new address updates the step, which uploads again
    // before the join it waits for runs; a replacement would first run an older version's delete script.
    run: stepScript(
      "join-material",
      {
        NODE_NAME: cp.name,
        NODE_ADDRESS: cp.privateAddress,
        CERT_KEY_PLACEHOLDER: PLACEHOLDER_VARS.CERT_KEY_PLACEHOLDER,
      },
      ["certificateKey"],
    ),
    after: [after],
  });
}

/** The node's own join; deleting it (removal, or a new privateAddress) makes the node leave and reset. */
function joinStep(ctx: PhaseContext, h: HostSpec, after: string[]): PlanStep {
  const { spec } = ctx;
  const isCp = h.role === "controlPlane";
  const joinConfig = serialiseJoinConfig(spec, h);
  const peer = isCp ? peerUrl(h) : "none";
  return step({
    host: h.name,
    phase: "kubeadm-join",
    description:
      `kubeadm join ${spec.controlPlaneEndpoint} as ${isCp ? "control plane" : "worker"}, wait for its registration; ` +
      "skipped on a member; on delete, leave the cluster and kubeadm reset",
    run: stepScript(
      "kubeadm-join",
      {
        JOIN_CONFIG: joinConfig,
        ROLE: h.role,
        NODE_NAME: h.name,
        ETCD_MODE: spec.etcd.mode,
        PEER_URL: peer,
        ENDPOINT: spec.controlPlaneEndpoint,
        ...PLACEHOLDER_VARS,
        TOKEN_URN: urnPlaceholder("join-token"),
        MATERIAL_URN: isCp ? urnPlaceholder(`${h.name}-join-material`) : "none",
        API_ATTEMPTS,
        JOIN_ATTEMPTS,
      },
      isCp ? ["bootstrapToken", "caCertHash", "certificateKey"] : ["bootstrapToken", "caCertHash"],
    ),
    deleteScript: fillTemplate("leave-cluster", {
      NODE_NAME: h.name,
      ROLE: h.role,
      ETCD_MODE: spec.etcd.mode,
      PEER_URL: peer,
    }),
    after,
    replaceOn: [h.privateAddress],
    deleteBeforeReplace: true,
    // Removing a host that is gone for good must fail in about a minute, not hang: README, Day two.
    dialAttempts: 4,
    files: [kubeadmConfigFile("join", joinConfig)],
  });
}
