import { ClusterSpec, HostSpec } from "../../config/types";
import { Plan, PlanStep } from "../plan-step";
import { Script } from "../template";

/** What a phase builder sees: the spec, and the plan so far (look steps up with `../lookup`). */
export interface PhaseContext {
  /** The validated spec. */
  readonly spec: ClusterSpec;
  /** The steps the earlier phases added, in plan order. */
  readonly before: Plan;
}

/** One phase of the bring-up: the steps it adds, in plan order, after those of earlier phases. */
export type PhaseBuilder = (ctx: PhaseContext) => PlanStep[];

/** Fields of a step that have a default (see {@link step}). */
type OptionalField =
  | "runsOn"
  | "scope"
  | "deleteScript"
  | "updateScript"
  | "secretStdout"
  | "provides"
  | "replaceOn"
  | "deleteBeforeReplace"
  | "protect"
  | "waitForSsh"
  | "dialAttempts"
  | "formerIds"
  | "files";

/** What a phase gives for one step; {@link step} fills in the id and the defaults. */
export type StepInput = Pick<PlanStep, "host" | "phase" | "description" | "after"> &
  Partial<Pick<PlanStep, OptionalField>> & {
    /** The create script and what is fed to it, checked against each other by `stepScript`; none for removal steps. */
    readonly run?: Script;
  };

/**
 * A plan step from a phase's input: id `<host>-<phase>` (`<phase>` for a stack step), run on
 * `host` unless told otherwise.
 */
export function step(input: StepInput): PlanStep {
  const { run, ...rest } = input;
  const scope = input.scope ?? "host";
  return {
    runsOn: input.host,
    scope,
    secretStdout: false,
    replaceOn: [],
    deleteBeforeReplace: false,
    protect: false,
    waitForSsh: false,
    formerIds: [],
    files: [],
    ...rest,
    ...(run ? { script: run.text, ...(run.data !== undefined ? { stdinData: run.data } : {}) } : {}),
    stdin: run?.stdin ?? [],
    id: scope === "stack" ? input.phase : `${input.host}-${input.phase}`,
  };
}

/** Ids of steps, for `after`. */
export function ids(steps: readonly PlanStep[]): string[] {
  return steps.map((s) => s.id);
}

/**
 * The admin host: the first control plane. Stack steps (init, CA pin, kubeconfig, CNI, token,
 * verify) run there; a stable rule, so reordering the list moves only their connection.
 */
export function adminHost(spec: Pick<ClusterSpec, "controlPlanes">): HostSpec {
  return spec.controlPlanes[0];
}

/**
 * The control plane that runs the steps about `host` that need a live member (its join material,
 * drain and forget): the admin host, or for the admin host itself the next control plane, since a
 * host cannot re-join, or be removed, through itself. (A single control plane is its own helper.)
 */
export function helperOf(spec: Pick<ClusterSpec, "controlPlanes">, host: HostSpec): HostSpec {
  const admin = adminHost(spec);
  return host.name === admin.name ? (spec.controlPlanes[1] ?? admin) : admin;
}

/** The etcd peer URL kubeadm gives a stacked control plane's member: how members are matched. */
export function peerUrl(host: HostSpec): string {
  return `https://${host.privateAddress}:2380`;
}

/** The hosts that become Kubernetes nodes: control planes, then workers. */
export function kubeNodes(spec: ClusterSpec): HostSpec[] {
  return [...spec.controlPlanes, ...spec.workers];
}
