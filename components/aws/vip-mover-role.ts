import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** The IAM policy document of the LB pair: move private IPs on their own two ENIs, nothing else. */
export function vipMoverPolicy(region: string, accountId: string, eniIds: readonly string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "MoveVipBetweenTheLbPair",
        Effect: "Allow",
        Action: ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        Resource: eniIds.map((eni) => `arn:aws:ec2:${region}:${accountId}:network-interface/${eni}`),
      },
    ],
  });
}

/** Role and instance profile for the LBs; the policy is attached once their ENIs exist. */
export class VipMoverRole extends pulumi.ComponentResource {
  /** Instance profile name for the LB instances. */
  public readonly instanceProfile: aws.iam.InstanceProfile;
  private readonly role: aws.iam.Role;
  private readonly name: string;

  constructor(name: string, tags: Record<string, string>, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:VipMoverRole", name, {}, opts);
    this.name = name;
    this.role = new aws.iam.Role(`${name}-role`, {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    }, { parent: this });
    this.instanceProfile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name, tags }, { parent: this });
    this.registerOutputs({});
  }

  /** Grants the move on exactly these interfaces. */
  allow(region: string, eniIds: pulumi.Input<string>[]): aws.iam.RolePolicy {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    return new aws.iam.RolePolicy(`${this.name}-move-vip`, {
      role: this.role.id,
      policy: pulumi.all([account, ...eniIds]).apply(([acct, ...enis]) => vipMoverPolicy(region, acct, enis)),
    }, { parent: this });
  }
}
