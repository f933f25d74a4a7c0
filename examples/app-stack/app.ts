import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** The nginx image, pinned: a tag that moves would make two `pulumi up`s deploy different code. */
export const NGINX_IMAGE = "nginx:1.27.3";

/** Replicas of the example Deployment. */
export const REPLICAS = 2;

/** What {@link deployApp} creates and exports. */
export interface App {
  /** The cluster stack, read for its `kubeconfig` and `controlPlaneEndpoint` outputs. */
  readonly cluster: pulumi.StackReference;
  /** Kubernetes provider talking to the cluster through its VIP. */
  readonly provider: k8s.Provider;
  /** The nginx Deployment. */
  readonly deployment: k8s.apps.v1.Deployment;
  /** Name Kubernetes gave the Deployment (auto-named, so a replacement can be created first). */
  readonly deploymentName: pulumi.Output<string>;
  /** Ready replicas as the cluster reported them when the update finished. */
  readonly readyReplicas: pulumi.Output<number>;
  /** The cluster's API endpoint `VIP:port`. */
  readonly controlPlaneEndpoint: pulumi.Output<string>;
}

/** Fully-qualified stack name `organization/project/stack`. */
const QUALIFIED_STACK = /^[^/\s]+\/[^/\s]+\/[^/\s]+$/;

/**
 * Deploys a 2-replica nginx on the cluster of `clusterStack` (`org/kubeadm-ha/dev`): reads the
 * cluster stack's `kubeconfig` output (a secret) through a StackReference, makes a Kubernetes
 * provider of it, and creates the Deployment with that provider.
 */
export function deployApp(clusterStack: string): App {
  if (!QUALIFIED_STACK.test(clusterStack)) {
    throw new Error(
      `clusterStack ${JSON.stringify(clusterStack)} is not a fully-qualified stack name such as "acme/kubeadm-ha/dev"`,
    );
  }
  const cluster = new pulumi.StackReference("cluster", { name: clusterStack });
  // requireOutput fails the update if the cluster stack has no kubeconfig yet; secret() keeps it
  // secret even where the engine does not say which outputs are secret.
  const kubeconfig = pulumi.secret(cluster.requireOutput("kubeconfig").apply((v) => String(v)));
  const provider = new k8s.Provider("cluster", { kubeconfig });
  const labels = { app: "nginx" };
  const deployment = new k8s.apps.v1.Deployment(
    "nginx",
    {
      metadata: { labels },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "nginx",
                image: NGINX_IMAGE,
                ports: [{ name: "http", containerPort: 80 }],
                readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
              },
            ],
          },
        },
      },
    },
    { provider },
  );
  return {
    cluster,
    provider,
    deployment,
    deploymentName: deployment.metadata.name,
    readyReplicas: deployment.status.readyReplicas,
    controlPlaneEndpoint: cluster.requireOutput("controlPlaneEndpoint").apply((v) => String(v)),
  };
}
