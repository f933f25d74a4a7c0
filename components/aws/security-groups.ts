import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ClusterSpec } from "../../core/config/types";
import { AwsSpec } from "../../core/config/aws";
import { clusterTags } from "./tags";

/** Where a rule lets traffic come from. */
type Source = { cidr: string } | { group: "lb" | "node" | "controlPlane" | "nlb" };

/** One ingress rule of the least-privilege design; exported so tests and the README share it. */
export interface IngressRule {
  /** Group the rule belongs to. */
  readonly to: "lb" | "node" | "controlPlane" | "nlb";
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

/** The ingress rules for a cluster, pure: every port, its purpose and its only sources. */
export function ingressRules(spec: ClusterSpec, aws: AwsSpec): IngressRule[] {
  const port = spec.apiPort;
  const rules: IngressRule[] = [];
  const front = aws.loadBalancerMode === "nlb" ? "nlb" : "lb";
  for (const cidr of aws.apiAllowedCidrs) rules.push({ to: front, purpose: "API clients", protocol: "tcp", fromPort: port, toPort: port, source: { cidr } });
  rules.push({ to: front, purpose: "API from the nodes (kubelets, pods)", protocol: "tcp", fromPort: port, toPort: port, source: { group: "node" } });
  if (front === "lb") {
    rules.push({ to: "lb", purpose: "VRRP between the LB pair", protocol: "112", source: { group: "lb" } });
    for (const cidr of aws.sshAllowedCidrs) rules.push({ to: "lb", purpose: "SSH", protocol: "tcp", fromPort: 22, toPort: 22, source: { cidr } });
  }
  rules.push({ to: "controlPlane", purpose: "api-server from the load balancers", protocol: "tcp", fromPort: port, toPort: port, source: { group: front } });
  rules.push({ to: "controlPlane", purpose: "api-server from the nodes", protocol: "tcp", fromPort: port, toPort: port, source: { group: "node" } });
  rules.push({ to: "controlPlane", purpose: "etcd peers and clients", protocol: "tcp", fromPort: 2379, toPort: 2380, source: { group: "controlPlane" } });
  rules.push({ to: "node", purpose: "kubelet API", protocol: "tcp", fromPort: 10250, toPort: 10250, source: { group: "node" } });
  rules.push({ to: "controlPlane", purpose: "kube-controller-manager and kube-scheduler", protocol: "tcp", fromPort: 10257, toPort: 10259, source: { group: "node" } });
  if (spec.cni === "flannel") rules.push({ to: "node", purpose: "flannel VXLAN", protocol: "udp", fromPort: 8472, toPort: 8472, source: { group: "node" } });
  if (spec.cni === "calico") {
    rules.push({ to: "node", purpose: "calico VXLAN", protocol: "udp", fromPort: 4789, toPort: 4789, source: { group: "node" } });
    rules.push({ to: "node", purpose: "calico typha", protocol: "tcp", fromPort: 5473, toPort: 5473, source: { group: "node" } });
  }
  for (const cidr of aws.sshAllowedCidrs) rules.push({ to: "node", purpose: "SSH", protocol: "tcp", fromPort: 22, toPort: 22, source: { cidr } });
  return rules;
}

/** Security groups per role with exactly the rules of {@link ingressRules}; all egress allowed. */
export class SecurityGroups extends pulumi.ComponentResource {
  /** Group ids by role. */
  public readonly ids: Record<"lb" | "node" | "controlPlane" | "nlb", pulumi.Output<string>>;

  constructor(name: string, args: { spec: ClusterSpec; aws: AwsSpec; vpcId: pulumi.Input<string> }, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:aws:SecurityGroups", name, {}, opts);
    const group = (role: string, description: string): aws.ec2.SecurityGroup => {
      const sg = new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description, tags: clusterTags(args.aws, `sg-${role}`) }, { parent: this });
      new aws.vpc.SecurityGroupEgressRule(`${name}-${role}-egress`, { securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "all egress (packages, images, EC2 API)" }, { parent: this });
      return sg;
    };
    const groups = {
      lb: group("lb", "kubeadm-ha load balancers (HAProxy + keepalived)"),
      node: group("node", "kubeadm-ha Kubernetes nodes"),
      controlPlane: group("control-plane", "kubeadm-ha control planes"),
      nlb: group("nlb", "kubeadm-ha network load balancer"),
    };
    ingressRules(args.spec, args.aws).forEach((r) => {
      const id = `${name}-${r.to}-${r.protocol}-${r.fromPort ?? "all"}-${"cidr" in r.source ? r.source.cidr.replace(/[./]/g, "-") : r.source.group}`;
      new aws.vpc.SecurityGroupIngressRule(id, {
        securityGroupId: groups[r.to].id,
        description: r.purpose,
        ipProtocol: r.protocol,
        fromPort: r.fromPort,
        toPort: r.toPort,
        ...("cidr" in r.source ? { cidrIpv4: r.source.cidr } : { referencedSecurityGroupId: groups[r.source.group].id }),
      }, { parent: this });
    });
    this.ids = { lb: groups.lb.id, node: groups.node.id, controlPlane: groups.controlPlane.id, nlb: groups.nlb.id };
    this.registerOutputs({});
  }
}
