import { stringify } from "yaml";
import { ClusterSpec, HostSpec } from "../config/types";
import { LATE, SECRETS } from "./placeholders";

const CRI_SOCKET = "unix:///run/containerd/containerd.sock";

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
  return { name: host.name, criSocket: CRI_SOCKET, kubeletExtraArgs: extraArgs(spec.kubeadmApiVersion, { "node-ip": host.privateAddress }) };
}

/** The ClusterConfiguration shared by init and the certificate re-upload. */
export function clusterConfiguration(spec: ClusterSpec): ClusterConfiguration {
  // On AWS with a public API, the Elastic IP (known after it exists) is in the certificate too.
  const extraSans = spec.aws?.publicApi && spec.aws.loadBalancerMode === "keepalived" ? [LATE.publicApiAddress] : [];
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
    etcd: spec.etcd.mode === "external"
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
    bootstrapTokens: [{
      token: SECRETS.bootstrapToken.placeholder,
      ttl: "24h0m0s",
      groups: ["system:bootstrappers:kubeadm:default-node-token"],
      usages: ["signing", "authentication"],
    }],
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
