import * as pulumi from "@pulumi/pulumi";
import { Plan } from "../core/plan/steps";
import { ClusterSpec } from "../core/config/types";
import { runStepsFor } from "./run-steps";
import { StepRunner } from "./step-runner";

/** Arguments of {@link Workers}. */
export interface WorkersArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
  /** The bring-up plan. */
  readonly plan: Plan;
  /** Shared step runner. */
  readonly runner: StepRunner;
}

/** Worker nodes: prepared with everything else, joined in parallel once the first control plane is up. */
export class Workers extends pulumi.ComponentResource {
  /** Names of the workers. */
  public readonly names: string[];

  constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:index:Workers", name, {}, opts);
    runStepsFor(args.spec.workers, args.plan, args.runner, this);
    this.names = args.spec.workers.map((w) => w.name);
    this.registerOutputs({ names: this.names });
  }
}
