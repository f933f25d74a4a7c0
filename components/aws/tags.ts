import { AwsSpec } from "../../core/config/aws";

/** Tags that name the cluster on every AWS resource. */
export function clusterTags(aws: AwsSpec, name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Name: `${aws.clusterName}-${name}`,
    "kubeadm-ha:cluster": aws.clusterName,
    [`kubernetes.io/cluster/${aws.clusterName}`]: "owned",
    ...extra,
  };
}
