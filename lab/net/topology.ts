import { buildSpec } from "../../core/config/build-spec";
import { contains, parseIpv4Cidr } from "../../core/lib/net";
import { ClusterSpec, Role } from "../../core/config/types";
import { LabError } from "../lib/errors";
import { NET, NS_PREFIX } from "../settings";

/** What a lab host plays: the program's own roles (no workers in the lab) plus the lab-only client. */
export type LabRole = Exclude<Role, "worker"> | "client";

/** One lab host: a network namespace with one interface, `eth0` ({@link LAB_INTERFACE}), on the lab bridge. */
export interface LabHost {
  /** Host name, as in the cluster spec (`lb1`, `cp2`, `client`). */
  readonly name: string;
  /** Network namespace name (`kha-lab-lb1`). */
  readonly ns: string;
  /** Address of `eth0`. */
  readonly address: string;
  /** Bridge-side veth name in the bridge namespace. */
  readonly bridgePort: string;
  /** What it runs. */
  readonly role: LabRole;
}

/** The lab: hosts, the bridge namespace, and the cluster spec the renderers read. */
export interface LabTopology {
  /** Namespace holding the bridge `br0`. */
  readonly bridgeNs: string;
  /** Load balancers, lb1 then lb2. */
  readonly lbs: readonly LabHost[];
  /** Control planes cp1..cpN. */
  readonly cps: readonly LabHost[];
  /** Dedicated etcd hosts etcd1..etcdN (`--etcd external`); none with stacked etcd. */
  readonly etcds: readonly LabHost[];
  /** Where the client loops run. */
  readonly client: LabHost;
  /** The validated spec, built by the program's own `buildSpec`. */
  readonly spec: ClusterSpec;
}

const address = (host: number): string => `${NET.base}.${host}`;

function host(name: string, role: LabRole, last: number): LabHost {
  return { name, ns: `${NS_PREFIX}${name}`, address: address(last), bridgePort: `v-${name}`, role };
}

/**
 * The lab layout for `controlPlanes` control planes, and its ClusterSpec from the same `buildSpec`
 * a stack goes through (`config` adds or overrides stack keys, e.g. for tests of other timers).
 * Every address is checked to lie in 198.18.0.0/15.
 */
export function buildTopology(
  controlPlanes: number,
  config: Readonly<Record<string, unknown>> = {},
  etcdHosts = 0,
): LabTopology {
  const lbs = [1, 2].map((i) => host(`lb${i}`, "loadBalancer", NET.lbHostBase + i));
  const cps = Array.from({ length: controlPlanes }, (_, i) =>
    host(`cp${i + 1}`, "controlPlane", NET.cpHostBase + i + 1),
  );
  const client = host("client", "client", NET.clientHost);
  const etcds = Array.from({ length: etcdHosts }, (_, i) => host(`etcd${i + 1}`, "etcd", NET.etcdHostBase + i + 1));
  const spec = buildSpec({
    "kubeadm-ha:vip": `${address(NET.vipHost)}/${NET.prefix}`,
    // vipInterface is left to its default, auto: the load-balancer step finds eth0, which holds each LB's address.
    // The lab never connects over SSH; the key only has to be set for validation.
    "kubeadm-ha:sshPrivateKey": "lab-unused",
    "kubeadm-ha:loadBalancers": lbs.map((h) => ({ name: h.name, address: h.address })),
    "kubeadm-ha:controlPlanes": cps.map((h) => ({ name: h.name, address: h.address })),
    "kubeadm-ha:workers": [],
    ...(etcds.length > 0 ? { "kubeadm-ha:etcdHosts": etcds.map((h) => ({ name: h.name, address: h.address })) } : {}),
    ...config,
  });
  const range = parseIpv4Cidr(NET.range);
  for (const a of [spec.vip, ...[...lbs, ...cps, ...etcds, client].map((h) => h.address)]) {
    if (!range || !contains(range, a)) throw new LabError(`lab address ${a} is outside ${NET.range}`);
  }
  return { bridgeNs: `${NS_PREFIX}br`, lbs, cps, etcds, client, spec };
}

/** The interface every lab host has: one veth end, on the lab bridge. */
export const LAB_INTERFACE = "eth0";

/** Every host namespace of the lab, bridge excluded; once each (colocated: the LBs are the control planes). */
export function allHosts(t: LabTopology): LabHost[] {
  return [...new Set([...t.lbs, ...t.cps, ...t.etcds, t.client])];
}
