import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { CONFIG_NAMESPACE } from "./core/spec/keys";
import { buildSpec } from "./core/spec/validate";

// Validate every key before any resource exists: a bad config fails here, whole, with all problems.
const spec = buildSpec(pulumi.runtime.allConfig());
for (const warning of spec.warnings) pulumi.log.warn(warning);

const config = new pulumi.Config(CONFIG_NAMESPACE);
const cluster = new Cluster("kubeadm-ha", { spec, sshPrivateKey: config.requireSecret("sshPrivateKey") });

/** Admin kubeconfig, server `https://VIP:apiPort` (secret). */
export const kubeconfig = cluster.kubeconfig;
/** `VIP:apiPort`. */
export const controlPlaneEndpoint = cluster.controlPlaneEndpoint;
/** `{members, quorum, toleratedFailures}` of etcd. */
export const etcdQuorum = cluster.etcdQuorum;
/** `[{name, role, address}]` of every host. */
export const nodes = cluster.nodes;
/** CA public-key pin `sha256:...` (secret). */
export const caCertHash = cluster.caCertHash;
/** What the verify step saw: nodes Ready, etcd members and endpoint health. */
export const clusterHealth = cluster.clusterHealth;
