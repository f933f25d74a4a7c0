import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec } from "../core/config/types";

/** Arguments of {@link Workers}. */
export interface WorkersArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
}

/**
 * Worker nodes, prepared with everything else and joined in parallel once the first control plane
 * is up: the parent of the workers' steps, which the cluster creates under it.
 */
export class Workers extends pulumi.ComponentResource {
  /** The component's type token. */
  static readonly TYPE = "kubeadm-ha:index:Workers";

  /** Names of the workers. */
  public readonly names: string[];

  constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Workers.TYPE, name, {}, opts);
    this.names = args.spec.workers.map((w) => w.name);
  }

  /** Registers the outputs; called once the steps under this component exist. */
  complete(): void {
    this.registerOutputs({ names: this.names });
  }
}
