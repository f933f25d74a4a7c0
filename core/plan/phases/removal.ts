import { ClusterSpec, HostSpec } from "../../config/types";
import { PlanStep } from "../plan-step";
import { fillTemplate } from "../template";
import { helperOf, kubeNodes, peerUrl, step } from "./context";

/**
 * Removal steps of workers run in this many lanes: each waits for the one `REMOVAL_LANES` before
 * it, so removing hundreds of workers at once keeps at most this many drains (and as many forgets)
 * on the admin host at a time (sshd's MaxStartups drops connections beyond 10 starting at once).
 */
export const REMOVAL_LANES = 5;

/** Seconds a drain may take before the removal goes on without it. */
const DRAIN_TIMEOUT_SECONDS = 300;

/** The nodes whose join material, drain and forget run on control plane `h`. */
export function helpedBy(spec: ClusterSpec, h: HostSpec): HostSpec[] {
  if (h.role !== "controlPlane") return [];
  return kubeNodes(spec).filter((o) => o.name !== h.name && helperOf(spec, o).name === h.name);
}

/** The template variables every removal script of `h` gets. */
function removalVars(spec: ClusterSpec, h: HostSpec): Record<string, string> {
  return {
    NODE_NAME: h.name,
    ROLE: h.role,
    ETCD_MODE: spec.etcd.mode,
    PEER_URL: h.role === "controlPlane" ? peerUrl(h) : "none",
  };
}

/** The step `REMOVAL_LANES` workers earlier (its id), so a lane runs its removals one at a time. */
function laneBefore(spec: ClusterSpec, h: HostSpec, phase: string): string[] {
  const at = spec.workers.findIndex((w) => w.name === h.name);
  return at >= REMOVAL_LANES ? [`${spec.workers[at - REMOVAL_LANES].name}-${phase}`] : [];
}

/**
 * Per node, on its helper, nothing on create: when the node leaves, the last of its steps to go
 * (each join waits for it, so it is deleted after the node's reset): delete the Node object and,
 * for a stacked control plane, check that etcd's members are the control planes that stay.
 */
export function forgetSteps(spec: ClusterSpec): PlanStep[] {
  return kubeNodes(spec).map((h) =>
    step({
      host: h.name,
      runsOn: helperOf(spec, h).name,
      phase: "delete-node",
      description:
        `on removal, after ${h.name} is reset: delete Node ${h.name}` +
        (h.role === "controlPlane" && spec.etcd.mode === "stacked"
          ? ", check that etcd's members are the control planes that stay"
          : ""),
      deleteScript: fillTemplate("delete-node", removalVars(spec, h)),
      after: laneBefore(spec, h, "delete-node"),
      // A worker's Node was deleted by its join-material step before forget steps existed.
      formerIds: h.role === "worker" ? [`${h.name}-join-material`] : [],
    }),
  );
}

/**
 * Per node, on its helper, nothing on create: when the node leaves, the first of its steps to go
 * (it waits for the node's join and for its helper's, so it is deleted before either): drain it
 * and, for a stacked control plane, remove its etcd member through another member. Control planes
 * one at a time (each waits for the one before it in the list); workers in lanes.
 */
export function drainSteps(spec: ClusterSpec, joins: readonly PlanStep[]): PlanStep[] {
  const joinOf = new Map(joins.filter((j) => j.phase === "kubeadm-join").map((j) => [j.host, j.id]));
  return kubeNodes(spec).map((h) => {
    const helper = helperOf(spec, h);
    const cpAt = spec.controlPlanes.findIndex((cp) => cp.name === h.name);
    const previous = cpAt > 0 ? [`${spec.controlPlanes[cpAt - 1].name}-drain-node`] : laneBefore(spec, h, "drain-node");
    return step({
      host: h.name,
      runsOn: helper.name,
      phase: "drain-node",
      description:
        `on removal, first: drain ${h.name} (at most ${DRAIN_TIMEOUT_SECONDS} s)` +
        (h.role === "controlPlane" && spec.etcd.mode === "stacked"
          ? ", remove its etcd member through another member (refused when quorum would break)"
          : ""),
      deleteScript: fillTemplate("drain-node", { ...removalVars(spec, h), DRAIN_TIMEOUT_SECONDS }),
      after: [...new Set([joinOf.get(h.name) as string, joinOf.get(helper.name) as string, ...previous])],
      // It was the delete script of the node's await-node step before.
      formerIds: [`${h.name}-await-node`],
    });
  });
}
