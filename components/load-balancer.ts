import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec } from "../core/config/types";

/** Arguments of {@link LoadBalancer}. */
export interface LoadBalancerArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
}

/**
 * The HAProxy + keepalived pair that holds the VIP in front of the api-servers: the parent of the
 * load balancers' steps, which the cluster creates under it.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  /** The component's type token. */
  static readonly TYPE = "kubeadm-ha:index:LoadBalancer";

  /** `VIP:apiPort`. */
  public readonly endpoint: string;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(LoadBalancer.TYPE, name, {}, opts);
    this.endpoint = args.spec.controlPlaneEndpoint;
  }

  /** Registers the outputs; called once the steps under this component exist. */
  complete(): void {
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
