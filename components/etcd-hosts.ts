import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec, quorumOf, QuorumFigures } from "../core/config/types";

/** Arguments of {@link EtcdHosts}. */
export interface EtcdHostsArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
}

/**
 * The dedicated etcd members (`etcdHosts`): the parent of their steps (preparation, the etcd CA,
 * each member, its snapshots), which the cluster creates under it. Empty with stacked etcd.
 */
export class EtcdHosts extends pulumi.ComponentResource {
  /** The component's type token. */
  static readonly TYPE = "kubeadm-ha:index:EtcdHosts";

  /** Names of the etcd hosts. */
  public readonly names: string[];
  /** Quorum of the etcd hosts (zero members with stacked or user-managed etcd). */
  public readonly quorum: QuorumFigures;

  constructor(name: string, args: EtcdHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(EtcdHosts.TYPE, name, {}, opts);
    this.names = args.spec.etcdHosts.map((h) => h.name);
    this.quorum = quorumOf(this.names.length);
  }

  /** Registers the outputs; called once the steps under this component exist. */
  complete(): void {
    this.registerOutputs({ names: this.names, quorum: this.quorum });
  }
}
