import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { buildPlan, Plan } from "../core/plan/steps";
import { allHosts, ClusterSpec, etcdMemberCount, QuorumFigures, quorumOf, Role } from "../core/config/types";
import { HostSource } from "./aws/aws-hosts";
import { connectionFor } from "./connection";
import { ControlPlane } from "./control-plane";
import { JoinSecrets } from "./join-secrets";
import { LoadBalancer } from "./load-balancer";
import { StepRunner } from "./step-runner";
import { Workers } from "./workers";

/** Arguments of {@link Cluster}. */
export interface ClusterArgs {
  /** The validated cluster spec. */
  readonly spec: ClusterSpec;
  /** SSH private key for every host (secret). */
  readonly sshPrivateKey: pulumi.Output<string>;
  /** Created hosts (EC2): SSH addresses, late values, public endpoint. Absent for existing hosts. */
  readonly hostSource?: HostSource;
}

/** A node as listed in the `nodes` output. */
export interface NodeSummary {
  /** Host name (the Kubernetes node name for control planes and workers). */
  readonly name: string;
  /** Role in the cluster. */
  readonly role: Role;
  /** Cluster (private) address. */
  readonly address: string;
}

/** What the final verify step saw on the first control plane. */
export interface ClusterHealth {
  /** Each expected node and whether it is Ready. */
  readonly nodes: { readonly name: string; readonly ready: boolean }[];
  /** True when every expected node was Ready. */
  readonly allNodesReady: boolean;
  /** etcd membership and endpoint health (stacked etcd; zeros for external). */
  readonly etcd: { readonly mode: string; readonly members: number; readonly healthyEndpoints: number; readonly quorum: number; readonly hasQuorum: boolean };
}

/** The whole HA cluster: LB pair, control planes, workers, CNI and the final verification. */
export class Cluster extends pulumi.ComponentResource {
  /** Admin kubeconfig, server `https://VIP:apiPort` (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** `VIP:apiPort` (on AWS: the Elastic IP or the NLB name with the port). */
  public readonly controlPlaneEndpoint: pulumi.Output<string>;
  /** etcd member count, quorum and tolerated failures. */
  public readonly etcdQuorum: QuorumFigures;
  /** Every host with role and address. */
  public readonly nodes: NodeSummary[];
  /** CA public-key pin (secret). */
  public readonly caCertHash: pulumi.Output<string>;
  /** The verify step's report. */
  public readonly clusterHealth: pulumi.Output<ClusterHealth>;
  /** The plan the commands were made from (for tests and the render CLI). */
  public readonly plan: Plan;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:index:Cluster", name, {}, opts);
    const { spec } = args;
    const secrets = new JoinSecrets(`${name}-join`, { parent: this });
    const hosts = allHosts(spec);
    const connections = new Map<string, types.input.remote.ConnectionArgs>(
      hosts.map((h) => [h.name, connectionFor(h, spec.ssh, args.sshPrivateKey, args.hostSource?.sshAddresses.get(h.name))]),
    );
    const runner = new StepRunner(connections, {
      bootstrapToken: secrets.bootstrapToken,
      certificateKey: secrets.certificateKey,
      keepalivedAuthPass: secrets.keepalivedAuthPass,
    }, { late: args.hostSource?.late, gateDependsOn: args.hostSource?.gateDependsOn });
    this.plan = buildPlan(spec);

    new LoadBalancer(`${name}-lb`, { spec, plan: this.plan, runner }, { parent: this });
    const controlPlane = new ControlPlane(`${name}-cp`, { spec, plan: this.plan, runner }, { parent: this });
    new Workers(`${name}-workers`, { spec, plan: this.plan, runner }, { parent: this });
    const verifyStep = this.plan.steps.find((s) => s.phase === "verify");
    if (!verifyStep) throw new Error("plan has no verify step");
    const verify = runner.run(verifyStep, this);

    const publicEndpoint = args.hostSource?.publicEndpoint;
    // The kubeconfig points at the public endpoint (Elastic IP / NLB) where there is one.
    this.kubeconfig = publicEndpoint
      ? pulumi.secret(pulumi.all([controlPlane.kubeconfig, publicEndpoint]).apply(([k, e]) => k.split(`server: https://${spec.controlPlaneEndpoint}`).join(`server: https://${e}`)))
      : controlPlane.kubeconfig;
    this.caCertHash = controlPlane.caCertHash;
    this.controlPlaneEndpoint = publicEndpoint ?? pulumi.output(runner.withLateValues(spec.controlPlaneEndpoint));
    this.etcdQuorum = quorumOf(etcdMemberCount(spec));
    this.nodes = hosts.map((h) => ({ name: h.name, role: h.role, address: h.privateAddress }));
    this.clusterHealth = verify.stdout.apply((out) => JSON.parse(out) as ClusterHealth);
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      controlPlaneEndpoint: this.controlPlaneEndpoint,
      etcdQuorum: this.etcdQuorum,
      nodes: this.nodes,
      caCertHash: this.caCertHash,
      clusterHealth: this.clusterHealth,
    });
  }
}
