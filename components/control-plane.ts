import * as pulumi from "@pulumi/pulumi";
import { Plan } from "../core/plan/steps";
import { ClusterSpec } from "../core/config/types";
import { runStepsFor } from "./run-steps";
import { StepRunner } from "./step-runner";

/** Arguments of {@link ControlPlane}. */
export interface ControlPlaneArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
  /** The bring-up plan. */
  readonly plan: Plan;
  /** Shared step runner. */
  readonly runner: StepRunner;
}

/** The first control plane (kubeadm init) and the control planes that join it one at a time. */
export class ControlPlane extends pulumi.ComponentResource {
  /** Admin kubeconfig; its server is `https://VIP:apiPort` (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** CA public-key pin `sha256:...` used by joins (secret). */
  public readonly caCertHash: pulumi.Output<string>;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:index:ControlPlane", name, {}, opts);
    runStepsFor(args.spec.controlPlanes, args.plan, args.runner, this, (step) => step.phase !== "verify");
    const first = args.spec.controlPlanes[0].name;
    this.kubeconfig = pulumi.secret(args.runner.command(`${first}-admin-kubeconfig`).stdout);
    this.caCertHash = args.runner.secret("caCertHash");
    this.registerOutputs({ kubeconfig: this.kubeconfig, caCertHash: this.caCertHash });
  }
}
