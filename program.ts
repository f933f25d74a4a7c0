import * as pulumi from "@pulumi/pulumi";
import { AwsHosts } from "./components/aws/aws-hosts";
import { lookUpAwsFacts } from "./components/aws/lookups";
import { Cluster } from "./components/cluster";
import { CONFIG_NAMESPACE } from "./core/config/keys";
import { buildSpec } from "./core/config/build-spec";

// `isConfigSecret` is exported by @pulumi/pulumi's runtime (3.x) but marked @internal, so the typings omit it.
type RuntimeWithSecretFlags = typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };

/** The config keys Pulumi marks secret (`pulumi config set --secret`): `allConfig()` drops that flag. */
export function secretConfigKeys(all: Readonly<Record<string, string>>): ReadonlySet<string> {
  const isSecret = (pulumi.runtime as RuntimeWithSecretFlags).isConfigSecret;
  // Without it the flags cannot be read: only sshPrivateKey counts as secret (requireSecret keeps it so anyway).
  if (typeof isSecret !== "function") return new Set([`${CONFIG_NAMESPACE}:sshPrivateKey`]);
  return new Set(Object.keys(all).filter((key) => isSecret(key)));
}

/** The program: validate everything first, then create the hosts (aws) and the cluster. */
export async function main(): Promise<Record<string, unknown>> {
  const all = pulumi.runtime.allConfig();
  // A bad config fails here, whole, with every problem, before any resource exists.
  const spec = buildSpec(all, { ...(await lookUpAwsFacts(all)), secretKeys: secretConfigKeys(all) });
  for (const warning of spec.warnings) pulumi.log.warn(warning);

  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const sshPrivateKey = config.requireSecret("sshPrivateKey");
  const hostSource = spec.platform === "aws" ? new AwsHosts("kubeadm-ha", { spec, sshPrivateKey }) : undefined;
  const cluster = new Cluster("kubeadm-ha", { spec, sshPrivateKey, hostSource });
  return {
    /** Admin kubeconfig, server `https://VIP:apiPort` or the public endpoint (secret). */
    kubeconfig: cluster.kubeconfig,
    /** `VIP:apiPort`, or the public endpoint on AWS. */
    controlPlaneEndpoint: cluster.controlPlaneEndpoint,
    /** `{members, quorum, toleratedFailures}` of etcd. */
    etcdQuorum: cluster.etcdQuorum,
    /** `[{name, role, address}]` of every host. */
    nodes: cluster.nodes,
    /** CA public-key pin `sha256:...` (secret). */
    caCertHash: cluster.caCertHash,
    /** What the verify step saw: nodes Ready, etcd members and endpoint health. */
    clusterHealth: cluster.clusterHealth,
  };
}
