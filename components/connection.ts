import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { HostSpec, SshSpec } from "../core/config/types";

/** SSH connection of one host: user, port and key from config, optional bastion and pinned host key. */
export function connectionFor(
  host: HostSpec,
  ssh: SshSpec,
  privateKey: pulumi.Output<string>,
  address?: pulumi.Input<string>,
): types.input.remote.ConnectionArgs {
  return {
    // On EC2 the address is the instance's public IP, known once it exists.
    host: address ?? host.address,
    port: ssh.port,
    user: ssh.user,
    privateKey,
    perDialTimeout: 15,
    ...(host.hostKey ? { hostKey: host.hostKey } : {}),
    ...(ssh.bastion
      ? {
          proxy: {
            host: ssh.bastion.host,
            port: ssh.bastion.port,
            user: ssh.bastion.user,
            privateKey,
            perDialTimeout: 15,
            ...(ssh.bastion.hostKey ? { hostKey: ssh.bastion.hostKey } : {}),
          },
        }
      : {}),
  };
}
