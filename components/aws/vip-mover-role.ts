import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Where the LB pair's policy applies: partition, region, account and the resources' ids. */
export interface VipMoverScope {
  /** ARN partition: `aws`, `aws-cn`, `aws-us-gov`... (from the partition lookup). */
  readonly partition: string;
  /** Region of the interfaces. */
  readonly region: string;
  /** Account id. */
  readonly accountId: string;
  /** The two LB interfaces. */
  readonly eniIds: readonly string[];
  /** Allocation id of the API's Elastic IP, when the API is public. */
  readonly eipAllocationId?: string;
}

/**
 * The IAM policy document of the LB pair: move private IPs between their own two ENIs and, with a
 * public API, associate the API's Elastic IP with them; describing addresses is account-wide by
 * design in EC2 (no resource-level permissions), and reads only.
 */
export function vipMoverPolicy(scope: VipMoverScope): string {
  const arn = (type: string, id: string): string =>
    `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:${type}/${id}`;
  const enis = scope.eniIds.map((eni) => arn("network-interface", eni));
  const statements: Record<string, unknown>[] = [
    {
      Sid: "MoveVipBetweenTheLbPair",
      Effect: "Allow",
      Action: ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
      Resource: enis,
    },
  ];
  if (scope.eipAllocationId) {
    statements.push(
      {
        Sid: "KeepTheApiAddressOnTheVip",
        Effect: "Allow",
        Action: ["ec2:AssociateAddress"],
        Resource: [arn("elastic-ip", scope.eipAllocationId), ...enis],
      },
      { Sid: "FindTheApiAddress", Effect: "Allow", Action: ["ec2:DescribeAddresses"], Resource: ["*"] },
    );
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Role and instance profile for the LBs; the policy is attached once their ENIs exist. */
export class VipMoverRole extends pulumi.ComponentResource {
  /** Instance profile name for the LB instances. */
  public readonly instanceProfile: aws.iam.InstanceProfile;
  private readonly role: aws.iam.Role;
  private readonly name: string;
  private readonly partition: pulumi.Output<aws.GetPartitionResult>;

  constructor(name: string, tags: Record<string, string>, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:VipMoverRole", name, {}, opts);
    this.name = name;
    // The partition names ARNs and service principals (aws-cn: ec2.amazonaws.com.cn).
    this.partition = aws.getPartitionOutput({}, { parent: this });
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: this.partition.dnsSuffix.apply((suffix) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: `ec2.${suffix}` }, Action: "sts:AssumeRole" }],
          }),
        ),
        tags,
      },
      { parent: this },
    );
    this.instanceProfile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: this.role.name, tags },
      { parent: this },
    );
    this.registerOutputs({});
  }

  /** Grants the move on exactly these interfaces (and the association of the API's Elastic IP, if any). */
  allow(region: string, eniIds: pulumi.Input<string>[], eipAllocationId?: pulumi.Input<string>): aws.iam.RolePolicy {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    return new aws.iam.RolePolicy(
      `${this.name}-move-vip`,
      {
        role: this.role.id,
        policy: pulumi
          .all([this.partition.partition, account, pulumi.output(eipAllocationId), pulumi.all(eniIds)])
          .apply(([partition, accountId, eip, enis]) =>
            vipMoverPolicy({ partition, region, accountId, eniIds: enis, eipAllocationId: eip }),
          ),
      },
      { parent: this },
    );
  }
}
