import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LateName } from "../../core/plan/placeholders";
import { rolloutPredecessors } from "../../core/plan/aws-rollout";
import { AwsSpec } from "../../core/config/aws";
import { allHosts, ClusterSpec, HostSpec } from "../../core/config/types";
import { amiFor, hostInstance, InstanceDefaults } from "./instances";
import { Network } from "./network";
import { ApiNlb } from "./nlb";
import { rolloutGate } from "./rollout";
import { GroupName, SecurityGroups } from "./security-groups";
import { SnapshotBucketAccess } from "./snapshot-bucket-policy";
import { clusterTags } from "./tags";
import { VipMoverRole } from "./vip-mover-role";

/** What the shared bring-up needs from the EC2 platform (a `StepRunnerOptions` too). */
export interface HostSource {
  /** SSH address per host name (public IP, or private IP behind a bastion). */
  readonly sshAddresses: ReadonlyMap<string, pulumi.Output<string>>;
  /** Values the plan left as placeholders (Elastic IP or public NLB name, internal NLB name). */
  readonly late: Partial<Record<LateName, pulumi.Output<string>>>;
  /** Address clients should use in the exported kubeconfig (`host:port`), when not the VIP. */
  readonly publicEndpoint?: pulumi.Output<string>;
  /** Resources the SSH gates wait for (the VIP mover's IAM policy, the Elastic IP). */
  readonly gateDependsOn: pulumi.Resource[];
  /** Resources a step using a late value waits for (the internal NLB's listener and targets). */
  readonly lateDependsOn: Partial<Record<LateName, pulumi.Resource[]>>;
  /** Per host, its instance: a replaced instance replaces the host's steps (not the init node's: it is protected). */
  readonly replaceWith: ReadonlyMap<string, pulumi.Resource>;
}

/** Arguments of {@link AwsHosts}. */
export interface AwsHostsArgs {
  /** The validated spec, platform aws. */
  readonly spec: ClusterSpec;
  /** SSH private key (secret), for the rollout gates. */
  readonly sshPrivateKey: pulumi.Output<string>;
}

/** Creates the network, security groups and instances of a cluster on EC2. */
export class AwsHosts extends pulumi.ComponentResource implements HostSource {
  public readonly sshAddresses: ReadonlyMap<string, pulumi.Output<string>>;
  public readonly late: Partial<Record<LateName, pulumi.Output<string>>> = {};
  public readonly publicEndpoint?: pulumi.Output<string>;
  public readonly gateDependsOn: pulumi.Resource[] = [];
  public readonly lateDependsOn: Partial<Record<LateName, pulumi.Resource[]>> = {};
  public readonly replaceWith: ReadonlyMap<string, pulumi.Resource>;
  /** Instances by host name. */
  public readonly instances: ReadonlyMap<string, aws.ec2.Instance>;

  constructor(name: string, args: AwsHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:Hosts", name, {}, opts);
    const { spec } = args;
    const a = spec.aws;
    if (!a) throw new Error("AwsHosts needs a spec with platform aws");
    const network = new Network(`${name}-network`, a, { parent: this });
    const groups = new SecurityGroups(`${name}-sg`, { spec, aws: a, vpcId: network.vpcId }, { parent: this });
    const keyPair = new aws.ec2.KeyPair(
      `${name}-key`,
      { publicKey: a.sshPublicKey, tags: clusterTags(a, "key") },
      { parent: this },
    );
    const mover =
      spec.loadBalancers.length > 0
        ? new VipMoverRole(`${name}-lb`, clusterTags(a, "lb-role"), { parent: this })
        : undefined;
    const s3 = spec.etcdSnapshots.s3;
    const snapshots = s3
      ? new SnapshotBucketAccess(`${name}-cp`, { ...s3, tags: clusterTags(a, "cp-role") }, { parent: this })
      : undefined;
    if (snapshots) this.gateDependsOn.push(snapshots.policy);
    const instances = this.createInstances(args, a, {
      defaults: { ami: amiFor(a, this), keyName: keyPair.keyName },
      subnetOf: (h) => network.subnetIds[a.subnetOf[h.name]],
      groupsOf: (h) =>
        h.role === "loadBalancer"
          ? [groups.id("lb")]
          : h.role === "controlPlane"
            ? [groups.id("node"), groups.id("controlPlane")]
            : h.role === "etcd"
              ? [groups.id("etcd")]
              : [groups.id("node")],
      instanceProfile: mover?.instanceProfile.name,
      controlPlaneProfile: snapshots?.instanceProfile.name,
    });
    this.instances = instances;
    // Behind a bastion, SSH goes to the private address; otherwise to the public IP.
    this.sshAddresses = new Map(
      [...instances].map(([host, inst]) => [host, spec.ssh.bastion ? inst.privateIp : inst.publicIp]),
    );
    const initNode = spec.controlPlanes[0].name;
    this.replaceWith = new Map([...instances].filter(([host]) => host !== initNode));

    const lbEnis = spec.loadBalancers.map((lb) => this.instanceOf(lb.name).primaryNetworkInterfaceId);
    if (a.loadBalancerMode === "keepalived" && a.publicApi) {
      // Not associated here: the VIP is on no ENI until keepalived's MASTER moves it, and the move
      // script associates the address then (it follows the VIP from then on).
      const eip = new aws.ec2.Eip(
        `${name}-api`,
        { domain: "vpc", tags: clusterTags(a, "api") },
        {
          parent: this,
          ignoreChanges: ["networkInterface", "instance", "associateWithPrivateIp"],
        },
      );
      this.late.publicApiAddress = eip.publicIp;
      this.publicEndpoint = pulumi.interpolate`${eip.publicIp}:${spec.apiPort}`;
      this.gateDependsOn.push(eip);
      if (mover) this.gateDependsOn.push(mover.allow(a.region, lbEnis, eip.allocationId));
    } else if (mover) {
      this.gateDependsOn.push(mover.allow(a.region, lbEnis));
    }
    if (a.loadBalancerMode === "nlb") this.publicEndpoint = this.frontWithNlb(name, spec, a, network, groups);
    this.registerOutputs({});
  }

  /** Every instance, in host order, each after the one it rolls after (see core/plan/aws-rollout.ts). */
  private createInstances(
    args: AwsHostsArgs,
    a: AwsSpec,
    place: {
      defaults: InstanceDefaults;
      subnetOf: (h: HostSpec) => pulumi.Output<string>;
      groupsOf: (h: HostSpec) => pulumi.Output<string>[];
      instanceProfile?: pulumi.Output<string>;
      controlPlaneProfile?: pulumi.Output<string>;
    },
  ): Map<string, aws.ec2.Instance> {
    const { spec } = args;
    const before = rolloutPredecessors(spec);
    const awaited = new Set([...before.values()].map((h) => h.name));
    const gates = new Map<string, pulumi.Resource>();
    const instances = new Map<string, aws.ec2.Instance>();
    for (const host of allHosts(spec)) {
      const predecessor = before.get(host.name);
      const instance = hostInstance(
        a,
        host,
        {
          defaults: place.defaults,
          subnetId: place.subnetOf(host),
          securityGroupIds: place.groupsOf(host),
          instanceProfile:
            host.role === "loadBalancer"
              ? place.instanceProfile
              : host.role === "controlPlane"
                ? place.controlPlaneProfile
                : undefined,
          after: predecessor ? gates.get(predecessor.name) : undefined,
          // The init node holds the cluster's identity: a new machine there would run kubeadm init again.
          protect: host.name === spec.controlPlanes[0].name,
        },
        this,
      );
      instances.set(host.name, instance);
      if (awaited.has(host.name)) {
        const sshAddress = spec.ssh.bastion ? instance.privateIp : instance.publicIp;
        gates.set(
          host.name,
          rolloutGate(spec, a, host, { instance, sshAddress, sshPrivateKey: args.sshPrivateKey }, this),
        );
      }
    }
    return instances;
  }

  /** NLB mode: the internal NLB is the control-plane endpoint; a public one serves users with `publicApi` (its endpoint is returned). */
  private frontWithNlb(
    name: string,
    spec: ClusterSpec,
    a: AwsSpec,
    network: Network,
    groups: SecurityGroups,
  ): pulumi.Output<string> | undefined {
    const nlb = new ApiNlb(
      `${name}-api`,
      {
        spec: a,
        apiPort: spec.apiPort,
        vpcId: network.vpcId,
        subnetIds: network.subnetIds,
        securityGroupIds: {
          internal: groups.id("nlb"),
          ...(a.publicApi ? { public: groups.id("nlbPublic" satisfies GroupName) } : {}),
        },
        targets: spec.controlPlanes.map((cp) => ({ name: cp.name, instanceId: this.instanceOf(cp.name).id })),
      },
      { parent: this },
    );
    this.late.controlPlaneHost = nlb.internalDnsName;
    // kubeadm init and the joins connect through the name: the listener and targets must exist first.
    this.lateDependsOn.controlPlaneHost = nlb.internalReady;
    if (!nlb.publicDnsName) return undefined;
    this.late.publicApiAddress = nlb.publicDnsName;
    return pulumi.interpolate`${nlb.publicDnsName}:${spec.apiPort}`;
  }

  private instanceOf(host: string): aws.ec2.Instance {
    const instance = this.instances.get(host);
    if (!instance) throw new pulumi.ResourceError(`no instance for host ${host}`, this);
    return instance;
  }
}
