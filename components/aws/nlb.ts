import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsSpec } from "../../core/config/aws";
import { clusterTags } from "./tags";

/** Target group settings of the NLB mode; exported for tests and the README. */
export function targetGroupArgs(
  spec: AwsSpec,
  apiPort: number,
  vpcId: pulumi.Input<string>,
  which: "internal" | "public",
): aws.lb.TargetGroupArgs {
  return {
    port: apiPort,
    protocol: "TCP",
    vpcId,
    targetType: "instance",
    // A control plane reaching itself through the NLB (kubelet, kubeadm) fails with preservation on.
    preserveClientIp: "false",
    connectionTermination: true,
    deregistrationDelay: 30,
    healthCheck: {
      protocol: "HTTPS",
      port: String(apiPort),
      path: "/readyz",
      interval: 10,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      timeout: 6,
    },
    tags: clusterTags(spec, `api-${which}`),
  };
}

/** Arguments of {@link ApiNlb}. */
export interface ApiNlbArgs {
  /** AWS settings. */
  readonly spec: AwsSpec;
  /** api-server port: listener and targets. */
  readonly apiPort: number;
  /** VPC of the target groups. */
  readonly vpcId: pulumi.Input<string>;
  /** One subnet per AZ. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Security group per NLB (`public` only with `publicApi`). */
  readonly securityGroupIds: { readonly internal: pulumi.Input<string>; readonly public?: pulumi.Input<string> };
  /** The api-servers: a resource name part and an instance id each. */
  readonly targets: readonly { readonly name: string; readonly instanceId: pulumi.Input<string> }[];
}

/** One NLB with its TCP listener, target group and api-server targets. */
interface Frontend {
  readonly dnsName: pulumi.Output<string>;
  /** The listener and the target registrations: traffic flows once these exist. */
  readonly ready: pulumi.Resource[];
}

/**
 * Network Load Balancers across the AZs in front of the api-servers. The control-plane endpoint is
 * always an internal NLB, so nodes reach the API on private addresses (security groups match
 * private sources only); with `publicApi` a second, internet-facing NLB serves users. Cluster API's
 * AWS provider does the same with a primary internal and a secondary internet-facing load balancer
 * (kubernetes-sigs/cluster-api-provider-aws #4554, #4733).
 */
export class ApiNlb extends pulumi.ComponentResource {
  /** DNS name of the internal NLB: the control-plane endpoint host every node uses. */
  public readonly internalDnsName: pulumi.Output<string>;
  /** DNS name of the internet-facing NLB for users (`publicApi`). */
  public readonly publicDnsName?: pulumi.Output<string>;
  /** Listener and targets of the internal NLB: whatever connects through its name waits for them. */
  public readonly internalReady: pulumi.Resource[];

  constructor(name: string, args: ApiNlbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:ApiNlb", name, {}, opts);
    const internal = this.frontend(`${name}-int`, args, true, args.securityGroupIds.internal);
    this.internalDnsName = internal.dnsName;
    this.internalReady = internal.ready;
    if (args.spec.publicApi && args.securityGroupIds.public)
      this.publicDnsName = this.frontend(`${name}-pub`, args, false, args.securityGroupIds.public).dnsName;
    this.registerOutputs({ internalDnsName: this.internalDnsName, publicDnsName: this.publicDnsName });
  }

  private frontend(name: string, args: ApiNlbArgs, internal: boolean, securityGroupId: pulumi.Input<string>): Frontend {
    const nlb = new aws.lb.LoadBalancer(
      name,
      {
        loadBalancerType: "network",
        internal,
        subnets: args.subnetIds,
        securityGroups: [securityGroupId],
        enableCrossZoneLoadBalancing: true,
        tags: clusterTags(args.spec, internal ? "api-internal" : "api-public"),
      },
      { parent: this },
    );
    const targetGroup = new aws.lb.TargetGroup(
      name,
      targetGroupArgs(args.spec, args.apiPort, args.vpcId, internal ? "internal" : "public"),
      { parent: this },
    );
    const listener = new aws.lb.Listener(
      name,
      {
        loadBalancerArn: nlb.arn,
        port: args.apiPort,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      { parent: this },
    );
    const targets = args.targets.map(
      (t) =>
        new aws.lb.TargetGroupAttachment(
          `${name}-${t.name}`,
          {
            targetGroupArn: targetGroup.arn,
            targetId: t.instanceId,
            port: args.apiPort,
          },
          { parent: this },
        ),
    );
    return { dnsName: nlb.dnsName, ready: [listener, ...targets] };
  }
}
