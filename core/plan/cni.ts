import { ClusterSpec } from "../config/types";

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

/** Variables of `cni.sh` for the chosen CNI, or undefined for `cni: none`. */
export function cniScriptVars(spec: ClusterSpec): Record<string, string> | undefined {
  if (spec.cni === "none") return undefined;
  const m = CNI_MANIFESTS[spec.cni];
  return {
    CNI: spec.cni,
    POD_CIDR: spec.podNetworkCidr,
    MANIFEST_URL: m.url,
    DEFAULT_POD_CIDR: m.defaultPodCidr,
    // Every node reaches the VIP over its cluster network and none holds it, so the route to it
    // names each node's privateAddress interface (flannel --iface-can-reach).
    REACH_ADDRESS: spec.vip,
    CALICO_ENCAPSULATION: calicoEncapsulation(spec),
  };
}
