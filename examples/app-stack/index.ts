import * as pulumi from "@pulumi/pulumi";
import { deployApp } from "./app";

// `pulumi config set clusterStack acme/kubeadm-ha/dev`: the cluster stack this app runs on.
const config = new pulumi.Config();
const app = deployApp(config.require("clusterStack"));

/** Name of the nginx Deployment. */
export const deploymentName = app.deploymentName;
/** Ready replicas when the update finished (2 when healthy). */
export const readyReplicas = app.readyReplicas;
/** API endpoint of the cluster the app runs on. */
export const controlPlaneEndpoint = app.controlPlaneEndpoint;
