import * as pulumi from "@pulumi/pulumi";
import { AwsSpec } from "../../core/config/aws";
import { ClusterSpec, HostSpec } from "../../core/config/types";
import { sudoWrap } from "../../core/plan/sudo";
import { fillTemplate } from "../../core/plan/template";
import { connectionFor } from "../connection";
import { CommandResource, commandMaker, liftConnection } from "../step-command";
import { etcdClientUrl } from "../../core/config/validate-etcd";
import { instanceTypeOf } from "./instances";

/** Checks of {@link rolloutGate}: 60 × 10 s, time for a reboot, kubelet and the static pods. */
const READY_ATTEMPTS = 60;

/**
 * A Command that runs nothing on create and, whenever its host's instance type changes (an
 * in-place stop/modify/start), waits until the host serves again. The next instance of the role
 * depends on it, so an `instanceTypes` edit rolls over the role instead of stopping it whole.
 */
export function rolloutGate(
  spec: ClusterSpec,
  aws: AwsSpec,
  host: HostSpec,
  target: { instance: pulumi.Resource; sshAddress: pulumi.Input<string>; sshPrivateKey: pulumi.Output<string> },
  parent: pulumi.Resource,
): CommandResource {
  const id = `${host.name}-aws-instance-ready`;
  // An etcd instance serves when its member is healthy (it runs no Kubernetes node).
  const script =
    host.role === "etcd"
      ? fillTemplate("aws-etcd-ready", {
          NODE_NAME: host.name,
          OWN_CLIENT_URL: etcdClientUrl(host),
          INSTANCE_TYPE: instanceTypeOf(aws, host),
          ATTEMPTS: READY_ATTEMPTS,
        })
      : fillTemplate("aws-instance-ready", {
          NODE_NAME: host.name,
          ROLE: host.role,
          API_PORT: spec.apiPort,
          INSTANCE_TYPE: instanceTypeOf(aws, host),
          ATTEMPTS: READY_ATTEMPTS,
        });
  return commandMaker.make(
    id,
    {
      connection: liftConnection(connectionFor(host, spec.ssh, target.sshPrivateKey, target.sshAddress)),
      // No create: a new instance is brought up by the plan; only a changed one is waited for.
      update: sudoWrap(script, id),
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: false,
    },
    { parent, dependsOn: [target.instance], customTimeouts: { update: "15m" } },
    false,
  );
}
