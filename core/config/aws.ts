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
  /** AMI override; undefined means the newest Ubuntu 22.04 LTS. */
  readonly ami?: string;
  /** Instance type per role. */
  readonly instanceTypes: { readonly loadBalancer: string; readonly controlPlane: string; readonly worker: string };
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

/** Existing subnets looked up before validation (when `vpcId` is set). */
export interface ExistingSubnet {
  /** Subnet id. */
  readonly id: string;
  /** Its CIDR. */
  readonly cidr: string;
}
