import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Architecture, AwsSpec } from "../../core/config/aws";
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

/** The AMI name pattern of Ubuntu 22.04 LTS for an architecture (Canonical's naming). */
export function ubuntuAmiName(architecture: Architecture): string {
  return `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-${architecture === "arm64" ? "arm64" : "amd64"}-server-*`;
}

/** The AMI: the override, or the newest Ubuntu 22.04 LTS for the instance types' architecture (its deb awscli moves the VIP). */
export function amiFor(spec: AwsSpec, parent: pulumi.Resource): pulumi.Input<string> {
  if (spec.ami) return spec.ami;
  return aws.ec2.getAmiOutput(
    {
      owners: [CANONICAL],
      mostRecent: true,
      filters: [
        { name: "name", values: [ubuntuAmiName(spec.architecture)] },
        { name: "architecture", values: [spec.architecture] },
        { name: "virtualization-type", values: ["hvm"] },
      ],
    },
    { parent },
  ).id;
}

/** Where and how one instance is placed. */
export interface InstanceArgs {
  /** Shared AMI and key pair. */
  readonly defaults: InstanceDefaults;
  /** Subnet of the host. */
  readonly subnetId: pulumi.Input<string>;
  /** Security groups of the host's role. */
  readonly securityGroupIds: pulumi.Input<string>[];
  /** Instance profile (the load balancers: moving the VIP). */
  readonly instanceProfile?: pulumi.Input<string>;
  /** What must be done before this instance is created or changed (the rollout order). */
  readonly after?: pulumi.Resource;
  /** Refuse any replacement or deletion (the init node). */
  readonly protect?: boolean;
}

/**
 * Inputs that must never replace a running node (a replacement is a new machine): the AMI (a newer
 * Ubuntu appears every few weeks), the key pair (EC2 installs it at launch only) and, on the LBs,
 * the secondary IPs keepalived moves at run time.
 */
export function ignoredInputs(host: HostSpec): string[] {
  return host.role === "loadBalancer" ? ["ami", "keyName", "secondaryPrivateIps"] : ["ami", "keyName"];
}

/** The instance type of a host's role. */
export function instanceTypeOf(spec: AwsSpec, host: HostSpec): string {
  return host.role === "loadBalancer"
    ? spec.instanceTypes.loadBalancer
    : host.role === "controlPlane"
      ? spec.instanceTypes.controlPlane
      : host.role === "etcd"
        ? spec.instanceTypes.etcd
        : spec.instanceTypes.worker;
}

/** One EC2 instance for a host: fixed private IP, IMDSv2 only, encrypted gp3 root volume. */
export function hostInstance(
  spec: AwsSpec,
  host: HostSpec,
  args: InstanceArgs,
  parent: pulumi.Resource,
): aws.ec2.Instance {
  return new aws.ec2.Instance(
    `${spec.clusterName}-${host.name}`,
    {
      ami: args.defaults.ami,
      instanceType: instanceTypeOf(spec, host),
      subnetId: args.subnetId,
      privateIp: host.privateAddress,
      vpcSecurityGroupIds: args.securityGroupIds,
      keyName: args.defaults.keyName,
      iamInstanceProfile: args.instanceProfile,
      associatePublicIpAddress: true,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: spec.rootVolumeSizeGb,
        encrypted: true,
        deleteOnTermination: true,
      },
      tags: clusterTags(spec, host.name, { "kubeadm-ha:role": host.role }),
      volumeTags: clusterTags(spec, `${host.name}-root`),
    },
    {
      parent,
      // The fixed private IP cannot be on two instances: the old one must go first.
      deleteBeforeReplace: true,
      ignoreChanges: ignoredInputs(host),
      dependsOn: args.after ? [args.after] : [],
      protect: args.protect === true,
    },
  );
}
