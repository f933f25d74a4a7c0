import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ClusterSpec } from "../../core/config/types";
import { AwsSpec } from "../../core/config/aws";
import { clusterTags } from "./tags";

/** A security group of the design: one per role, and one per NLB in nlb mode. */
export type GroupName = "lb" | "node" | "controlPlane" | "etcd" | "nlb" | "nlbPublic";

/** Where a rule lets traffic come from. */
type Source = { cidr: string } | { group: GroupName };

/** One ingress rule of the least-privilege design; exported so tests and the README share it. */
export interface IngressRule {
  /** Group the rule belongs to. */
  readonly to: GroupName;
  /** What the port is for. */
  readonly purpose: string;
  /** IP protocol: tcp, udp, or a number ("112" is VRRP). */
  readonly protocol: string;
  /** First port (undefined for protocols without ports). */
  readonly fromPort?: number;
  /** Last port. */
  readonly toPort?: number;
  /** Allowed source. */
  readonly source: Source;
}

/** The groups a cluster uses: the keepalived pair's, or its NLBs' (a public one with `publicApi`), and the etcd instances'. */
export function groupsOf(aws: AwsSpec, spec: Pick<ClusterSpec, "etcdHosts">): GroupName[] {
  const front: GroupName[] =
    aws.loadBalancerMode === "nlb" ? ["nlb", ...(aws.publicApi ? ["nlbPublic" as const] : [])] : ["lb"];
  return [...front, "node", "controlPlane", ...(spec.etcdHosts.length > 0 ? ["etcd" as const] : [])];
}

/** The ingress rules for a cluster, pure: every port, its purpose and its only sources. */
export function ingressRules(spec: ClusterSpec, aws: AwsSpec): IngressRule[] {
  const port = spec.apiPort;
  const rules: IngressRule[] = [];
  // Nodes use the keepalived VIP or the internal NLB; users the same, or the public NLB.
  const front = aws.loadBalancerMode === "nlb" ? "nlb" : "lb";
  const clientFront = aws.loadBalancerMode === "nlb" && aws.publicApi ? "nlbPublic" : front;
  for (const cidr of new Set(aws.apiAllowedCidrs))
    rules.push({
      to: clientFront,
      purpose: "API clients",
      protocol: "tcp",
      fromPort: port,
      toPort: port,
      source: { cidr },
    });
  rules.push({
    to: front,
    purpose: "API from the nodes (kubelets, pods)",
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    source: { group: "node" },
  });
  if (front === "lb") {
    rules.push({ to: "lb", purpose: "VRRP between the LB pair", protocol: "112", source: { group: "lb" } });
    for (const cidr of new Set(aws.sshAllowedCidrs))
      rules.push({ to: "lb", purpose: "SSH", protocol: "tcp", fromPort: 22, toPort: 22, source: { cidr } });
  }
  rules.push({
    to: "controlPlane",
    purpose: "api-server from the load balancers",
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    source: { group: front },
  });
  if (clientFront !== front)
    rules.push({
      to: "controlPlane",
      purpose: "api-server from the public load balancer",
      protocol: "tcp",
      fromPort: port,
      toPort: port,
      source: { group: clientFront },
    });
  rules.push({
    to: "controlPlane",
    purpose: "api-server from the nodes",
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    source: { group: "node" },
  });
  if (spec.etcdHosts.length === 0)
    rules.push({
      to: "controlPlane",
      purpose: "etcd peers and clients",
      protocol: "tcp",
      fromPort: 2379,
      toPort: 2380,
      source: { group: "controlPlane" },
    });
  else rules.push(...etcdRules(aws));
  rules.push({
    to: "node",
    purpose: "kubelet API",
    protocol: "tcp",
    fromPort: 10250,
    toPort: 10250,
    source: { group: "node" },
  });
  if (spec.cni === "flannel")
    rules.push({
      to: "node",
      purpose: "flannel VXLAN",
      protocol: "udp",
      fromPort: 8472,
      toPort: 8472,
      source: { group: "node" },
    });
  if (spec.cni === "calico") {
    rules.push({
      to: "node",
      purpose: "calico VXLAN",
      protocol: "udp",
      fromPort: 4789,
      toPort: 4789,
      source: { group: "node" },
    });
    rules.push({
      to: "node",
      purpose: "calico typha",
      protocol: "tcp",
      fromPort: 5473,
      toPort: 5473,
      source: { group: "node" },
    });
  }
  for (const cidr of new Set(aws.sshAllowedCidrs))
    rules.push({ to: "node", purpose: "SSH", protocol: "tcp", fromPort: 22, toPort: 22, source: { cidr } });
  return rules;
}

/**
 * The etcd instances (`etcdCount`): clients from the api-servers; peers, and the members' own
 * checks (member add/remove and health go to another member's client URL, core/scripts/lib/etcd-hosts.sh),
 * between members; SSH as on the nodes. Nothing from the workers or the load balancers.
 */
function etcdRules(aws: AwsSpec): IngressRule[] {
  return [
    {
      to: "etcd",
      purpose: "etcd clients (api-servers)",
      protocol: "tcp",
      fromPort: 2379,
      toPort: 2379,
      source: { group: "controlPlane" },
    },
    {
      to: "etcd",
      purpose: "etcd peers and member checks",
      protocol: "tcp",
      fromPort: 2379,
      toPort: 2380,
      source: { group: "etcd" },
    },
    ...[...new Set(aws.sshAllowedCidrs)].map((cidr): IngressRule => ({
      to: "etcd",
      purpose: "SSH",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      source: { cidr },
    })),
  ];
}

/** What each group is, for its AWS description and name. */
const GROUPS: Readonly<Record<GroupName, { name: string; description: string }>> = {
  lb: { name: "lb", description: "kubeadm-ha load balancers (HAProxy + keepalived)" },
  node: { name: "node", description: "kubeadm-ha Kubernetes nodes" },
  controlPlane: { name: "control-plane", description: "kubeadm-ha control planes" },
  etcd: { name: "etcd", description: "kubeadm-ha etcd members (etcdCount)" },
  nlb: { name: "nlb", description: "kubeadm-ha network load balancer (internal: the nodes' endpoint)" },
  nlbPublic: { name: "nlb-public", description: "kubeadm-ha network load balancer (internet-facing: users)" },
};

/** Security groups per role with exactly the rules of {@link ingressRules}; all egress allowed. */
export class SecurityGroups extends pulumi.ComponentResource {
  /** Group ids of the groups this cluster uses (see {@link groupsOf}). */
  public readonly ids: Partial<Record<GroupName, pulumi.Output<string>>>;

  constructor(
    name: string,
    args: { spec: ClusterSpec; aws: AwsSpec; vpcId: pulumi.Input<string> },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("kubeadm-ha:aws:SecurityGroups", name, {}, opts);
    const groups = new Map(
      groupsOf(args.aws, args.spec).map((g) => {
        const { name: role, description } = GROUPS[g];
        const sg = new aws.ec2.SecurityGroup(
          `${name}-${role}`,
          { vpcId: args.vpcId, description, tags: clusterTags(args.aws, `sg-${role}`) },
          { parent: this },
        );
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-${role}-egress`,
          {
            securityGroupId: sg.id,
            ipProtocol: "-1",
            cidrIpv4: "0.0.0.0/0",
            description: "all egress (packages, images, EC2 API)",
          },
          { parent: this },
        );
        return [g, sg.id] as const;
      }),
    );
    this.ids = Object.fromEntries(groups);
    ingressRules(args.spec, args.aws).forEach((r) => {
      const id = `${name}-${r.to}-${r.protocol}-${r.fromPort ?? "all"}-${"cidr" in r.source ? r.source.cidr.replace(/[./]/g, "-") : r.source.group}`;
      new aws.vpc.SecurityGroupIngressRule(
        id,
        {
          securityGroupId: this.id(r.to),
          description: r.purpose,
          ipProtocol: r.protocol,
          fromPort: r.fromPort,
          toPort: r.toPort,
          ...("cidr" in r.source
            ? { cidrIpv4: r.source.cidr }
            : { referencedSecurityGroupId: this.id(r.source.group) }),
        },
        { parent: this },
      );
    });
    this.registerOutputs({});
  }

  /** The id of a group this cluster uses. */
  id(group: GroupName): pulumi.Output<string> {
    const id = this.ids[group];
    if (!id) throw new pulumi.ResourceError(`security group ${group} is not part of this cluster's design`, this);
    return id;
  }
}
