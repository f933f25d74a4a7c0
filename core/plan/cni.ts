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

/** Variables of `cni.sh` for the chosen CNI, or undefined for `cni: none`. */
export function cniScriptVars(spec: ClusterSpec): Record<string, string> | undefined {
  if (spec.cni === "none") return undefined;
  const m = CNI_MANIFESTS[spec.cni];
  return { CNI: spec.cni, POD_CIDR: spec.podNetworkCidr, MANIFEST_URL: m.url, DEFAULT_POD_CIDR: m.defaultPodCidr };
}
