/**
 * The stack configuration contract: every key of the `kubeadm-ha` namespace, its kind and default.
 * One table feeds the parser, the defaults, the README table and a test that keeps `Pulumi.yaml`
 * in step with it.
 */

/** The config namespace; equals the project name in `Pulumi.yaml`. */
export const CONFIG_NAMESPACE = "kubeadm-ha";

/** How a raw config value is read: Pulumi hands strings, YAML hands typed values. */
export type KeyKind = "string" | "integer" | "object" | "array" | "secret";

/** One configuration key of the contract. */
export interface ConfigKey {
  /** Key name without namespace, e.g. `vip`. */
  readonly name: string;
  /** How the value is parsed. */
  readonly kind: KeyKind;
  /** Default applied when the key is unset; `undefined` means required or optional without default. */
  readonly default?: string | number | readonly unknown[];
  /** True when the stack must set the key. */
  readonly required?: boolean;
  /** One line for `Pulumi.yaml` and the README. */
  readonly description: string;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { name: "platform", kind: "string", default: "baremetal", description: "Where the hosts come from: `baremetal` (existing hosts over SSH) or `aws`." },
  { name: "kubernetesVersion", kind: "string", default: "1.32.3", description: "Kubernetes version X.Y.Z (1.28 to 1.35); picks the pkgs.k8s.io repository and the kubeadm config API." },
  { name: "podNetworkCidr", kind: "string", default: "10.244.0.0/16", description: "Pod network CIDR; must not overlap the service CIDR or the hosts' addresses." },
  { name: "serviceCidr", kind: "string", default: "10.96.0.0/12", description: "Service network CIDR." },
  { name: "apiPort", kind: "integer", default: 6443, description: "Port of the api-servers and of the VIP frontend." },
  { name: "cni", kind: "string", default: "flannel", description: "Pod network add-on: `flannel`, `calico` or `none`." },
  { name: "sshUser", kind: "string", default: "ubuntu", description: "SSH user on every host; needs passwordless sudo." },
  { name: "sshPrivateKey", kind: "secret", required: true, description: "Private key (PEM/OpenSSH) for SSH; set with `pulumi config set --secret`." },
  { name: "sshPort", kind: "integer", default: 22, description: "SSH port on every host." },
  { name: "bastion", kind: "object", description: "Optional SSH jump host `{host, user?, port?}` used for every host." },
  { name: "vip", kind: "string", required: true, description: "Floating virtual IP of the api-server endpoint, optionally with the LB network's prefix (`192.168.1.100/24`)." },
  { name: "vipInterface", kind: "string", default: "eth0", description: "Interface on the load balancers that carries the VIP (per-host `interface` overrides)." },
  { name: "virtualRouterId", kind: "integer", default: 51, description: "VRRP virtual router id (1-255), unique on the LB network." },
  { name: "vrrpAdvertInterval", kind: "integer", default: 1, description: "VRRP advertisement interval in seconds (1-10); failover takes about 3x this." },
  { name: "loadBalancers", kind: "array", required: true, description: "The HAProxy + keepalived pair: list of `{name, address, privateAddress?, interface?, hostKey?}`." },
  { name: "controlPlanes", kind: "array", required: true, description: "Control-plane hosts (odd count, first one runs `kubeadm init`): same shape as loadBalancers." },
  { name: "workers", kind: "array", default: [], description: "Worker hosts: same shape as loadBalancers." },
  { name: "externalEtcdEndpoints", kind: "array", default: [], description: "External etcd client URLs (`https://host:2379`); empty means stacked etcd on the control planes." },
];

/** Looks up a key of the contract by name. */
export function findKey(name: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => k.name === name);
}
