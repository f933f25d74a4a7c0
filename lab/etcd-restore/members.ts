import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildSpec } from "../../core/config/build-spec";
import { ClusterSpec } from "../../core/config/types";
import { contains, parseIpv4Cidr } from "../../core/lib/net";
import { Daemon, startDaemon } from "../lib/daemon";
import { LabError } from "../lib/errors";
import { createBridgedNetwork } from "../net/netns";
import { pkiDirOf } from "./pki";
import { DRILL_NET, DRILL_NS_PREFIX, MEMBERS } from "./settings";

/** One namespace of the drill, with `eth0` on the drill's bridge. */
export interface DrillHost {
  /** Node name (`cp1`) or `client`. */
  readonly name: string;
  /** Network namespace. */
  readonly ns: string;
  /** Address of `eth0`. */
  readonly address: string;
  /** Bridge-side veth name. */
  readonly bridgePort: string;
}

/** The members, the writer's namespace, and the spec the plan is rendered from. */
export interface DrillTopology {
  /** Namespace holding the bridge `br0`. */
  readonly bridgeNs: string;
  /** The stacked members, cp1..cp3. */
  readonly members: readonly DrillHost[];
  /** Where the writer and the checks run etcdctl. */
  readonly client: DrillHost;
  /** Built by the program's own buildSpec: the rendered scripts name these members and addresses. */
  readonly spec: ClusterSpec;
}

const address = (last: number): string => `${DRILL_NET.base}.${last}`;
const host = (name: string, last: number): DrillHost => ({
  name,
  ns: `${DRILL_NS_PREFIX}${name}`,
  address: address(last),
  bridgePort: `v-er-${name}`,
});

/** Three stacked members cp1..cp3 (and a bare-metal spec around them: LBs and VIP are never started). */
export function drillTopology(): DrillTopology {
  const members = Array.from({ length: MEMBERS }, (_, i) => host(`cp${i + 1}`, DRILL_NET.cpHostBase + i + 1));
  const client = host("client", DRILL_NET.clientHost);
  const spec = buildSpec({
    "kubeadm-ha:vip": `${address(DRILL_NET.vipHost)}/${DRILL_NET.prefix}`,
    "kubeadm-ha:sshPrivateKey": "lab-unused",
    "kubeadm-ha:loadBalancers": [
      { name: "lb1", address: address(11) },
      { name: "lb2", address: address(12) },
    ],
    "kubeadm-ha:controlPlanes": members.map((m) => ({ name: m.name, address: m.address })),
    "kubeadm-ha:workers": [],
  });
  const range = parseIpv4Cidr(DRILL_NET.range);
  for (const a of [spec.vip, ...members.map((m) => m.address), client.address]) {
    if (!range || !contains(range, a)) throw new LabError(`drill address ${a} is outside ${DRILL_NET.range}`);
  }
  return { bridgeNs: `${DRILL_NS_PREFIX}br`, members, client, spec };
}

/** The bridge namespace and one namespace per host, links created inside them: nothing in the host's namespace. */
export function createDrillNetwork(t: DrillTopology): void {
  createBridgedNetwork(t.bridgeNs, [...t.members, t.client], DRILL_NET.prefix);
}

/** A member's folder: what its host keeps under /etc/kubernetes, /var/lib/etcd, /var/lib/kubeadm-ha, /usr/local/lib/kubeadm-ha. */
export function memberRoot(dir: string, name: string): string {
  return join(dir, "members", name);
}

/**
 * The etcd command line kubeadm writes into the static pod (`cmd/kubeadm/app/phases/etcd/local.go`,
 * getEtcdCommand), with the member folder in place of the host paths. The three start as a new
 * cluster at once where kubeadm adds them one by one (`initial-cluster-state existing`): both are
 * ignored once a data dir exists, which is the case after a restore.
 */
export function etcdArgv(t: DrillTopology, m: DrillHost, root: string): string[] {
  const pki = pkiDirOf(join(root, ".."), m.name);
  const cluster = t.members.map((o) => `${o.name}=https://${o.address}:2380`).join(",");
  return [
    "etcd",
    `--name=${m.name}`,
    `--data-dir=${join(root, "var", "lib", "etcd")}`,
    `--advertise-client-urls=https://${m.address}:2379`,
    `--listen-client-urls=https://127.0.0.1:2379,https://${m.address}:2379`,
    `--initial-advertise-peer-urls=https://${m.address}:2380`,
    `--listen-peer-urls=https://${m.address}:2380`,
    `--initial-cluster=${cluster}`,
    "--initial-cluster-state=new",
    `--cert-file=${pki}/server.crt`,
    `--key-file=${pki}/server.key`,
    `--trusted-ca-file=${pki}/ca.crt`,
    "--client-cert-auth=true",
    `--peer-cert-file=${pki}/peer.crt`,
    `--peer-key-file=${pki}/peer.key`,
    `--peer-trusted-ca-file=${pki}/ca.crt`,
    "--peer-client-cert-auth=true",
    "--snapshot-count=10000",
    "--listen-metrics-urls=http://127.0.0.1:2381",
    "--logger=zap",
    "--log-outputs=stderr",
  ];
}

/** Starts a member's etcd in its namespace (what the kubelet does with the manifest). */
export function startMember(t: DrillTopology, m: DrillHost, dir: string, logDir: string, round: number): Daemon {
  const root = memberRoot(dir, m.name);
  mkdirSync(join(root, "var", "lib", "etcd"), { recursive: true, mode: 0o700 });
  return startDaemon({
    name: `etcd@${m.name}`,
    ns: m.ns,
    argv: etcdArgv(t, m, root),
    logFile: join(logDir, `etcd-${m.name}-${round}.log`),
  });
}
