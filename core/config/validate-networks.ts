import { addressCount, hasHostBits, Ipv4Cidr, networkOf, overlaps, parseIpv4Cidr } from "../lib/net";
import { show } from "./problems";
import { Report } from "./report";
import { RawConfig } from "./schema";

/** The pod and service networks, parsed; undefined where the CIDR is invalid. */
export interface Networks {
  /** `podNetworkCidr`. */
  readonly pod?: Ipv4Cidr;
  /** `serviceCidr`. */
  readonly svc?: Ipv4Cidr;
}

// kube-apiserver refuses a --service-cluster-ip-range of more than 2^20 addresses (a mask < /12 for
// IPv4: cmd/kube-apiserver/app/options/validation.go, maxCIDRBits 20; kubeadm's
// MaximumBitsForServiceSubnet is the same). kubeadm gives the DNS Service the 10th address
// (constants.GetDNSIP), and the allocator keeps the network and broadcast addresses: /28 is the least.
const SERVICE_PREFIX = { min: 12, max: 28 } as const;

// kubeadm's ValidatePodSubnetNodeMask: the pod network holds one /24 per node (kube-controller-manager's
// default node mask) and may be at most 16 bits larger than it (PodSubnetNodeMaskMaxDiff).
const NODE_MASK = 24;
const POD_PREFIX_MIN = NODE_MASK - 16;

// Blocks no pod or service network may touch (RFC 6890 special-purpose addresses).
const SPECIAL_BLOCKS: readonly (readonly [string, string])[] = [
  ["0.0.0.0/8", '"this network"'],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
];

/** A network written with host bits, or touching a special block: the one message for it, or undefined. */
function shapeProblem(text: string, net: Ipv4Cidr): string | undefined {
  if (hasHostBits(net))
    return `${show(text)} has host bits set; the network is "${networkOf(net).toString()}/${net.prefix}"`;
  const special = SPECIAL_BLOCKS.find(([block]) => {
    const b = parseIpv4Cidr(block);
    return b !== undefined && overlaps(net, b);
  });
  if (special)
    return `${show(text)} overlaps ${special[0]} (${special[1]}); pick a private range such as 10.0.0.0/8 or 172.16.0.0/12`;
  return undefined;
}

/**
 * `podNetworkCidr` and `serviceCidr` are canonical IPv4 networks (no host bits), of the sizes
 * kubeadm and kube-apiserver accept, outside the special blocks, and they do not overlap.
 */
export function validateNetworks(c: Pick<RawConfig, "podNetworkCidr" | "serviceCidr">, report: Report): Networks {
  const pod = parseIpv4Cidr(c.podNetworkCidr);
  const svc = parseIpv4Cidr(c.serviceCidr);
  if (!pod) report(["podNetworkCidr"], `${show(c.podNetworkCidr)} is not an IPv4 CIDR such as "10.244.0.0/16"`);
  if (!svc) report(["serviceCidr"], `${show(c.serviceCidr)} is not an IPv4 CIDR such as "10.96.0.0/12"`);
  const podProblem =
    pod &&
    (shapeProblem(c.podNetworkCidr, pod) ??
      (pod.prefix < POD_PREFIX_MIN
        ? `${show(c.podNetworkCidr)} is larger than kubeadm accepts: the pod network may be at most 16 bits larger than a node's /${NODE_MASK}, so /${POD_PREFIX_MIN} or a longer prefix`
        : undefined));
  const svcProblem =
    svc &&
    (shapeProblem(c.serviceCidr, svc) ??
      (svc.prefix < SERVICE_PREFIX.min
        ? `${show(c.serviceCidr)} has ${addressCount(svc.prefix)} addresses; kube-apiserver accepts at most 2^20 (a /${SERVICE_PREFIX.min} or longer prefix, e.g. "10.96.0.0/12")`
        : svc.prefix > SERVICE_PREFIX.max
          ? `${show(c.serviceCidr)} has ${addressCount(svc.prefix)} addresses; kubeadm gives the cluster DNS the 10th address of the range, so it needs at least 16 (/${SERVICE_PREFIX.max} or a shorter prefix)`
          : undefined));
  if (podProblem) report(["podNetworkCidr"], podProblem);
  if (svcProblem) report(["serviceCidr"], svcProblem);
  if (pod && svc && !podProblem && !svcProblem && overlaps(pod, svc))
    report(
      ["serviceCidr"],
      `${show(c.serviceCidr)} overlaps podNetworkCidr ${show(c.podNetworkCidr)}; pick disjoint ranges`,
    );
  return { pod: podProblem ? undefined : pod, svc: svcProblem ? undefined : svc };
}

/** The pod network holds one /24 per node (kubeadm checks this whatever the CNI). */
export function validatePodCapacity(
  c: Pick<RawConfig, "podNetworkCidr">,
  pod: Ipv4Cidr | undefined,
  nodeCount: number,
  report: Report,
): void {
  if (!pod) return;
  if (pod.prefix > NODE_MASK) {
    report(
      ["podNetworkCidr"],
      `${show(c.podNetworkCidr)} is smaller than one node's /${NODE_MASK} pod range; kubeadm needs /${NODE_MASK} or larger (e.g. "10.244.0.0/16")`,
    );
  } else if (2 ** (NODE_MASK - pod.prefix) < nodeCount) {
    report(
      ["podNetworkCidr"],
      `${show(c.podNetworkCidr)} has room for ${2 ** (NODE_MASK - pod.prefix)} node /${NODE_MASK} ranges but the cluster has ${nodeCount} nodes; use a shorter prefix`,
    );
  }
}
