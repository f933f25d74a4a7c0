/**
 * The EC2 address layout: fixed private IPs per role and subnet, the VIP, and which subnet each host
 * lives in. Pure: the private IPs are known before any instance exists, so the plan (haproxy
 * backends, keepalived peers, kubeadm advertise addresses) is pure too.
 */
import { addressAt, Ipv4Cidr, networkOf, parseIpv4Cidr } from "../lib/net";
import { AwsSubnet } from "../config/aws";
import { HostSpec, Role } from "../config/types";

/**
 * Host offsets inside a subnet: LBs at .10-.11, control planes from .20, etcd hosts from .40, the
 * VIP at .100, workers from .128. Each role's block holds its largest count in one subnet (7
 * control planes, 7 etcd hosts, 100 workers), so adding a role or a host never moves another.
 */
export const OFFSET = { loadBalancer: 10, vip: 100, controlPlane: 20, etcd: 40, worker: 128 } as const;

/** Smallest subnet (longest prefix) that holds the fixed offsets. */
export const MIN_SUBNET_PREFIX = 24;

/** What the layout is computed from, already validated (core/config/validate-aws.ts). */
export interface AwsLayoutInput {
  /** Subnets, one per AZ, each /{@link MIN_SUBNET_PREFIX} or larger; the first holds the LB pair and the VIP. */
  readonly subnets: readonly AwsSubnet[];
  /** keepalived creates the LB pair; nlb creates no LB hosts. */
  readonly loadBalancerMode: "keepalived" | "nlb";
  /** Number of control planes. */
  readonly controlPlaneCount: number;
  /** Number of workers. */
  readonly workerCount: number;
  /** Number of dedicated etcd hosts (`etcdCount`); 0 or unset means stacked etcd on the control planes. */
  readonly etcdCount?: number;
  /** Interface of every instance. */
  readonly interface: string;
  /** VIP address the stack asks for; undefined means the first subnet's .100. */
  readonly vip?: string;
}

/** Hosts and VIP of an aws cluster. */
export interface AwsLayout {
  /** Subnet index per host name. */
  readonly subnetOf: Readonly<Record<string, number>>;
  /** The LB pair (empty in nlb mode). */
  readonly loadBalancers: HostSpec[];
  /** Control planes, spread across AZs. */
  readonly controlPlanes: HostSpec[];
  /** Workers, spread across AZs. */
  readonly workers: HostSpec[];
  /** Dedicated etcd hosts (role `etcd`), spread across AZs like the control planes; empty with stacked etcd. */
  readonly etcdHosts: HostSpec[];
  /** VIP in the first subnet. */
  readonly vip: string;
  /** Prefix of the first subnet. */
  readonly vipPrefixLength: number;
}

/** Places the hosts of an aws cluster: LBs in the first subnet, the others round-robin over the subnets. */
export function awsLayout(input: AwsLayoutInput): AwsLayout {
  const { subnets } = input;
  const base = (i: number) => networkOf(cidrOf(subnets[i % subnets.length]));
  const subnetOf: Record<string, number> = {};
  const host = (name: string, role: Role, subnet: number, offset: number): HostSpec => {
    subnetOf[name] = subnet;
    const privateAddress = addressAt(base(subnet), offset);
    // SSH goes to the public IP (or the bastion); the component supplies it once the instance exists.
    return { name, address: privateAddress, privateAddress, interface: input.interface, role };
  };
  const spread = (prefix: string, role: Role, count: number, offset: number): HostSpec[] =>
    Array.from({ length: count }, (_, i) =>
      host(`${prefix}${i + 1}`, role, i % subnets.length, offset + Math.floor(i / subnets.length)),
    );
  // Both LBs sit in the first subnet: a secondary private IP (the VIP) cannot leave its subnet.
  const loadBalancers =
    input.loadBalancerMode === "keepalived"
      ? [0, 1].map((i) => host(`lb${i + 1}`, "loadBalancer", 0, OFFSET.loadBalancer + i))
      : [];
  const controlPlanes = spread("cp", "controlPlane", input.controlPlaneCount, OFFSET.controlPlane);
  const workers = spread("worker", "worker", input.workerCount, OFFSET.worker);
  const etcdHosts = spread("etcd", "etcd", input.etcdCount ?? 0, OFFSET.etcd);
  const vip = input.vip ?? addressAt(base(0), OFFSET.vip);
  return {
    subnetOf,
    loadBalancers,
    controlPlanes,
    workers,
    etcdHosts,
    vip,
    vipPrefixLength: cidrOf(subnets[0]).prefix,
  };
}

function cidrOf(subnet: AwsSubnet): Ipv4Cidr {
  const net = parseIpv4Cidr(subnet.cidr);
  if (!net)
    throw new Error(`aws layout: subnet CIDR ${JSON.stringify(subnet.cidr)} is invalid; validate the config first`);
  return net;
}
