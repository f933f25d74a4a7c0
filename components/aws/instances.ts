import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsSpec } from "../../core/config/aws";
import { HostSpec } from "../../core/config/types";
import { clusterTags } from "./tags";

/** Canonical's account, owner of the official Ubuntu AMIs. */
const CANONICAL = "099720109477";

/** Inputs every instance shares. */
export interface InstanceDefaults {
  /** AMI id. */
  readonly ami: pulumi.Input<string>;
  /** Key pair name. */
  readonly keyName: pulumi.Input<string>;
}

/** The AMI: the override, or the newest Ubuntu 22.04 LTS amd64 (its deb awscli moves the VIP). */
export function amiFor(spec: AwsSpec, parent: pulumi.Resource): pulumi.Input<string> {
  if (spec.ami) return spec.ami;
  return aws.ec2.getAmiOutput({
    owners: [CANONICAL],
    mostRecent: true,
    filters: [
      { name: "name", values: ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"] },
      { name: "virtualization-type", values: ["hvm"] },
    ],
  }, { parent }).id;
}

/** One EC2 instance for a host: fixed private IP, IMDSv2 only, encrypted gp3 root volume. */
export function hostInstance(
  spec: AwsSpec,
  host: HostSpec,
  args: { defaults: InstanceDefaults; subnetId: pulumi.Input<string>; securityGroupIds: pulumi.Input<string>[]; instanceProfile?: pulumi.Input<string>; secondaryPrivateIps?: string[] },
  parent: pulumi.Resource,
): aws.ec2.Instance {
  const type = host.role === "loadBalancer" ? spec.instanceTypes.loadBalancer : host.role === "controlPlane" ? spec.instanceTypes.controlPlane : spec.instanceTypes.worker;
  return new aws.ec2.Instance(`${spec.clusterName}-${host.name}`, {
    ami: args.defaults.ami,
    instanceType: type,
    subnetId: args.subnetId,
    privateIp: host.privateAddress,
    secondaryPrivateIps: args.secondaryPrivateIps,
    vpcSecurityGroupIds: args.securityGroupIds,
    keyName: args.defaults.keyName,
    iamInstanceProfile: args.instanceProfile,
    associatePublicIpAddress: true,
    metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
    rootBlockDevice: { volumeType: "gp3", volumeSize: spec.rootVolumeSizeGb, encrypted: true, deleteOnTermination: true },
    tags: clusterTags(spec, host.name, { "kubeadm-ha:role": host.role }),
    volumeTags: clusterTags(spec, `${host.name}-root`),
  }, {
    parent,
    // keepalived moves the VIP between the LBs at run time; Pulumi must not move it back.
    ignoreChanges: args.secondaryPrivateIps ? ["secondaryPrivateIps", "ami"] : ["ami"],
  });
}
