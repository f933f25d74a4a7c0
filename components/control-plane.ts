import * as pulumi from "@pulumi/pulumi";
import { onlyStep } from "../core/plan/lookup";
import { Plan } from "../core/plan/steps";
import { StepRunner } from "./step-runner";

/**
 * The first control plane (kubeadm init) and the control planes that join it one at a time: the
 * parent of their steps, which the cluster creates under it; its outputs are read from those steps.
 */
export class ControlPlane extends pulumi.ComponentResource {
  /** The component's type token. */
  static readonly TYPE = "kubeadm-ha:index:ControlPlane";

  /** Admin kubeconfig; its server is `https://VIP:apiPort` (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** CA public-key pin `sha256:...` used by joins (secret). */
  public readonly caCertHash: pulumi.Output<string>;
  /** Settles {@link kubeconfig} once the admin-kubeconfig step exists. */
  private readonly resolveKubeconfig: (source: pulumi.Output<string>) => void;
  /** Settles {@link caCertHash} once the ca-cert-hash step exists. */
  private readonly resolveCaCertHash: (source: pulumi.Output<string>) => void;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super(ControlPlane.TYPE, name, {}, opts);
    // The steps these outputs come from are created after this component, which is their parent.
    [this.kubeconfig, this.resolveKubeconfig] = pulumi.deferredOutput<string>();
    [this.caCertHash, this.resolveCaCertHash] = pulumi.deferredOutput<string>();
  }

  /** Reads the outputs from the first control plane's steps and registers them; call once, after `runner` ran `plan`. */
  complete(plan: Plan, runner: StepRunner): void {
    this.resolveKubeconfig(pulumi.secret(runner.stdoutOf(onlyStep(plan, "admin-kubeconfig"))));
    this.resolveCaCertHash(runner.providedBy(onlyStep(plan, "ca-cert-hash")));
    this.registerOutputs({ kubeconfig: this.kubeconfig, caCertHash: this.caCertHash });
  }
}
