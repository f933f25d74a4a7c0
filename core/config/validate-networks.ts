import { Ipv4Cidr, overlaps, parseIpv4Cidr } from "../lib/net";
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

/** `podNetworkCidr` and `serviceCidr` are IPv4 CIDRs that do not overlap. */
export function validateNetworks(c: Pick<RawConfig, "podNetworkCidr" | "serviceCidr">, report: Report): Networks {
  const pod = parseIpv4Cidr(c.podNetworkCidr);
  const svc = parseIpv4Cidr(c.serviceCidr);
  if (!pod) report(["podNetworkCidr"], `${show(c.podNetworkCidr)} is not an IPv4 CIDR such as "10.244.0.0/16"`);
  if (!svc) report(["serviceCidr"], `${show(c.serviceCidr)} is not an IPv4 CIDR such as "10.96.0.0/12"`);
  if (pod && svc && overlaps(pod, svc)) report(["serviceCidr"], `${show(c.serviceCidr)} overlaps podNetworkCidr ${show(c.podNetworkCidr)}; pick disjoint ranges`);
  return { pod, svc };
}

/** The pod network holds one /24 per node. */
export function validatePodCapacity(c: Pick<RawConfig, "podNetworkCidr" | "cni">, pod: Ipv4Cidr | undefined, nodeCount: number, report: Report): void {
  // Each node gets a /24 of the pod network (kube-controller-manager default), so the CIDR must hold them all.
  if (pod && c.cni !== "none" && pod.prefix > 24) {
    report(["podNetworkCidr"], `${show(c.podNetworkCidr)} is smaller than one node's /24 pod range; ${c.cni} needs /24 or larger (e.g. "10.244.0.0/16")`);
  } else if (pod && 2 ** (24 - pod.prefix) < nodeCount) {
    report(["podNetworkCidr"], `${show(c.podNetworkCidr)} has room for ${2 ** (24 - pod.prefix)} node /24 ranges but the cluster has ${nodeCount} nodes; use a shorter prefix`);
  }
}
