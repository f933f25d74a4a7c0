import { stringify } from "yaml";
import { ClusterSpec, HostSpec } from "../config/types";
import { LATE, SECRETS } from "./placeholders";

const CRI_SOCKET = "unix:///run/containerd/containerd.sock";

/**
 * containerd releases recommended per Kubernetes minor, as the first good patch of each release
 * line, from containerd's RELEASES.md ("Kubernetes Support"; rows for 1.28 and 1.29 from its
 * earlier revisions). The 1.6 line is left out everywhere: it reached end of life on 2025-08-23
 * (same file), and it is what Debian 12 ships (1.6.20).
 */
export const CONTAINERD_FOR_MINOR: Readonly<Record<string, readonly string[]>> = {
  "1.28": ["1.7.0"],
  "1.29": ["1.7.11"],
  "1.30": ["2.1.0", "2.0.0", "1.7.13"],
  "1.31": ["2.1.0", "2.0.0", "1.7.20"],
  "1.32": ["2.1.0", "2.0.1", "1.7.24"],
  "1.33": ["2.1.0", "2.0.4", "1.7.24"],
  "1.34": ["2.1.3", "2.0.6", "1.7.28"],
  "1.35": ["2.2.0", "2.1.5", "1.7.28"],
};

/**
 * The containerd versions `prepare-node.sh` accepts for a Kubernetes minor, space separated: a
 * version qualifies when it is on one of these release lines (X.Y) and not below the one named.
 * Throws for a minor the table does not know, so a new minor cannot slip through unchecked.
 */
export function containerdVersionsFor(kubernetesMinor: string): string {
  const versions = CONTAINERD_FOR_MINOR[kubernetesMinor];
  if (!versions)
    throw new Error(
      `no containerd recommendation recorded for Kubernetes ${kubernetesMinor}; add it to CONTAINERD_FOR_MINOR from containerd's RELEASES.md`,
    );
  return versions.join(" ");
}

/**
 * The kubeadm config API every config is rendered in. kubeadm below 1.31 reads only v1beta3: the
 * host converts (core/scripts/lib/kubeadm-config.sh), so the rendered config, and with it the init
 * and join scripts, stay the same when kubernetesVersion crosses 1.31 (README: Upgrade).
 */
const API_VERSION = "kubeadm.k8s.io/v1beta4";
type ApiVersion = ClusterSpec["kubeadmApiVersion"];

/**
 * Stands for `kubernetesVersion` in the rendered ClusterConfiguration; the host puts in the version
 * of the kubeadm node preparation installed (`kubeadm version -o short`), so a version bump changes
 * node preparation and the upgrade steps, never kubeadm init. Spelled out in lib/kubeadm-config.sh.
 */
export const KUBERNETES_VERSION_PLACEHOLDER = "@KUBERNETES_VERSION@";

/** kubelet/api-server extra args: a map in v1beta3, a list of {name, value} in v1beta4. */
type ExtraArgs = Record<string, string> | { name: string; value: string }[];

interface NodeRegistration {
  name: string;
  criSocket: string;
  kubeletExtraArgs: ExtraArgs;
}

interface InitConfiguration {
  apiVersion: ApiVersion;
  kind: "InitConfiguration";
  bootstrapTokens: { token: string; ttl: string; groups: string[]; usages: string[] }[];
  certificateKey: string;
  localAPIEndpoint: { advertiseAddress: string; bindPort: number };
  nodeRegistration: NodeRegistration;
}

interface ClusterConfiguration {
  apiVersion: ApiVersion;
  kind: "ClusterConfiguration";
  kubernetesVersion: string;
  controlPlaneEndpoint: string;
  networking: { podSubnet: string; serviceSubnet: string };
  apiServer: { certSANs: string[] };
  etcd:
    | { local: { dataDir: string } }
    | { external: { endpoints: string[]; caFile: string; certFile: string; keyFile: string } };
}

interface KubeletConfiguration {
  apiVersion: "kubelet.config.k8s.io/v1beta1";
  kind: "KubeletConfiguration";
  cgroupDriver: "systemd";
}

interface JoinConfiguration {
  apiVersion: ApiVersion;
  kind: "JoinConfiguration";
  discovery: { bootstrapToken: { apiServerEndpoint: string; token: string; caCertHashes: string[] } };
  nodeRegistration: NodeRegistration;
  controlPlane?: { localAPIEndpoint: { advertiseAddress: string; bindPort: number }; certificateKey: string };
}

function extraArgs(api: ApiVersion, args: Record<string, string>): ExtraArgs {
  return api === "kubeadm.k8s.io/v1beta4" ? Object.entries(args).map(([name, value]) => ({ name, value })) : args;
}

function nodeRegistration(host: HostSpec): NodeRegistration {
  // node-ip pins the kubelet to the cluster address on hosts with several interfaces.
  return {
    name: host.name,
    criSocket: CRI_SOCKET,
    // Rendered as v1beta4 for every version: the host converts below 1.31 (see API_VERSION).
    kubeletExtraArgs: extraArgs(API_VERSION, { "node-ip": host.privateAddress }),
  };
}

/** The ClusterConfiguration shared by init and the certificate re-upload. */
export function clusterConfiguration(spec: ClusterSpec): ClusterConfiguration {
  // kubeadm adds the controlPlaneEndpoint host itself (the VIP, or the internal NLB's name); the
  // public entry users reach (Elastic IP, or internet-facing NLB) must be in the certificate too.
  const extraSans = spec.aws?.publicApi ? [LATE.publicApiAddress] : [];
  // Each api-server's certificate already names its own addresses; only shared names go here, so
  // adding a control plane never changes the first one's config.
  const sans = [...new Set([spec.vip, ...extraSans])];
  return {
    apiVersion: API_VERSION,
    kind: "ClusterConfiguration",
    kubernetesVersion: KUBERNETES_VERSION_PLACEHOLDER,
    controlPlaneEndpoint: spec.controlPlaneEndpoint,
    networking: { podSubnet: spec.podNetworkCidr, serviceSubnet: spec.serviceCidr },
    apiServer: { certSANs: sans },
    etcd:
      spec.etcd.mode === "external"
        ? {
            external: {
              endpoints: [...spec.etcd.endpoints],
              caFile: "/etc/kubernetes/pki/etcd/ca.crt",
              certFile: "/etc/kubernetes/pki/apiserver-etcd-client.crt",
              keyFile: "/etc/kubernetes/pki/apiserver-etcd-client.key",
            },
          }
        : { local: { dataDir: "/var/lib/etcd" } },
  };
}

function kubeletConfiguration(): KubeletConfiguration {
  return { apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", cgroupDriver: "systemd" };
}

/** kubeadm init config for the first control plane; secrets are placeholders. */
export function serialiseInitConfig(spec: ClusterSpec): string {
  const first = spec.controlPlanes[0];
  const init: InitConfiguration = {
    apiVersion: API_VERSION,
    kind: "InitConfiguration",
    bootstrapTokens: [
      {
        token: SECRETS.bootstrapToken.placeholder,
        ttl: "24h0m0s",
        groups: ["system:bootstrappers:kubeadm:default-node-token"],
        usages: ["signing", "authentication"],
      },
    ],
    certificateKey: SECRETS.certificateKey.placeholder,
    // apiServerPort: apiPort, or the next port when HAProxy holds apiPort on the control planes (colocated);
    // kubeadm's probes and the `kubernetes` Service's endpoints follow bindPort.
    localAPIEndpoint: { advertiseAddress: first.privateAddress, bindPort: spec.apiServerPort },
    nodeRegistration: nodeRegistration(first),
  };
  return documents([init, clusterConfiguration(spec), kubeletConfiguration()]);
}

/** kubeadm join config for a joining control plane or worker; secrets are placeholders. */
export function serialiseJoinConfig(spec: ClusterSpec, host: HostSpec): string {
  const join: JoinConfiguration = {
    apiVersion: API_VERSION,
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: spec.controlPlaneEndpoint,
        token: SECRETS.bootstrapToken.placeholder,
        // Pinning the CA public key: never unsafeSkipCAVerification.
        caCertHashes: [SECRETS.caCertHash.placeholder],
      },
    },
    nodeRegistration: nodeRegistration(host),
  };
  if (host.role === "controlPlane") {
    join.controlPlane = {
      localAPIEndpoint: { advertiseAddress: host.privateAddress, bindPort: spec.apiServerPort },
      certificateKey: SECRETS.certificateKey.placeholder,
    };
  }
  return documents([join, kubeletConfiguration()]);
}

function documents(docs: readonly object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

/** Filled in on the etcd host when its member starts: the members as etcd lists them (`name=peerURL,...`). */
export const ETCD_INITIAL_CLUSTER = "@ETCD_INITIAL_CLUSTER@";
/** Filled in on the etcd host: `new` while the first members form the cluster, `existing` for a member added later. */
export const ETCD_CLUSTER_STATE = "@ETCD_CLUSTER_STATE@";

/**
 * The kubeadm config of a dedicated etcd host, after kubeadm's "Set up a High Availability etcd
 * Cluster with kubeadm": `kubeadm init phase certs etcd-*` and `kubeadm init phase etcd local`
 * read it, so the member runs the etcd image kubeadm picks for this Kubernetes version. Clients
 * also on 127.0.0.1, as a stacked member listens, for the snapshot tools. Rendered like the init
 * and join configs (v1beta4, the version a placeholder the host fills in from its kubeadm, converted
 * on the host below 1.31), so a kubernetesVersion edit never changes an etcd member's step.
 */
export function serialiseEtcdHostConfig(host: HostSpec): string {
  const args: Record<string, string> = {
    name: host.name,
    "initial-cluster": ETCD_INITIAL_CLUSTER,
    "initial-cluster-state": ETCD_CLUSTER_STATE,
    "listen-peer-urls": `https://${host.privateAddress}:2380`,
    "initial-advertise-peer-urls": `https://${host.privateAddress}:2380`,
    "listen-client-urls": `https://127.0.0.1:2379,https://${host.privateAddress}:2379`,
    "advertise-client-urls": `https://${host.privateAddress}:2379`,
  };
  const init = {
    apiVersion: API_VERSION,
    kind: "InitConfiguration",
    localAPIEndpoint: { advertiseAddress: host.privateAddress },
    nodeRegistration: { name: host.name, criSocket: CRI_SOCKET },
  };
  const cluster = {
    apiVersion: API_VERSION,
    kind: "ClusterConfiguration",
    kubernetesVersion: KUBERNETES_VERSION_PLACEHOLDER,
    etcd: {
      local: {
        dataDir: "/var/lib/etcd",
        serverCertSANs: [host.privateAddress],
        peerCertSANs: [host.privateAddress],
        extraArgs: extraArgs(API_VERSION, args),
      },
    },
  };
  return documents([init, cluster]);
}

/**
 * The kubelet of a dedicated etcd host runs only etcd's static pod (the same guide): local address,
 * no API server, no webhook authentication.
 */
export function etcdKubeletConfiguration(): string {
  return stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
      authorization: { mode: "AlwaysAllow" },
      cgroupDriver: "systemd",
      address: "127.0.0.1",
      containerRuntimeEndpoint: CRI_SOCKET,
      staticPodPath: "/etc/kubernetes/manifests",
    },
    { lineWidth: 0 },
  );
}
