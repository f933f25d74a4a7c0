/** Checks of the hosts a bare-metal stack lists (on aws the program creates them). */
import { isIpv4 } from "../lib/net";
import { show } from "./problems";
import { checkInterfaceName, Report, Warn } from "./report";
import { RawConfig, RawHost } from "./schema";
import { HostSpec, quorumOf, Role } from "./types";

/** Config key of each role's host list. */
export const ROLE_KEYS: Readonly<Record<Role, string>> = { loadBalancer: "loadBalancers", controlPlane: "controlPlanes", worker: "workers" };

/** The hosts of a cluster, per role. */
export interface HostLists {
  /** The LB pair (empty in nlb mode). */
  readonly loadBalancers: HostSpec[];
  /** Control planes; the first runs `kubeadm init`. */
  readonly controlPlanes: HostSpec[];
  /** Workers. */
  readonly workers: HostSpec[];
}

// DNS-1123 subdomain, which is what Kubernetes accepts as a Node name.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Every listed host has a node name, an SSH address, an IPv4 cluster address and an interface name. */
export function validateHosts(c: Pick<RawConfig, "loadBalancers" | "controlPlanes" | "workers" | "vipInterface">, report: Report): HostLists {
  const hosts = (role: Role, list: RawHost[] | undefined): HostSpec[] => (list ?? []).map((h, i) => validateHost(h, [ROLE_KEYS[role], i], role, c.vipInterface, report));
  return { loadBalancers: hosts("loadBalancer", c.loadBalancers), controlPlanes: hosts("controlPlane", c.controlPlanes), workers: hosts("worker", c.workers) };
}

function validateHost(h: RawHost, path: PropertyKey[], role: Role, vipInterface: string, report: Report): HostSpec {
  if (!NODE_NAME.test(h.name) || h.name.length > 63) {
    report([...path, "name"], `${show(h.name)} is not a valid Kubernetes node name (lowercase a-z, 0-9, "-" and ".", start and end alphanumeric, at most 63 characters)`);
  }
  if (!isIpv4(h.address) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(h.address)) {
    report([...path, "address"], `${show(h.address)} is neither an IPv4 address nor a DNS name`);
  }
  const privateAddress = h.privateAddress ?? h.address;
  if (!isIpv4(privateAddress)) {
    report([...path, h.privateAddress === undefined ? "address" : "privateAddress"],
      `${show(privateAddress)} is not an IPv4 address; the cluster address must be one (set privateAddress when address is a DNS name)`);
  }
  const iface = h.interface ?? vipInterface;
  checkInterfaceName(report, [...path, "interface"], iface);
  return { name: h.name, address: h.address, privateAddress, interface: iface, hostKey: h.hostKey, role };
}

/** Odd control-plane count (quorum), exactly two LBs; one of either is allowed with a warning. */
export function validateBareMetalCounts(hosts: HostLists, report: Report, warn: Warn): void {
  const cpCount = hosts.controlPlanes.length;
  const lbCount = hosts.loadBalancers.length;
  if (cpCount === 0) {
    report(["controlPlanes"], "is empty; give an odd number of hosts (3 or 5 for HA, 1 for a test cluster)");
  } else if (cpCount % 2 === 0) {
    const q = quorumOf(cpCount);
    report(["controlPlanes"], `has ${cpCount} hosts; etcd quorum is floor(N/2)+1 = ${q.quorum}, so ${cpCount} tolerate ${q.toleratedFailures} failure(s), no more than ${cpCount - 1}: use ${cpCount - 1} or ${cpCount + 1}`);
  } else if (cpCount === 1) {
    warn("controlPlanes has 1 host: this cluster is NOT highly available (losing it loses the API and etcd); use 3 or 5");
  }
  if (lbCount === 1) {
    warn("loadBalancers has 1 host: the VIP has no standby, so losing it loses the API endpoint; use 2");
  } else if (lbCount !== 2) {
    report(["loadBalancers"], `has ${lbCount} hosts; give exactly 2 (the keepalived pair), or 1 for a test cluster`);
  }
}
