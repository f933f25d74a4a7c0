import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Secrets generated once per stack and kept in state (encrypted): rerunning never rotates them. */
export class JoinSecrets extends pulumi.ComponentResource {
  /** kubeadm bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}` (secret). */
  public readonly bootstrapToken: pulumi.Output<string>;
  /** Certificate key for the kubeadm-certs Secret: 32 random bytes as 64 hex characters (secret). */
  public readonly certificateKey: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("kubeadm-ha:index:JoinSecrets", name, {}, opts);
    const lowerAlnum = { upper: false, special: false, numeric: true, lower: true } as const;
    const tokenId = new random.RandomPassword(`${name}-token-id`, { length: 6, ...lowerAlnum }, { parent: this });
    const tokenSecret = new random.RandomPassword(
      `${name}-token-secret`,
      { length: 16, ...lowerAlnum },
      { parent: this },
    );
    const certKey = new random.RandomBytes(`${name}-certificate-key`, { length: 32 }, { parent: this });
    // No VRRP password: keepalived runs VRRPv3, which has no authentication (core/plan/keepalived.ts);
    // stacks made before lose their old random password resource, which has no effect elsewhere.
    this.bootstrapToken = pulumi.secret(pulumi.interpolate`${tokenId.result}.${tokenSecret.result}`);
    this.certificateKey = pulumi.secret(certKey.hex);
    this.registerOutputs({});
  }
}
