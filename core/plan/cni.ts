import { allHosts, ClusterSpec } from "../config/types";
import { addressAt, broadcastOf, contains, networkOf, parseIpv4Cidr } from "../lib/net";

/** Pinned pod-network manifests; bump deliberately, the pod CIDR handling depends on their shape. */
export const CNI_MANIFESTS = {
  flannel: {
    version: "v0.26.1",
    url: "https://github.com/flannel-io/flannel/releases/download/v0.26.1/kube-flannel.yml",
    // The net-conf.json network the upstream manifest ships with; replaced by podNetworkCidr.
    defaultPodCidr: "10.244.0.0/16",
  },
  calico: {
    version: "v3.29.1",
    url: "https://raw.githubusercontent.com/projectcalico/calico/v3.29.1/manifests/tigera-operator.yaml",
    defaultPodCidr: "192.168.0.0/16",
  },
} as const;

/**
 * calico's IP-pool encapsulation. `VXLANCrossSubnet` sends same-subnet pod traffic unencapsulated,
 * which the EC2 source/destination check drops (the pod addresses are not the instance's), so AWS
 * gets plain `VXLAN` (tigera docs, "Amazon Web Services"); elsewhere only cross-subnet traffic pays
 * for encapsulation.
 */
export function calicoEncapsulation(spec: Pick<ClusterSpec, "platform">): "VXLAN" | "VXLANCrossSubnet" {
  return spec.platform === "aws" ? "VXLAN" : "VXLANCrossSubnet";
}

/**
 * The address whose route names each node's privateAddress interface (flannel --iface-can-reach).
 * With a separate LB pair: the VIP, which every node reaches over its cluster network and none
 * holds. With colocated LBs one control plane holds the VIP, and there the route to it is `local
 * ... dev lo` (flannel would take lo, flannel pkg/ip GetInterfaceBySpecificIPRouting): the nearest
 * neighbour of the VIP that no host uses (inside the VIP's prefix when it has one) is on the same
 * link and local nowhere.
 */
export function reachAddress(spec: ClusterSpec): string {
  if (spec.loadBalancerMode !== "colocated") return spec.vip;
  const net = parseIpv4Cidr(`${spec.vip}/${spec.vipPrefixLength}`);
  if (!net) return spec.vip;
  const used = new Set([spec.vip, ...allHosts(spec).map((h) => h.privateAddress)]);
  const edges = net.prefix <= 30 ? [networkOf(net).toString(), broadcastOf(net)] : [];
  const usable = (a: string): boolean => !used.has(a) && !edges.includes(a) && (net.prefix >= 31 || contains(net, a));
  // Bounded: a /16 of 5,007 hosts has a free address within 5,008 steps of the VIP.
  for (let d = 1; d <= 65536; d++) {
    for (const a of [addressAt(net.address, -d), addressAt(net.address, d)]) if (usable(a)) return a;
  }
  return spec.vip;
}

/** Variables of `cni.sh` for the chosen CNI, or undefined for `cni: none`. */
export function cniScriptVars(spec: ClusterSpec): Record<string, string> | undefined {
  if (spec.cni === "none") return undefined;
  const m = CNI_MANIFESTS[spec.cni];
  return {
    CNI: spec.cni,
    POD_CIDR: spec.podNetworkCidr,
    MANIFEST_URL: m.url,
    DEFAULT_POD_CIDR: m.defaultPodCidr,
    REACH_ADDRESS: reachAddress(spec),
    CALICO_ENCAPSULATION: calicoEncapsulation(spec),
  };
}
