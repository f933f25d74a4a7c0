import { ClusterSpec, HostSpec } from "../../config/types";
import { onlyStep, stepsOf } from "../lookup";
import { PlanStep } from "../plan-step";
import { fillTemplate } from "../template";
import { adminHost, ids, PhaseContext, step } from "./context";

/** Seconds a node's drain may take before its upgrade step fails (the node stays cordoned, nothing upgraded). */
export const UPGRADE_DRAIN_TIMEOUT_SECONDS = 300;

/** Checks 5 s apart for a node to report the new version and Ready after its kubelet restarted (5 minutes). */
export const UPGRADE_READY_ATTEMPTS = 60;

/**
 * The upgrade, in the order of kubeadm's "Upgrading kubeadm clusters": `kubeadm upgrade apply` on
 * the admin host, `kubeadm upgrade node` on the other control planes one at a time, then on the
 * workers in `upgradeMaxUnavailable` lanes (worker i waits for worker i - lanes). Built before the
 * joins, which wait for it: control planes join after `upgrade-apply`, workers after the last
 * control plane's upgrade (see {@link controlPlaneUpgraded}). Every step has
 * no create script, only an update script that carries the version: a fresh stack runs none of
 * them (no SSH session, nothing on the critical path), and raising kubernetesVersion changes only
 * their update scripts (and node preparation's), so `pulumi up` runs them in this order, each after
 * its node's preparation, and never an init or join step again. One step per worker, run on the
 * worker itself: it drains and uncordons itself with its kubelet credentials (lib/upgrade.sh), so
 * no admin-host step per worker changes when the admin host does. Each script is a guarded no-op
 * on a node that already runs the version.
 */
export function upgradeCluster(ctx: PhaseContext): PlanStep[] {
  const { spec } = ctx;
  const admin = adminHost(spec);
  const vars = (h: HostSpec): Record<string, string | number> => ({
    NODE_NAME: h.name,
    TARGET_VERSION: spec.kubernetesVersion,
    K8S_REPO_MINOR: spec.kubernetesMinor,
    DRAIN_TIMEOUT_SECONDS: UPGRADE_DRAIN_TIMEOUT_SECONDS,
    READY_ATTEMPTS: UPGRADE_READY_ATTEMPTS,
  });
  const drain = `drain (at most ${UPGRADE_DRAIN_TIMEOUT_SECONDS} s)`;
  const workerNames = new Set(spec.workers.map((w) => w.name));
  const apply = step({
    scope: "stack",
    host: admin.name,
    phase: "upgrade-apply",
    description:
      `nothing on create; when kubernetesVersion changes: ${drain}, kubeadm ${spec.kubernetesVersion}, ` +
      "kubeadm upgrade plan + apply, kubelet/kubectl held, restart, version check, uncordon",
    updateScript: fillTemplate("upgrade-apply", vars(admin)),
    // After the control planes and etcd hosts are prepared (each refuses a version it cannot reach)
    // and the cluster exists; before any join, so a node added with the bump joins the upgraded
    // control plane (kubeadm refuses a kubelet newer than it). Workers' preparations run meanwhile:
    // waiting for them would hold every join of a fresh stack for the slowest worker.
    after: [
      ...ids(stepsOf(ctx.before, "prepare-node").filter((p) => !workerNames.has(p.host))),
      onlyStep(ctx.before, "kubeadm-init").id,
    ],
  });
  const steps = [apply];
  let previous = apply.id;
  for (const cp of spec.controlPlanes.filter((c) => c.name !== admin.name)) {
    steps.push(nodeStep(cp, [previous], vars(cp), drain));
    previous = steps[steps.length - 1].id;
  }
  const lanes = spec.upgradeMaxUnavailable;
  // A worker's upgrade also waits for its own preparation, which moved its apt source to the new
  // minor (upgrade-apply waits for the control planes' only).
  const workers = spec.workers.map((w, i) =>
    nodeStep(
      w,
      [i >= lanes ? `${spec.workers[i - lanes].name}-upgrade-node` : previous, `${w.name}-prepare-node`],
      vars(w),
      drain,
    ),
  );
  return [...steps, ...workers];
}

/** A control plane's or worker's `kubeadm upgrade node`, on the node itself. */
function nodeStep(h: HostSpec, after: string[], vars: Record<string, string | number>, drain: string): PlanStep {
  return step({
    host: h.name,
    phase: "upgrade-node",
    description:
      `nothing on create; when kubernetesVersion changes: ${drain}, kubeadm ${String(vars.TARGET_VERSION)}, ` +
      "kubeadm upgrade node, kubelet/kubectl held, restart, version check, uncordon",
    updateScript: fillTemplate("upgrade-node", { ...vars, ROLE: h.role }),
    after,
  });
}

/**
 * The step after which every control plane runs the new version: the last control plane's
 * `upgrade-node`, or `upgrade-apply` with one control plane. A worker joins after it: on a fresh
 * stack it is done once the control planes are prepared (no step of the upgrade has a create).
 */
export function controlPlaneUpgraded(steps: readonly PlanStep[], spec: ClusterSpec): string {
  const last = spec.controlPlanes.filter((cp) => cp.name !== adminHost(spec).name).at(-1);
  const id = last ? `${last.name}-upgrade-node` : "upgrade-apply";
  if (!steps.some((s) => s.id === id)) throw new Error(`plan: ${id} is not in the plan before the joins`);
  return id;
}
