/** The AWS part of the spec: types only; `validate-aws.ts` checks the config, `core/plan/aws-layout.ts` places the hosts. */

/** A subnet the cluster uses on AWS. */
export interface AwsSubnet {
  /** CIDR of the subnet. */
  readonly cidr: string;
  /** Existing subnet id, or undefined when the program creates it. */
  readonly id?: string;
  /** Index of the AZ it lives in (0 = first AZ of the region, or the existing subnet's order). */
  readonly azIndex: number;
}

/** Everything the EC2 platform needs beyond the shared cluster spec. */
export interface AwsSpec {
  /** AWS region (`aws:region`). */
  readonly region: string;
  /** Prefix of tags and resource names. */
  readonly clusterName: string;
  /** Create a VPC (`vpcCidr`) or use `vpcId`. */
  readonly vpc: { readonly create: true; readonly cidr: string } | { readonly create: false; readonly id: string };
  /** Subnets, one per AZ; the first holds the LB pair and the VIP. */
  readonly subnets: readonly AwsSubnet[];
  /** Subnet index per host name. */
  readonly subnetOf: Readonly<Record<string, number>>;
  /** AMI override; undefined means the newest Ubuntu 22.04 LTS of {@link AwsSpec.architecture}. */
  readonly ami?: string;
  /** Instance type per role. */
  readonly instanceTypes: {
    readonly loadBalancer: string;
    readonly controlPlane: string;
    readonly worker: string;
    readonly etcd: string;
  };
  /** CPU architecture of every instance type (one AMI serves them all). */
  readonly architecture: Architecture;
  /** gp3 root volume size. */
  readonly rootVolumeSizeGb: number;
  /** Public key of the key pair. */
  readonly sshPublicKey: string;
  /** Sources allowed to SSH. */
  readonly sshAllowedCidrs: readonly string[];
  /** Sources allowed to reach the API. */
  readonly apiAllowedCidrs: readonly string[];
  /** Elastic IP on the VIP / internet-facing NLB. */
  readonly publicApi: boolean;
  /** keepalived pair with a moving secondary IP, or an NLB across AZs. */
  readonly loadBalancerMode: "keepalived" | "nlb";
}

/** CPU architecture as EC2 names it for AMIs (`x86_64`, `arm64`). */
export type Architecture = "x86_64" | "arm64";

/** An existing subnet named by `subnetIds`, looked up before validation (when `vpcId` is set). */
export interface ExistingSubnet {
  /** Subnet id. */
  readonly id: string;
  /** Its CIDR; "" when no such subnet was found. */
  readonly cidr: string;
  /** VPC it belongs to, when looked up. */
  readonly vpcId?: string;
  /** Its availability zone, when looked up. */
  readonly availabilityZone?: string;
  /** Whether its route table (explicit or the VPC's main one) sends 0.0.0.0/0 to an internet gateway. */
  readonly routesToInternetGateway?: boolean;
}

/** A private address in the VPC held by something that is not an instance of this cluster. */
export interface AddressInUse {
  /** The private IPv4 address. */
  readonly address: string;
  /** What holds it (`eni-...`, with its description when it has one). */
  readonly by: string;
}

/** An instance of this cluster that runs now (tag `kubeadm-ha:cluster`), by host name. */
export interface RunningHost {
  /** Host name (its `Name` tag less the `<clusterName>-` prefix). */
  readonly name: string;
  /** Its private IP. */
  readonly privateAddress: string;
}

/**
 * Facts about the AWS account looked up before validation (lookups, never resources); each is
 * absent when not looked up (the offline render, tests), and its check is then skipped.
 */
export interface AwsFacts {
  /** The subnets named by `subnetIds`, in that order (aws with `vpcId`). */
  readonly existingSubnets?: readonly ExistingSubnet[];
  /** Addresses of the fixed layout that other interfaces in the VPC already hold (aws with `vpcId`). */
  readonly addressesInUse?: readonly AddressInUse[];
  /** This cluster's instances that exist now (none before the first `pulumi up`). */
  readonly runningHosts?: readonly RunningHost[];
  /** The `ami` override as EC2 describes it: its architecture, or undefined when there is no such image. */
  readonly ami?: { readonly id: string; readonly architecture?: string };
}
