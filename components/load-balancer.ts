import * as pulumi from "@pulumi/pulumi";
import { Plan } from "../core/plan/steps";
import { ClusterSpec } from "../core/config/types";
import { runStepsFor } from "./run-steps";
import { StepRunner } from "./step-runner";

/** Arguments of {@link LoadBalancer}. */
export interface LoadBalancerArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
  /** The bring-up plan. */
  readonly plan: Plan;
  /** Shared step runner. */
  readonly runner: StepRunner;
}

/** The HAProxy + keepalived pair that holds the VIP in front of the api-servers. */
export class LoadBalancer extends pulumi.ComponentResource {
  /** `VIP:apiPort`. */
  public readonly endpoint: string;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:index:LoadBalancer", name, {}, opts);
    runStepsFor(args.spec.loadBalancers, args.plan, args.runner, this);
    this.endpoint = args.spec.controlPlaneEndpoint;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
