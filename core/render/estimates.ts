import { ClusterSpec, allHosts, Role } from "../config/types";
import { Plan, PlanStep } from "../plan/steps";

/**
 * How long one step of a phase takes: an ESTIMATE for a typical host, never a measurement. The
 * assumption says what the number rests on, so a reviewer can scale it to their hosts.
 */
export interface PhaseEstimate {
  /** Seconds one step of the phase takes. */
  readonly seconds: number;
  /** Seconds for a step about a host of this role, where the role changes it (a control-plane join). */
  readonly byRole?: Partial<Record<Role, number>>;
  /** Seconds on EC2 instances the program has just created, where first boot changes it. */
  readonly onAws?: number;
  /** What the number assumes. */
  readonly assumption: string;
}

/** Seconds of a join step about the node that ran `kubeadm init`: it is a member already, a check only. */
export const ALREADY_MEMBER_SECONDS = 10;

/**
 * Per-phase estimates, keyed by phase name. Download times assume a package mirror and registry
 * that give ~10 MB/s; kubeadm's own bounds are from its v1beta4 defaults (kubernetes#122529).
 */
export const PHASE_ESTIMATES: Readonly<Record<string, PhaseEstimate>> = {
  "wait-ssh": {
    seconds: 10,
    onAws: 150,
    assumption: "hosts already up: one SSH login and a sudo check; new EC2 instances: boot and cloud-init (~2-3 min)",
  },
  "prepare-node": {
    // It opens with the SSH gate (the wait-ssh step of load balancers): those seconds come first.
    seconds: 10 + 180,
    onAws: 150 + 180,
    assumption:
      "the SSH gate as for wait-ssh, then two `apt-get update`s, containerd, kubeadm/kubelet/kubectl and conntrack " +
      "(~100 MB) from a nearby mirror, containerd restart",
  },
  "aws-vip-mover": { seconds: 60, assumption: "AWS CLI install (apt) and one notify script" },
  "load-balancer": {
    seconds: 60,
    assumption: "`apt-get install haproxy keepalived` (~5 MB), config checks, two restarts",
  },
  "wait-vip": {
    seconds: 10,
    assumption: "the VIP answers once keepalived has a MASTER: 3 × advert_int + skew after start",
  },
  "kubeadm-init": {
    seconds: 150,
    assumption:
      "pull of the control-plane images (~200 MB), certificates, static pods up (kubeadm waits at most 4 min)",
  },
  "ca-cert-hash": { seconds: 5, assumption: "one SSH session that reads ca.crt" },
  "admin-kubeconfig": { seconds: 5, assumption: "one SSH session that reads admin.conf" },
  cni: {
    seconds: 90,
    assumption:
      "manifest download, `kubectl apply`, the CNI daemonset rolled out on the nodes that exist (image pull ~30 MB)",
  },
  "join-token": {
    seconds: 10,
    assumption: "one `kubeadm token` call: the bootstrap token refreshed once for the whole wave of joins",
  },
  "join-material": { seconds: 15, assumption: "`kubeadm init phase upload-certs` for the control plane about to join" },
  "kubeadm-join": {
    seconds: 60,
    byRole: { controlPlane: 150, worker: 60 },
    assumption:
      "worker: kube-proxy image, TLS bootstrap (kubeadm waits at most 5 min), its Node registered; " +
      "control plane: control-plane images (~200 MB), etcd learner added and promoted, static pods; " +
      `the init node's own join only finds it a member (${ALREADY_MEMBER_SECONDS} s)`,
  },
  "cert-renewal": { seconds: 10, assumption: "installs a systemd timer and its script, one certificate expiry check" },
  "etcd-snapshot": { seconds: 30, assumption: "installs a systemd timer and its scripts, takes one etcd snapshot" },
  "drain-node": { seconds: 0, assumption: "removal only: runs nothing on create (drains the node when it is removed)" },
  "upgrade-apply": {
    seconds: 0,
    assumption: "upgrade only: runs nothing on create (kubeadm upgrade apply when kubernetesVersion changes)",
  },
  "upgrade-node": {
    seconds: 0,
    assumption: "upgrade only: runs nothing on create (kubeadm upgrade node when kubernetesVersion changes)",
  },
  "delete-node": {
    seconds: 0,
    assumption: "removal only: runs nothing on create (deletes the Node when it is removed)",
  },
  "etcd-ca": { seconds: 10, assumption: "etcdHosts: `kubeadm init phase certs etcd-ca` once, then one read of the CA" },
  "etcd-member": {
    seconds: 60,
    assumption:
      "etcdHosts: kubelet drop-in, three certificates, the etcd image pulled (~60 MB) and its static pod started; a member added later also catches up",
  },
  "etcd-client-cert": {
    seconds: 15,
    assumption: "etcdHosts: waits for the etcd quorum (the members just started), issues one client certificate",
  },
  "etcd-client": { seconds: 5, assumption: "etcdHosts: three files from stdin on each control plane" },
  "etcd-endpoints": {
    seconds: 5,
    assumption: "etcdHosts: one look at the api-server manifest and the kubeadm-config ConfigMap (a change adds ~40 s)",
  },
  verify: {
    seconds: 60,
    assumption: "the CNI pod starts on the last node to join (Ready), then etcd member and health checks",
  },
};

/** What a phase with no entry in {@link PHASE_ESTIMATES} is assumed to take: shown as such in PLAN.md. */
export const UNKNOWN_PHASE: PhaseEstimate = {
  seconds: 60,
  assumption: "no estimate for this phase yet: 1 minute assumed",
};

/** The estimate of a phase ({@link UNKNOWN_PHASE} when there is none). */
export function estimateOf(phase: string): PhaseEstimate {
  return Object.prototype.hasOwnProperty.call(PHASE_ESTIMATES, phase) ? PHASE_ESTIMATES[phase] : UNKNOWN_PHASE;
}

/**
 * True when the step runs something on create. A step without one (a drain or forget step that
 * only acts on delete) costs no time and no SSH session during the bring-up.
 */
export function hasCreate(step: PlanStep): boolean {
  // Written so that it holds whether `script` is a string or becomes optional.
  const script: string | undefined = step.script;
  return script !== undefined && script.trim() !== "";
}

/** One node of a dependency graph, for {@link longestChain}. */
export interface ChainNode {
  /** Unique id. */
  readonly id: string;
  /** Ids of the nodes it waits for; each must be in the graph. */
  readonly after: readonly string[];
  /** What the node adds to a chain through it (seconds, or 1 per command, or 0). */
  readonly weight: number;
}

/** The heaviest chain of waits in a graph: its weight and its nodes, first to last. */
export interface Chain {
  /** Sum of the weights along the chain. */
  readonly total: number;
  /** Ids along the chain, first to last; nodes of weight 0 included where the chain passes them. */
  readonly ids: readonly string[];
}

/**
 * The chain of waits with the largest total weight (the critical path when weights are
 * durations). Deterministic: among equal chains, the one that ends at the node listed first, and
 * reaches each node through the first of its waits (in `after` order), wins.
 * Throws when a node waits for an id that is not in the graph, or the graph has a cycle.
 */
export function longestChain(nodes: readonly ChainNode[]): Chain {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const best = new Map<string, { total: number; via?: string }>();
  const visiting = new Set<string>();
  const solve = (node: ChainNode): number => {
    const known = best.get(node.id);
    if (known) return known.total;
    if (visiting.has(node.id)) throw new Error(`the graph has a cycle through ${node.id}`);
    visiting.add(node.id);
    let via: string | undefined;
    let before = 0;
    for (const dep of node.after) {
      const target = byId.get(dep);
      if (!target) throw new Error(`${node.id} waits for ${dep}, which is not in the graph`);
      const total = solve(target);
      if (via === undefined || total > before) {
        via = dep;
        before = total;
      }
    }
    visiting.delete(node.id);
    best.set(node.id, { total: before + node.weight, via });
    return before + node.weight;
  };
  let end: ChainNode | undefined;
  for (const node of nodes) if (end === undefined || solve(node) > solve(end)) end = node;
  const ids: string[] = [];
  for (let id: string | undefined = end?.id; id !== undefined; id = best.get(id)?.via) ids.unshift(id);
  return { total: end ? solve(end) : 0, ids };
}

/** One phase's line of the estimate. */
export interface PhaseRow {
  /** Phase name. */
  readonly phase: string;
  /** The phase's estimate. */
  readonly estimate: PhaseEstimate;
  /** Steps of the phase that run something on create. */
  readonly steps: number;
  /** Seconds of each such step (one per distinct value, ascending: roles differ). */
  readonly secondsEach: readonly number[];
  /** Of those, steps on the critical path. */
  readonly onCriticalPath: number;
  /** Their seconds, summed. */
  readonly criticalSeconds: number;
}

/** The bring-up time of a plan, estimated: per phase, and along the critical path. */
export interface BringUpEstimate {
  /** Phases in plan order (first appearance), those with no create step left out. */
  readonly phases: readonly PhaseRow[];
  /** The critical path by estimated duration: step ids, first to last (steps without create left out). */
  readonly criticalPath: readonly string[];
  /** Its estimated seconds: how long the bring-up takes at least, with unbounded parallelism. */
  readonly totalSeconds: number;
}

/**
 * Estimated seconds of one step: 0 without a create script, else by phase, role and platform; a
 * join of a host in `members` (the init node) is a membership check.
 */
export function stepSeconds(
  step: PlanStep,
  spec: ClusterSpec,
  roleOf: ReadonlyMap<string, Role>,
  members: ReadonlySet<string> = new Set(),
): number {
  if (!hasCreate(step)) return 0;
  if (step.phase === "kubeadm-join" && members.has(step.host)) return ALREADY_MEMBER_SECONDS;
  const estimate = estimateOf(step.phase);
  if (spec.platform === "aws" && estimate.onAws !== undefined) return estimate.onAws;
  const role = roleOf.get(step.host);
  return (role !== undefined ? estimate.byRole?.[role] : undefined) ?? estimate.seconds;
}

/** Estimated seconds of every step of `plan`, by id. */
function secondsByStep(plan: Plan, spec: ClusterSpec): Map<string, number> {
  const roleOf = new Map(allHosts(spec).map((h) => [h.name, h.role]));
  // The host kubeadm init runs on is a member before its own join step runs.
  const members = new Set(plan.steps.filter((s) => s.phase === "kubeadm-init").map((s) => s.runsOn));
  return new Map(plan.steps.map((s) => [s.id, stepSeconds(s, spec, roleOf, members)]));
}

/** Estimates the bring-up of `plan`: each step by its phase, the chain of waits with the most seconds. */
export function estimateBringUp(plan: Plan, spec: ClusterSpec): BringUpEstimate {
  const seconds = secondsByStep(plan, spec);
  const chain = longestChain(
    plan.steps.map((s) => ({ id: s.id, after: s.after, weight: seconds.get(s.id) as number })),
  );
  const onPath = new Set(chain.ids);
  const rows = new Map<string, { steps: number; each: Set<number>; onPath: number; pathSeconds: number }>();
  for (const step of plan.steps.filter(hasCreate)) {
    const row = rows.get(step.phase) ?? { steps: 0, each: new Set<number>(), onPath: 0, pathSeconds: 0 };
    const s = seconds.get(step.id) as number;
    row.steps++;
    row.each.add(s);
    if (onPath.has(step.id)) {
      row.onPath++;
      row.pathSeconds += s;
    }
    rows.set(step.phase, row);
  }
  return {
    phases: [...rows].map(([phase, r]) => ({
      phase,
      estimate: estimateOf(phase),
      steps: r.steps,
      secondsEach: [...r.each].sort((a, b) => a - b),
      onCriticalPath: r.onPath,
      criticalSeconds: r.pathSeconds,
    })),
    criticalPath: chain.ids.filter((id) => (seconds.get(id) as number) > 0),
    totalSeconds: chain.total,
  };
}

/** The `--parallel` values PLAN.md shows the estimate for. */
export const PARALLEL_SHOWN: readonly number[] = [10, 50, 200];

/**
 * Estimated bring-up seconds when Pulumi runs at most `parallel` steps at once (`pulumi up
 * --parallel`): a step starts when every step it waits for is done and a slot is free, in the
 * order steps become ready (plan order among equals). Unbounded parallelism gives the critical path.
 */
export function estimateWithParallel(plan: Plan, spec: ClusterSpec, parallel: number): number {
  const seconds = secondsByStep(plan, spec);
  const index = new Map(plan.steps.map((s, i) => [s.id, i]));
  const waiting = plan.steps.map((s) => s.after.length);
  const dependents: number[][] = plan.steps.map(() => []);
  plan.steps.forEach((s, i) => s.after.forEach((d) => dependents[index.get(d) as number].push(i)));
  const ready = plan.steps.flatMap((s, i) => (s.after.length === 0 ? [i] : []));
  // A binary min-heap of running steps by finish time (then plan order): the next one to finish on top.
  const running: [number, number][] = [];
  const before = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const push = (item: [number, number]): void => {
    running.push(item);
    for (
      let i = running.length - 1, up = (i - 1) >> 1;
      i > 0 && before(running[i], running[up]);
      i = up, up = (i - 1) >> 1
    ) {
      [running[i], running[up]] = [running[up], running[i]];
    }
  };
  const pop = (): [number, number] => {
    const top = running[0];
    const last = running.pop() as [number, number];
    if (running.length > 0) {
      running[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const m = l + 1 < running.length && before(running[l + 1], running[l]) ? l + 1 : l;
        if (l >= running.length || !before(running[m], running[i])) break;
        [running[i], running[m]] = [running[m], running[i]];
        i = m;
      }
    }
    return top;
  };
  let now = 0;
  for (let next = 0; next < ready.length || running.length > 0;) {
    while (next < ready.length && running.length < parallel) {
      push([now + (seconds.get(plan.steps[ready[next]].id) as number), ready[next]]);
      next++;
    }
    const [at, done] = pop();
    now = at;
    for (const d of dependents[done]) if (--waiting[d] === 0) ready.push(d);
  }
  return now;
}

/** `about 14 minutes`: whole minutes, rounded, at least 1. */
export function aboutMinutes(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  return `about ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** `2 min 30 s`, `45 s`: a duration in a table cell. */
export function formatSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s} s` : s === 0 ? `${m} min` : `${m} min ${s} s`;
}
