import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { ClusterHealth, ClusterHealthError, parseClusterHealth } from "../core/plan/cluster-health";
import { onlyStep } from "../core/plan/lookup";
import { buildPlan, Plan } from "../core/plan/steps";
import { allHosts, ClusterSpec, etcdMemberCount, QuorumFigures, quorumOf, Role } from "../core/config/types";
import { HostSource } from "./aws/aws-hosts";
import { connectionFor } from "./connection";
import { ControlPlane } from "./control-plane";
import { EtcdHosts } from "./etcd-hosts";
import { JoinSecrets } from "./join-secrets";
import { LoadBalancer } from "./load-balancer";
import { runPlan } from "./run-plan";
import { StepRunner } from "./step-runner";
import { Workers } from "./workers";

export type { ClusterHealth } from "../core/plan/cluster-health";

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

/** The whole HA cluster: LB pair, control planes, workers, CNI and the final verification. */
export class Cluster extends pulumi.ComponentResource {
  /** The component's type token. */
  static readonly TYPE = "kubeadm-ha:index:Cluster";

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
    super(Cluster.TYPE, name, {}, opts);
    const { spec } = args;
    const secrets = new JoinSecrets(`${name}-join`, { parent: this });
    const hosts = allHosts(spec);
    const connections = new Map<string, types.input.remote.ConnectionArgs>(
      hosts.map((h) => [
        h.name,
        connectionFor(h, spec.ssh, args.sshPrivateKey, args.hostSource?.sshAddresses.get(h.name)),
      ]),
    );
    const runner = new StepRunner(
      this,
      connections,
      {
        bootstrapToken: secrets.bootstrapToken,
        certificateKey: secrets.certificateKey,
      },
      args.hostSource,
    );
    this.plan = buildPlan(spec);

    // Containers first, then one walk of the plan: no component depends on the order they are built in.
    const loadBalancer = new LoadBalancer(`${name}-lb`, { spec }, { parent: this });
    const controlPlane = new ControlPlane(`${name}-cp`, { parent: this });
    const workers = new Workers(`${name}-workers`, { spec }, { parent: this });
    // Created only with etcdHosts, so a stack without them keeps its resource list.
    const etcd = spec.etcdHosts.length > 0 ? new EtcdHosts(`${name}-etcd`, { spec }, { parent: this }) : undefined;
    runPlan(this.plan, hosts, runner, {
      byRole: { loadBalancer, controlPlane, worker: workers, etcd: etcd ?? this },
      cluster: this,
      urnPrefixes: urnPrefixes(this, opts?.parent, [
        [loadBalancer, LoadBalancer.TYPE],
        [controlPlane, ControlPlane.TYPE],
        [workers, Workers.TYPE],
        [etcd, EtcdHosts.TYPE],
      ]),
    });
    loadBalancer.complete();
    controlPlane.complete(this.plan, runner);
    workers.complete();
    etcd?.complete();
    const verifyStep = onlyStep(this.plan, "verify");
    const verify = runner.commandOf(verifyStep);

    const publicEndpoint = args.hostSource?.publicEndpoint;
    // The kubeconfig points at the public endpoint (Elastic IP / NLB) where there is one.
    this.kubeconfig = publicEndpoint
      ? pulumi.secret(
          pulumi
            .all([controlPlane.kubeconfig, publicEndpoint])
            .apply(([k, e]) => k.split(`server: https://${spec.controlPlaneEndpoint}`).join(`server: https://${e}`)),
        )
      : controlPlane.kubeconfig;
    this.caCertHash = controlPlane.caCertHash;
    this.controlPlaneEndpoint = publicEndpoint ?? pulumi.output(runner.withLateValues(spec.controlPlaneEndpoint, this));
    this.etcdQuorum = quorumOf(etcdMemberCount(spec));
    this.nodes = hosts.map((h) => ({ name: h.name, role: h.role, address: h.privateAddress }));
    this.clusterHealth = runner.stdoutOf(verifyStep).apply((out) => {
      try {
        return parseClusterHealth(out, verifyStep.id);
      } catch (err) {
        // Report a malformed report against the verify command, whose output it is.
        throw err instanceof ClusterHealthError ? new pulumi.ResourceError(err.message, verify) : err;
      }
    });
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

/**
 * The URNs of the cluster and its containers without their names, when known without waiting: a
 * URN is `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`, and a top-level
 * cluster's parent types are its own. Empty when the cluster has a parent.
 */
function urnPrefixes(
  cluster: Cluster,
  parent: pulumi.Resource | undefined,
  children: [pulumi.Resource | undefined, string][],
): Map<pulumi.Resource, string> {
  if (parent) return new Map();
  const top = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${Cluster.TYPE}`;
  return new Map<pulumi.Resource, string>([
    [cluster, top],
    ...children.flatMap(([c, type]) => (c ? [[c, `${top}$${type}`] as const] : [])),
  ]);
}
