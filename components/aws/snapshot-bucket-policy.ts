import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Where the control planes may write their etcd snapshots. */
export interface SnapshotBucketScope {
  /** ARN partition: `aws`, `aws-cn`, `aws-us-gov`... (from the partition lookup). */
  readonly partition: string;
  /** Bucket name (`etcdSnapshotBucket` before its first `/`). */
  readonly bucket: string;
  /** Key prefix, without slashes at either end. */
  readonly prefix: string;
}

/**
 * The control planes' IAM policy: put objects under the snapshot prefix of one bucket (and abort
 * their own multipart uploads: `aws s3 cp` uploads large files in parts), nothing else. No list,
 * no read, no delete: a host that is broken into cannot read or erase the cluster's backups, and
 * old copies expire by the bucket's lifecycle rules.
 */
export function snapshotBucketPolicy(scope: SnapshotBucketScope): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PutEtcdSnapshots",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: [`arn:${scope.partition}:s3:::${scope.bucket}/${scope.prefix}/*`],
      },
    ],
  });
}

/** Arguments of {@link SnapshotBucketAccess}. */
export interface SnapshotBucketAccessArgs {
  /** Bucket name. */
  readonly bucket: string;
  /** Key prefix, without slashes at either end. */
  readonly prefix: string;
  /** Tags of the role and the instance profile. */
  readonly tags: Record<string, string>;
}

/** Role, instance profile and policy of the control planes when snapshots are copied to S3. */
export class SnapshotBucketAccess extends pulumi.ComponentResource {
  /** Instance profile for the control-plane instances. */
  public readonly instanceProfile: aws.iam.InstanceProfile;
  /** The policy; the SSH gates wait for it, so the first snapshot's copy finds it in place. */
  public readonly policy: aws.iam.RolePolicy;

  constructor(name: string, args: SnapshotBucketAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:SnapshotBucketAccess", name, {}, opts);
    // The partition names ARNs and service principals (aws-cn: ec2.amazonaws.com.cn).
    const partition = aws.getPartitionOutput({}, { parent: this });
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: partition.dnsSuffix.apply((suffix) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: `ec2.${suffix}` }, Action: "sts:AssumeRole" }],
          }),
        ),
        tags: args.tags,
      },
      { parent: this },
    );
    this.instanceProfile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags: args.tags },
      { parent: this },
    );
    this.policy = new aws.iam.RolePolicy(
      `${name}-put-snapshots`,
      {
        role: role.id,
        policy: partition.partition.apply((p) =>
          snapshotBucketPolicy({ partition: p, bucket: args.bucket, prefix: args.prefix }),
        ),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
