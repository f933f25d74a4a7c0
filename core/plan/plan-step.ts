import { SecretName } from "./placeholders";

/** Phase vocabulary (after kubespray's), in bring-up order: what a step does. */
export const PHASES = [
  "wait-ssh", "prepare-node", "aws-vip-mover", "load-balancer", "wait-vip", "kubeadm-init", "ca-cert-hash",
  "admin-kubeconfig", "cni", "join-material", "kubeadm-join", "await-node", "verify",
] as const;

/** What a step does. */
export type Phase = (typeof PHASES)[number];

/** A file a step installs on its host, listed for review (`npm run render`). */
export interface InstalledFile {
  /** Absolute path on the host, nothing else (how the file lives there goes in `note`). */
  readonly path: string;
  /** Content with secrets as placeholders. */
  readonly content: string;
  /** Octal file mode, e.g. `0600`, where the review should see it. */
  readonly mode?: string;
  /** How the file lives on the host when it is not simply installed at `path`, for PLAN.md. */
  readonly note?: string;
}

/** One remote command of the bring-up, with everything the Pulumi layer needs to create it. */
export interface PlanStep {
  /** Stable resource name `<host>-<phase>`: never a list index, so removing a host renames nothing. */
  readonly id: string;
  /** Name of the host the step is about; with `phase` it names the step. */
  readonly host: string;
  /** Name of the host whose SSH connection runs it (a control plane for drain and token steps). */
  readonly runsOn: string;
  /** What it does. */
  readonly phase: Phase;
  /** One line for PLAN.md. */
  readonly description: string;
  /** Script run on create (no secrets inside). */
  readonly script: string;
  /** Script run when the step is deleted (node removal), if any. */
  readonly deleteScript?: string;
  /** Secrets fed on stdin, in order: what the script's `# stdin:` line declares. */
  readonly stdin: readonly SecretName[];
  /** Steps that must finish first. */
  readonly after: readonly string[];
  /** The step's stdout is a secret (kept out of logs and state in clear). */
  readonly secretStdout: boolean;
  /** The secret this step's stdout provides to later steps. */
  readonly provides?: SecretName;
  /** Values whose change replaces the step (reset, then run again) instead of updating it. */
  readonly replaceOn: readonly string[];
  /** True for steps that must be torn down before their replacement runs (init, join). */
  readonly deleteBeforeReplace: boolean;
  /** True for the SSH gate: dial until the host answers, bounded by the create timeout. */
  readonly waitForSsh: boolean;
  /** Files installed, for review. */
  readonly files: readonly InstalledFile[];
}

/** The whole bring-up: steps in an order where every step comes after those it waits for. */
export interface Plan {
  /** Steps, topologically ordered. */
  readonly steps: readonly PlanStep[];
}
