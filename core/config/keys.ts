/**
 * The stack configuration contract: every key of the `kubeadm-ha` namespace, its kind and default.
 * One table feeds the parser, the defaults, the zod schema's key names and optionality
 * (`schema.ts`), the README table and a test that keeps `Pulumi.yaml` in step with it.
 */

/** The config namespace; equals the project name in `Pulumi.yaml`. */
export const CONFIG_NAMESPACE = "kubeadm-ha";

/** How a raw config value is read: Pulumi hands strings, YAML hands typed values. */
export type KeyKind = "string" | "integer" | "boolean" | "object" | "array" | "secret";

/** One configuration key of the contract. */
export interface ConfigKey {
  /** Key name without namespace, e.g. `vip`. */
  readonly name: string;
  /** How the value is parsed. */
  readonly kind: KeyKind;
  /** Default applied when the key is unset; `undefined` means required or optional without default. */
  readonly default?: string | number | boolean | readonly unknown[] | Readonly<Record<string, string>>;
  /** Element kind of an `array` key: plain strings, or host objects. */
  readonly items?: "string" | "host";
  /** Platforms on which the stack must set the key. */
  readonly required?: readonly ("baremetal" | "aws")[];
  /** One line for `Pulumi.yaml` and the README. */
  readonly description: string;
}

/** `vipInterface` (or a host's `interface`) value that means: the interface holding the host's privateAddress, found on the host. */
export const AUTO_INTERFACE = "auto";

/** Instance type per role on aws when `instanceTypes` leaves a role out. */
export const DEFAULT_INSTANCE_TYPES = {
  loadBalancer: "t3.small",
  controlPlane: "t3.medium",
  worker: "t3.medium",
  // etcd's own guide sizes a small cluster's member at 2 vCPU; its memory holds the whole keyspace.
  etcd: "t3.medium",
} as const;

// Literal types kept (`as const`) so the zod schema can be checked against these names at compile time.
const KEY_TABLE = [
  {
    name: "platform",
    kind: "string",
    default: "baremetal",
    description: "Where the hosts come from: `baremetal` (existing hosts over SSH) or `aws`.",
  },
  {
    name: "kubernetesVersion",
    kind: "string",
    default: "1.32.3",
    description:
      "Kubernetes version X.Y.Z (1.28 to 1.35); picks the pkgs.k8s.io repository and the kubeadm config API.",
  },
  {
    name: "podNetworkCidr",
    kind: "string",
    default: "10.244.0.0/16",
    description: "Pod network CIDR; must not overlap the service CIDR or the hosts' addresses.",
  },
  { name: "serviceCidr", kind: "string", default: "10.96.0.0/12", description: "Service network CIDR." },
  { name: "apiPort", kind: "integer", default: 6443, description: "Port of the api-servers and of the VIP frontend." },
  {
    name: "cni",
    kind: "string",
    default: "flannel",
    description: "Pod network add-on: `flannel`, `calico` or `none`.",
  },
  {
    name: "sshUser",
    kind: "string",
    default: "ubuntu",
    description: "SSH user on every host; needs passwordless sudo.",
  },
  {
    name: "sshPrivateKey",
    kind: "secret",
    required: ["baremetal", "aws"],
    description: "Private key (PEM/OpenSSH) for SSH; set with `pulumi config set --secret`.",
  },
  { name: "sshPort", kind: "integer", default: 22, description: "SSH port on every host." },
  {
    name: "bastion",
    kind: "object",
    description: "Optional SSH jump host `{host, user?, port?}` used for every host.",
  },
  {
    name: "vip",
    kind: "string",
    required: ["baremetal"],
    description:
      "Floating virtual IP of the api-server endpoint, optionally with the LB network's prefix (`192.168.1.100/24`); on aws defaults to the LB subnet's .100.",
  },
  {
    name: "vipInterface",
    kind: "string",
    default: "auto",
    description:
      "Interface on the load balancers that carries the VIP (per-host `interface` overrides); `auto`: the one holding the LB's privateAddress, found on the host (`ens5` on AWS Nitro).",
  },
  {
    name: "virtualRouterId",
    kind: "integer",
    default: 51,
    description: "VRRP virtual router id (1-255), unique on the LB network.",
  },
  // A string: Pulumi's project schema types whole numbers only; the schema reads the seconds as a number.
  {
    name: "vrrpAdvertInterval",
    kind: "string",
    default: "0.3",
    description:
      "VRRPv3 advert interval in seconds, 0.1-10 in steps of 0.01; a dead LB loses the VIP after about 3.6x this (0.3: ~1.1 s).",
  },
  {
    name: "loadBalancers",
    kind: "array",
    items: "host",
    required: ["baremetal"],
    description: "The HAProxy + keepalived pair: list of `{name, address, privateAddress?, interface?, hostKey?}`.",
  },
  {
    name: "controlPlanes",
    kind: "array",
    items: "host",
    required: ["baremetal"],
    description:
      "Control-plane hosts (odd count unless etcd runs on etcdHosts or externalEtcdEndpoints; the first runs `kubeadm init`): same shape as loadBalancers.",
  },
  {
    name: "workers",
    kind: "array",
    items: "host",
    default: [],
    description: "Worker hosts: same shape as loadBalancers.",
  },
  {
    name: "clusterName",
    kind: "string",
    default: "kubeadm-ha",
    description: "Name used in tags and resource names of the created infrastructure (aws).",
  },
  {
    name: "loadBalancerMode",
    kind: "string",
    default: "keepalived",
    description:
      "`keepalived`: the HAProxy + keepalived pair (`loadBalancers`) with a floating VIP; `colocated` (bare metal): HAProxy and keepalived on the control planes, no `loadBalancers`; `nlb` (aws): a Network Load Balancer across AZs.",
  },
  {
    name: "vpcCidr",
    kind: "string",
    default: "10.0.0.0/16",
    description: "aws: CIDR of the VPC to create (one subnet per AZ is carved from it).",
  },
  {
    name: "vpcId",
    kind: "string",
    description: "aws: use this existing VPC instead of creating one (with `subnetIds`).",
  },
  {
    name: "subnetIds",
    kind: "array",
    items: "string",
    default: [],
    description: "aws: existing subnets (public, one per AZ) when `vpcId` is set; the first holds the LB pair.",
  },
  {
    name: "availabilityZoneCount",
    kind: "integer",
    default: 3,
    description: "aws: how many AZs the created VPC spans (control planes and workers are spread over them).",
  },
  {
    name: "ami",
    kind: "string",
    description: "aws: AMI id; default is the newest Ubuntu 22.04 LTS amd64 from Canonical.",
  },
  {
    name: "instanceTypes",
    kind: "object",
    default: DEFAULT_INSTANCE_TYPES,
    description:
      "aws: instance type per role `{loadBalancer, controlPlane, worker, etcd}`; control planes need 2 vCPU / 2 GiB.",
  },
  {
    name: "controlPlaneCount",
    kind: "integer",
    default: 3,
    description: "aws: number of control planes (odd, unless etcdCount or externalEtcdEndpoints).",
  },
  { name: "workerCount", kind: "integer", default: 2, description: "aws: number of workers." },
  { name: "rootVolumeSizeGb", kind: "integer", default: 30, description: "aws: gp3 root volume size (encrypted)." },
  {
    name: "sshPublicKey",
    kind: "string",
    required: ["aws"],
    description: "aws: public half of sshPrivateKey, installed as the instances' key pair.",
  },
  {
    name: "sshAllowedCidrs",
    kind: "array",
    items: "string",
    required: ["aws"],
    description: "aws: CIDRs allowed to SSH to the instances (no default; `0.0.0.0/0` needs allowOpenCidrs).",
  },
  {
    name: "apiAllowedCidrs",
    kind: "array",
    items: "string",
    required: ["aws"],
    description: "aws: CIDRs allowed to reach the API on apiPort (no default; `0.0.0.0/0` needs allowOpenCidrs).",
  },
  {
    name: "allowOpenCidrs",
    kind: "boolean",
    default: false,
    description: "aws: explicit opt-in to `0.0.0.0/0` in sshAllowedCidrs or apiAllowedCidrs.",
  },
  {
    name: "publicApi",
    kind: "boolean",
    default: true,
    description: "aws: an Elastic IP on the VIP (or an internet-facing NLB); the exported kubeconfig points at it.",
  },
  {
    name: "externalEtcdEndpoints",
    kind: "array",
    items: "string",
    default: [],
    description: "External etcd client URLs (`https://host:2379`); empty means stacked etcd on the control planes.",
  },
  {
    name: "etcdHosts",
    kind: "array",
    items: "host",
    description:
      "Dedicated etcd hosts the program builds (3, 5 or 7; same shape as loadBalancers); empty or unset means stacked etcd. Not with externalEtcdEndpoints.",
  },
  {
    name: "etcdCount",
    kind: "integer",
    description:
      "aws: dedicated etcd instances the program creates (3, 5 or 7, spread over the AZs); unset or 0 means stacked etcd on the control planes. Not with externalEtcdEndpoints.",
  },
  {
    name: "etcdSnapshotInterval",
    kind: "string",
    default: "6h",
    description:
      "Time between etcd snapshots on each etcd member (a control plane with stacked etcd, or an etcd host): a whole number with m, h or d, from 15m to 7d.",
  },
  {
    name: "etcdSnapshotRetention",
    kind: "integer",
    default: 7,
    description: "Snapshots kept on each etcd member (1-100); older ones are deleted only after a new one is verified.",
  },
  {
    name: "etcdSnapshotBucket",
    kind: "string",
    description:
      "aws: S3 bucket (`name` or `name/prefix`) every verified snapshot is copied to; the control planes may only put objects under that prefix.",
  },
  {
    name: "upgradeMaxUnavailable",
    kind: "integer",
    default: 1,
    description:
      "Workers upgraded (drained) at the same time when kubernetesVersion is raised (1-100); control planes always go one at a time.",
  },
] as const satisfies readonly ConfigKey[];

/** Every key of the contract, in documentation order. */
export const CONFIG_KEYS: readonly ConfigKey[] = KEY_TABLE;

/** Name of a key of the contract. */
export type ConfigKeyName = (typeof KEY_TABLE)[number]["name"];

/** Name of a key that has a default, so it always has a value once `normalize.ts` has applied the defaults. */
export type DefaultedKeyName = Extract<(typeof KEY_TABLE)[number], { readonly default: unknown }>["name"];

/** Looks up a key of the contract by name. */
export function findKey(name: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => k.name === name);
}
