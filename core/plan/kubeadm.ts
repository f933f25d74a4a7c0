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

type ApiVersion = ClusterSpec["kubeadmApiVersion"];
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

function nodeRegistration(spec: ClusterSpec, host: HostSpec): NodeRegistration {
  // node-ip pins the kubelet to the cluster address on hosts with several interfaces.
  return {
    name: host.name,
    criSocket: CRI_SOCKET,
    kubeletExtraArgs: extraArgs(spec.kubeadmApiVersion, { "node-ip": host.privateAddress }),
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
    apiVersion: spec.kubeadmApiVersion,
    kind: "ClusterConfiguration",
    kubernetesVersion: `v${spec.kubernetesVersion}`,
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
    apiVersion: spec.kubeadmApiVersion,
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
    localAPIEndpoint: { advertiseAddress: first.privateAddress, bindPort: spec.apiPort },
    nodeRegistration: nodeRegistration(spec, first),
  };
  return documents([init, clusterConfiguration(spec), kubeletConfiguration()]);
}

/** kubeadm join config for a joining control plane or worker; secrets are placeholders. */
export function serialiseJoinConfig(spec: ClusterSpec, host: HostSpec): string {
  const join: JoinConfiguration = {
    apiVersion: spec.kubeadmApiVersion,
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: spec.controlPlaneEndpoint,
        token: SECRETS.bootstrapToken.placeholder,
        // Pinning the CA public key: never unsafeSkipCAVerification.
        caCertHashes: [SECRETS.caCertHash.placeholder],
      },
    },
    nodeRegistration: nodeRegistration(spec, host),
  };
  if (host.role === "controlPlane") {
    join.controlPlane = {
      localAPIEndpoint: { advertiseAddress: host.privateAddress, bindPort: spec.apiPort },
      certificateKey: SECRETS.certificateKey.placeholder,
    };
  }
  return documents([join, kubeletConfiguration()]);
}

function documents(docs: readonly object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}
