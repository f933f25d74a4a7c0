/** Checks of the hosts a bare-metal stack lists (on aws the program creates them). */
import { isIpv4, isLocalhostName, specialRangeOf } from "../lib/net";
import { hostKeyProblem } from "../lib/ssh-host-key";
import { show } from "./problems";
import { checkInterfaceName, Report, Warn } from "./report";
import { RawConfig, RawHost } from "./schema";
import { HostSpec, quorumOf, Role } from "./types";
import { sshTargetProblem } from "./validate-ssh";

/** Config key of each role's host list. */
export const ROLE_KEYS: Readonly<Record<Role, string>> = {
  loadBalancer: "loadBalancers",
  controlPlane: "controlPlanes",
  worker: "workers",
  etcd: "etcdHosts",
};

/** The hosts of a cluster, per role. */
export interface HostLists {
  /** The LB pair (empty in nlb mode). */
  readonly loadBalancers: HostSpec[];
  /** Control planes; the first runs `kubeadm init`. */
  readonly controlPlanes: HostSpec[];
  /** Workers. */
  readonly workers: HostSpec[];
  /** Dedicated etcd hosts (`etcdHosts`; none on aws yet). */
  readonly etcdHosts: HostSpec[];
}

// DNS-1123 subdomain, which is what Kubernetes accepts as a Node name.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Every listed host has a node name, an SSH address, an IPv4 cluster address, an interface name and a well-formed host key. */
export function validateHosts(
  c: Pick<RawConfig, "loadBalancers" | "controlPlanes" | "workers" | "etcdHosts" | "vipInterface">,
  report: Report,
): HostLists {
  const hosts = (role: Role, list: RawHost[] | undefined): HostSpec[] =>
    (list ?? []).map((h, i) => validateHost(h, [ROLE_KEYS[role], i], role, c.vipInterface, report));
  return {
    loadBalancers: hosts("loadBalancer", c.loadBalancers),
    controlPlanes: hosts("controlPlane", c.controlPlanes),
    workers: hosts("worker", c.workers),
    etcdHosts: hosts("etcd", c.etcdHosts),
  };
}

function validateHost(h: RawHost, path: PropertyKey[], role: Role, vipInterface: string, report: Report): HostSpec {
  if (!NODE_NAME.test(h.name) || h.name.length > 63) {
    report(
      [...path, "name"],
      `${show(h.name)} is not a valid Kubernetes node name (lowercase a-z, 0-9, "-" and ".", start and end alphanumeric, at most 63 characters)`,
    );
  }
  const addressProblem = sshAddressProblem(h.address);
  if (addressProblem) report([...path, "address"], addressProblem);
  const privateAddress = h.privateAddress ?? h.address;
  // One problem, one message: an address already refused is not refused again as the cluster address.
  if (h.privateAddress !== undefined || !addressProblem) {
    const problem = clusterAddressProblem(privateAddress, h.privateAddress === undefined);
    if (problem) report([...path, h.privateAddress === undefined ? "address" : "privateAddress"], problem);
  }
  // The inherited vipInterface is checked once, at its own key.
  if (h.interface !== undefined) checkInterfaceName(report, [...path, "interface"], h.interface);
  if (h.hostKey !== undefined) {
    const problem = hostKeyProblem(h.hostKey);
    if (problem) report([...path, "hostKey"], `${show(h.hostKey)} ${problem}`);
  }
  return {
    name: h.name,
    address: h.address,
    privateAddress,
    interface: h.interface ?? vipInterface,
    hostKey: h.hostKey,
    role,
  };
}

/** Why SSH must not dial `address`: not a host name or address, or one that reaches the wrong machine. */
function sshAddressProblem(address: string): string | undefined {
  const problem = sshTargetProblem(address);
  if (problem) return problem;
  if (isLocalhostName(address))
    return `${show(address)} names the machine running Pulumi, so this host's root scripts would run there; give the host's own address`;
  const special = specialRangeOf(address);
  // Link-local stays allowed for SSH (a management link); the cluster address check refuses it where it matters.
  if (!special || special.range === "link-local") return undefined;
  const local = special.range === "loopback" || special.range === "this-network";
  const reaches = local
    ? "SSH would reach the machine running Pulumi, and this host's root scripts would run there"
    : "SSH cannot reach a host there";
  return `${show(address)} is ${special.description}: ${reaches}; give the host's own address`;
}

/** Why `address` cannot be a host's cluster address (advertise address, HAProxy backend, keepalived peer). */
function clusterAddressProblem(address: string, fromAddress: boolean): string | undefined {
  if (!isIpv4(address)) {
    return `${show(address)} is not an IPv4 address; the cluster address must be one${fromAddress ? " (set privateAddress when address is a DNS name)" : ""}`;
  }
  const special = specialRangeOf(address);
  if (special)
    return `${show(address)} is ${special.description}; the cluster address must be a unicast address the other hosts can reach`;
  return undefined;
}

/** The host lists as the stack wrote them: undefined when a list is not set at all. */
type GivenLists = Pick<
  RawConfig,
  "loadBalancers" | "controlPlanes" | "etcdHosts" | "externalEtcdEndpoints" | "loadBalancerMode"
>;

/**
 * Odd control-plane count (quorum), exactly two LBs; one of either is allowed with a warning. With
 * `etcdHosts` or `externalEtcdEndpoints` the control planes hold no etcd member, so any count of
 * them will do.
 */
export function validateBareMetalCounts(c: GivenLists, hosts: HostLists, report: Report, warn: Warn): void {
  const cpCount = hosts.controlPlanes.length;
  const lbCount = hosts.loadBalancers.length;
  if (c.controlPlanes === undefined) {
    report(
      ["controlPlanes"],
      "is required on bare metal: list the control-plane hosts ({name, address}), an odd number (3 or 5 for HA, 1 for a test cluster)",
    );
  } else if (cpCount === 0) {
    report(["controlPlanes"], "is empty; give an odd number of hosts (3 or 5 for HA, 1 for a test cluster)");
  } else if (cpCount % 2 === 0 && !etcdElsewhere(c)) {
    const q = quorumOf(cpCount);
    report(
      ["controlPlanes"],
      `has ${cpCount} hosts; etcd quorum is floor(N/2)+1 = ${q.quorum}, so ${cpCount} tolerate ${q.toleratedFailures} failure(s), no more than ${cpCount - 1}: use ${cpCount - 1} or ${cpCount + 1}`,
    );
  } else if (cpCount === 1) {
    warn(singleControlPlaneWarning(c));
  }
  // colocated: no LB hosts (validate-lb-mode.ts refuses a list).
  if (c.loadBalancerMode === "colocated") return;
  if (c.loadBalancers === undefined) {
    report(
      ["loadBalancers"],
      "is required on bare metal: list the 2 load-balancer hosts ({name, address}) that hold the VIP",
    );
  } else if (lbCount === 1) {
    warn("loadBalancers has 1 host: the VIP has no standby, so losing it loses the API endpoint; use 2");
  } else if (lbCount !== 2) {
    report(["loadBalancers"], loadBalancerCountMessage(lbCount));
  }
}

/** Whether etcd runs off the control planes (`etcdHosts` or `externalEtcdEndpoints`): their count then needs no quorum. */
export function etcdElsewhere(c: Pick<RawConfig, "etcdHosts" | "externalEtcdEndpoints">): boolean {
  return (c.etcdHosts ?? []).length > 0 || (c.externalEtcdEndpoints ?? []).length > 0;
}

/** The warning for one control plane: what losing it loses depends on where etcd runs. */
export function singleControlPlaneWarning(c: Pick<RawConfig, "etcdHosts" | "externalEtcdEndpoints">): string {
  const lead = "controlPlanes has 1 host: this cluster is NOT highly available";
  if ((c.etcdHosts ?? []).length > 0)
    return `${lead} (losing it loses the API; etcd and its data stay on the etcdHosts); use 2 or more`;
  if ((c.externalEtcdEndpoints ?? []).length > 0)
    return `${lead} (losing it loses the API; etcd and its data stay on the externalEtcdEndpoints); use 2 or more`;
  return `${lead} (losing it loses the API and etcd, with the cluster's data: etcd runs on the control planes); use 3 or 5`;
}

/** The message for a load-balancer list that does not hold 1 or 2 hosts. */
export function loadBalancerCountMessage(count: number): string {
  return `has ${count} hosts; give exactly 2 (the keepalived pair), or 1 for a test cluster`;
}
