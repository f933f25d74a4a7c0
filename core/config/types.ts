import { AwsSpec } from "./aws";

/** Role of a host in the cluster (`etcd`: a dedicated etcd member from `etcdHosts`, never a Kubernetes node). */
export type Role = "loadBalancer" | "controlPlane" | "worker" | "etcd";

/** `keepalived`: the LB pair; `colocated`: HAProxy and keepalived on every control plane; `nlb`: an AWS NLB. */
export type LoadBalancerMode = "keepalived" | "colocated" | "nlb";

/** A host after validation, with every default filled in. */
export interface HostSpec {
  /** Node name; also the stable part of every resource name on this host. */
  readonly name: string;
  /** Where SSH connects (public or management address). */
  readonly address: string;
  /** Cluster address: advertise address, HAProxy backend, keepalived peer. Defaults to `address`. */
  readonly privateAddress: string;
  /** Interface that carries `privateAddress` (and the VIP on load balancers), or `auto`: the load-balancer step finds it on the host. */
  readonly interface: string;
  /** Optional pinned SSH host key (`ssh-ed25519 AAAA...`). */
  readonly hostKey?: string;
  /** What the host does. */
  readonly role: Role;
}

/** SSH settings shared by every host. */
export interface SshSpec {
  /** Login user; needs passwordless sudo. */
  readonly user: string;
  /** SSH port. */
  readonly port: number;
  /** Optional jump host, with its pinned host key when given. */
  readonly bastion?: { readonly host: string; readonly user: string; readonly port: number; readonly hostKey?: string };
}

/**
 * Where etcd runs: stacked on the control planes, or external at `endpoints` (a user-built etcd from
 * `externalEtcdEndpoints`, or the program's own `etcdHosts`, whose endpoints are `https://<privateAddress>:2379`).
 */
export type EtcdSpec =
  { readonly mode: "stacked" } | { readonly mode: "external"; readonly endpoints: readonly string[] };

/** Scheduled snapshots of a stacked etcd, taken on every control plane (day two). */
export interface EtcdSnapshotSpec {
  /** Time between snapshots, as systemd reads a time span (`6h`, `30m`, `1d`). */
  readonly interval: string;
  /** Snapshots kept on each control plane. */
  readonly retention: number;
  /** aws: where every verified snapshot is also copied (`s3://bucket/prefix/<host>/`). */
  readonly s3?: { readonly bucket: string; readonly prefix: string };
}

/** The validated, defaulted cluster description every later stage reads. */
export interface ClusterSpec {
  /** Host source: existing hosts, or EC2 instances the program creates. */
  readonly platform: "baremetal" | "aws";
  /** EC2 settings (platform `aws` only). */
  readonly aws?: AwsSpec;
  /** Kubernetes version X.Y.Z. */
  readonly kubernetesVersion: string;
  /** Minor line `X.Y`, which names the pkgs.k8s.io repository. */
  readonly kubernetesMinor: string;
  /** kubeadm config API for this version: v1beta3 below 1.31, v1beta4 from 1.31. */
  readonly kubeadmApiVersion: "kubeadm.k8s.io/v1beta3" | "kubeadm.k8s.io/v1beta4";
  /** Pod network CIDR. */
  readonly podNetworkCidr: string;
  /** Service network CIDR. */
  readonly serviceCidr: string;
  /** Port of the VIP frontend (HAProxy) and of `controlPlaneEndpoint`. */
  readonly apiPort: number;
  /**
   * Port each api-server binds (kubeadm `localAPIEndpoint.bindPort`): `apiPort`, or with
   * `loadBalancerMode: colocated` `apiPort + 1`, since HAProxy holds `apiPort` on the same host.
   */
  readonly apiServerPort: number;
  /** Where HAProxy and keepalived run: the `loadBalancers` pair, the control planes (`colocated`), or an AWS NLB. */
  readonly loadBalancerMode: LoadBalancerMode;
  /** Pod network add-on. */
  readonly cni: "flannel" | "calico" | "none";
  /** SSH settings. */
  readonly ssh: SshSpec;
  /** The floating VIP (address only). */
  readonly vip: string;
  /** Prefix length of the VIP on the LB interface (32 when not given). */
  readonly vipPrefixLength: number;
  /** VRRP virtual router id. */
  readonly virtualRouterId: number;
  /** VRRPv3 advertisement interval, seconds (0.1-10, in centiseconds). */
  readonly vrrpAdvertInterval: number;
  /** `VIP:apiPort`, the kubeadm controlPlaneEndpoint. */
  readonly controlPlaneEndpoint: string;
  /** The LB pair (or one LB, with a warning). */
  readonly loadBalancers: readonly HostSpec[];
  /** Control planes; the first runs `kubeadm init`. */
  readonly controlPlanes: readonly HostSpec[];
  /** Workers. */
  readonly workers: readonly HostSpec[];
  /** Dedicated etcd hosts the program builds (`etcdHosts`); empty with stacked or user-managed etcd. */
  readonly etcdHosts: readonly HostSpec[];
  /** Stacked or external etcd. */
  readonly etcd: EtcdSpec;
  /** etcd snapshot schedule (stacked etcd: on the control planes; `etcdHosts`: on the etcd hosts). */
  readonly etcdSnapshots: EtcdSnapshotSpec;
  /** Workers upgraded at the same time when `kubernetesVersion` is raised (`upgradeMaxUnavailable`, 1-100). */
  readonly upgradeMaxUnavailable: number;
  /** Things that are allowed but not HA; shown by `pulumi up` as warnings. */
  readonly warnings: readonly string[];
}

/** etcd quorum figures for a member count. */
export interface QuorumFigures {
  /** Number of etcd members. */
  readonly members: number;
  /** Members that must agree: floor(N/2)+1. */
  readonly quorum: number;
  /** Members that may fail with writes still accepted. */
  readonly toleratedFailures: number;
}

/** Quorum of an etcd cluster of `members`. */
export function quorumOf(members: number): QuorumFigures {
  const quorum = Math.floor(members / 2) + 1;
  return { members, quorum, toleratedFailures: members - quorum };
}

/** Every host of the stack, in one order everywhere: load balancers, control planes, workers, etcd hosts. */
export function allHosts(
  spec: Pick<ClusterSpec, "loadBalancers" | "controlPlanes" | "workers"> & { readonly etcdHosts?: readonly HostSpec[] },
): HostSpec[] {
  return [...spec.loadBalancers, ...spec.controlPlanes, ...spec.workers, ...(spec.etcdHosts ?? [])];
}

/** The hosts that run HAProxy and keepalived: the LB pair, or every control plane in `colocated` mode (none behind an NLB). */
export function loadBalancerHosts(
  spec: Pick<ClusterSpec, "loadBalancerMode" | "loadBalancers" | "controlPlanes">,
): readonly HostSpec[] {
  return spec.loadBalancerMode === "colocated" ? spec.controlPlanes : spec.loadBalancers;
}

/** Number of etcd members: one per control plane (stacked) or the external endpoints. */
export function etcdMemberCount(spec: Pick<ClusterSpec, "etcd" | "controlPlanes">): number {
  return spec.etcd.mode === "stacked" ? spec.controlPlanes.length : spec.etcd.endpoints.length;
}
