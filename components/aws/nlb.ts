import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsSpec } from "../../core/config/aws";
import { clusterTags } from "./tags";

/** Target group settings of the NLB mode; exported for tests and the README. */
export function targetGroupArgs(spec: AwsSpec, apiPort: number, vpcId: pulumi.Input<string>): aws.lb.TargetGroupArgs {
  return {
    port: apiPort,
    protocol: "TCP",
    vpcId,
    targetType: "instance",
    // A control plane reaching itself through the NLB (kubelet, kubeadm) fails with preservation on.
    preserveClientIp: "false",
    connectionTermination: true,
    deregistrationDelay: 30,
    healthCheck: { protocol: "HTTPS", port: String(apiPort), path: "/readyz", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2, timeout: 6 },
    tags: clusterTags(spec, "api"),
  };
}

/** A Network Load Balancer across the AZs in front of the api-servers. */
export class ApiNlb extends pulumi.ComponentResource {
  /** DNS name of the NLB (the control-plane endpoint host). */
  public readonly dnsName: pulumi.Output<string>;
  /** Target group of the api-servers. */
  public readonly targetGroup: aws.lb.TargetGroup;

  constructor(name: string, args: { spec: AwsSpec; apiPort: number; vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<string>[]; securityGroupId: pulumi.Input<string> }, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:ApiNlb", name, {}, opts);
    const nlb = new aws.lb.LoadBalancer(`${name}-nlb`, {
      loadBalancerType: "network",
      internal: !args.spec.publicApi,
      subnets: args.subnetIds,
      securityGroups: [args.securityGroupId],
      enableCrossZoneLoadBalancing: true,
      tags: clusterTags(args.spec, "api-nlb"),
    }, { parent: this });
    this.targetGroup = new aws.lb.TargetGroup(`${name}-api`, targetGroupArgs(args.spec, args.apiPort, args.vpcId), { parent: this });
    new aws.lb.Listener(`${name}-api`, {
      loadBalancerArn: nlb.arn, port: args.apiPort, protocol: "TCP",
      defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
    }, { parent: this });
    this.dnsName = nlb.dnsName;
    this.registerOutputs({ dnsName: this.dnsName });
  }

  /** Registers a control plane as a target. */
  attach(name: string, instanceId: pulumi.Input<string>, port: number): void {
    new aws.lb.TargetGroupAttachment(`${name}-api-target`, { targetGroupArn: this.targetGroup.arn, targetId: instanceId, port }, { parent: this });
  }
}
