import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsHosts } from "./components/aws/aws-hosts";
import { Cluster } from "./components/cluster";
import { CONFIG_NAMESPACE } from "./core/config/keys";
import { ExistingSubnet } from "./core/config/aws";
import { buildSpec } from "./core/config/build-spec";

/** Looks up the CIDRs of existing subnets (aws with vpcId): lookups, not resources. */
async function existingSubnets(config: Record<string, string>): Promise<ExistingSubnet[] | undefined> {
  const ids = config[`${CONFIG_NAMESPACE}:subnetIds`];
  if (config[`${CONFIG_NAMESPACE}:platform`] !== "aws" || !config[`${CONFIG_NAMESPACE}:vpcId`] || !ids) return undefined;
  const parsed = JSON.parse(ids) as unknown;
  if (!Array.isArray(parsed)) return undefined;
  return Promise.all(parsed.map(async (id) => {
    const found = await aws.ec2.getSubnet({ id: String(id) }).catch(() => undefined);
    return { id: String(id), cidr: found?.cidrBlock ?? "" };
  }));
}

/** The program: validate everything first, then create the hosts (aws) and the cluster. */
export async function main(): Promise<Record<string, unknown>> {
  const all = pulumi.runtime.allConfig();
  // A bad config fails here, whole, with every problem, before any resource exists.
  const spec = buildSpec(all, { existingSubnets: await existingSubnets(all) });
  for (const warning of spec.warnings) pulumi.log.warn(warning);

  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const hostSource = spec.platform === "aws" ? new AwsHosts("kubeadm-ha", spec) : undefined;
  const cluster = new Cluster("kubeadm-ha", { spec, sshPrivateKey: config.requireSecret("sshPrivateKey"), hostSource });
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
