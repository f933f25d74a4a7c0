import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LateName } from "../../core/plan/placeholders";
import { ClusterSpec, HostSpec } from "../../core/config/types";
import { amiFor, hostInstance } from "./instances";
import { Network } from "./network";
import { ApiNlb } from "./nlb";
import { SecurityGroups } from "./security-groups";
import { clusterTags } from "./tags";
import { VipMoverRole } from "./vip-mover-role";

/** What the shared bring-up needs from the EC2 platform. */
export interface HostSource {
  /** SSH address per host name (public IP, or private IP behind a bastion). */
  readonly sshAddresses: ReadonlyMap<string, pulumi.Output<string>>;
  /** Values the plan left as placeholders (Elastic IP, NLB DNS name). */
  readonly late: Partial<Record<LateName, pulumi.Output<string>>>;
  /** Address clients should use in the exported kubeconfig (`host:port`), when not the VIP. */
  readonly publicEndpoint?: pulumi.Output<string>;
  /** Resources the SSH gates wait for (the VIP mover's IAM policy). */
  readonly gateDependsOn: pulumi.Resource[];
}

/** Creates the network, security groups and instances of a cluster on EC2. */
export class AwsHosts extends pulumi.ComponentResource implements HostSource {
  public readonly sshAddresses: ReadonlyMap<string, pulumi.Output<string>>;
  public readonly late: Partial<Record<LateName, pulumi.Output<string>>>;
  public readonly publicEndpoint?: pulumi.Output<string>;
  public readonly gateDependsOn: pulumi.Resource[];
  /** Instances by host name. */
  public readonly instances: ReadonlyMap<string, aws.ec2.Instance>;

  constructor(name: string, spec: ClusterSpec, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:Hosts", name, {}, opts);
    const a = spec.aws;
    if (!a) throw new Error("AwsHosts needs a spec with platform aws");
    const network = new Network(`${name}-network`, a, { parent: this });
    const groups = new SecurityGroups(`${name}-sg`, { spec, aws: a, vpcId: network.vpcId }, { parent: this });
    const keyPair = new aws.ec2.KeyPair(`${name}-key`, { publicKey: a.sshPublicKey, tags: clusterTags(a, "key") }, { parent: this });
    const defaults = { ami: amiFor(a, this), keyName: keyPair.keyName };
    const subnet = (h: HostSpec): pulumi.Output<string> => network.subnetIds[a.subnetOf[h.name]];

    const instances = new Map<string, aws.ec2.Instance>();
    const mover = spec.loadBalancers.length > 0 ? new VipMoverRole(`${name}-lb`, clusterTags(a, "lb-role"), { parent: this }) : undefined;
    spec.loadBalancers.forEach((lb, i) => {
      instances.set(lb.name, hostInstance(a, lb, {
        defaults, subnetId: subnet(lb), securityGroupIds: [groups.ids.lb], instanceProfile: mover?.instanceProfile.name,
        // The VIP starts on the first LB; keepalived's notify script moves it afterwards.
        secondaryPrivateIps: i === 0 ? [spec.vip] : undefined,
      }, this));
    });
    for (const cp of spec.controlPlanes) instances.set(cp.name, hostInstance(a, cp, { defaults, subnetId: subnet(cp), securityGroupIds: [groups.ids.node, groups.ids.controlPlane] }, this));
    for (const w of spec.workers) instances.set(w.name, hostInstance(a, w, { defaults, subnetId: subnet(w), securityGroupIds: [groups.ids.node] }, this));
    this.instances = instances;

    this.gateDependsOn = [];
    this.late = {};
    const lbInstances = spec.loadBalancers.map((lb) => instances.get(lb.name) as aws.ec2.Instance);
    if (mover) this.gateDependsOn.push(mover.allow(a.region, lbInstances.map((i) => i.primaryNetworkInterfaceId)));
    if (a.loadBalancerMode === "keepalived" && a.publicApi) {
      const eip = new aws.ec2.Eip(`${name}-api`, {
        domain: "vpc", networkInterface: lbInstances[0].primaryNetworkInterfaceId, associateWithPrivateIp: spec.vip, tags: clusterTags(a, "api"),
      }, { parent: this, ignoreChanges: ["networkInterface", "instance"] });
      this.late.publicApiAddress = eip.publicIp;
      this.publicEndpoint = pulumi.interpolate`${eip.publicIp}:${spec.apiPort}`;
      this.gateDependsOn.push(eip);
    }
    if (a.loadBalancerMode === "nlb") {
      const nlb = new ApiNlb(`${name}-api`, { spec: a, apiPort: spec.apiPort, vpcId: network.vpcId, subnetIds: network.subnetIds, securityGroupId: groups.ids.nlb }, { parent: this });
      for (const cp of spec.controlPlanes) nlb.attach(`${name}-${cp.name}`, (instances.get(cp.name) as aws.ec2.Instance).id, spec.apiPort);
      this.late.controlPlaneHost = nlb.dnsName;
      this.publicEndpoint = pulumi.interpolate`${nlb.dnsName}:${spec.apiPort}`;
    }
    // Behind a bastion, SSH goes to the private address; otherwise to the public IP.
    this.sshAddresses = new Map([...instances].map(([host, inst]) => [host, spec.ssh.bastion ? inst.privateIp : inst.publicIp]));
    this.registerOutputs({});
  }
}
