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
type OptionalField = "runsOn" | "deleteScript" | "secretStdout" | "provides" | "replaceOn" | "deleteBeforeReplace" | "waitForSsh" | "files";

/** What a phase gives for one step; {@link step} fills in the id and the defaults. */
export type StepInput = Pick<PlanStep, "host" | "phase" | "description" | "after"> & Partial<Pick<PlanStep, OptionalField>> & {
  /** The create script and the secrets fed to it, checked against each other by `stepScript`. */
  readonly run: Script;
};

/** A plan step from a phase's input: id `<host>-<phase>`, run on `host` unless told otherwise. */
export function step(input: StepInput): PlanStep {
  const { run, ...rest } = input;
  return {
    runsOn: input.host, secretStdout: false, replaceOn: [], deleteBeforeReplace: false, waitForSsh: false, files: [],
    ...rest, script: run.text, stdin: run.stdin, id: `${input.host}-${input.phase}`,
  };
}

/** Ids of steps, for `after`. */
export function ids(steps: readonly PlanStep[]): string[] {
  return steps.map((s) => s.id);
}

/** The hosts that become Kubernetes nodes: control planes, then workers. */
export function kubeNodes(spec: ClusterSpec): HostSpec[] {
  return [...spec.controlPlanes, ...spec.workers];
}
