import { SecretName } from "./placeholders";

/** Phase vocabulary (after kubespray's), in bring-up order: what a step does. */
export const PHASES = [
  "wait-ssh",
  "prepare-node",
  "aws-vip-mover",
  "load-balancer",
  "wait-vip",
  "kubeadm-init",
  "ca-cert-hash",
  "admin-kubeconfig",
  "cni",
  "join-token",
  "join-material",
  "kubeadm-join",
  "verify",
  "cert-renewal",
  "etcd-snapshot",
  // Removal only: steps that run nothing on create, their delete script when a node leaves.
  "drain-node",
  "delete-node",
  // Upgrade only: steps that run nothing on create, their update script when kubernetesVersion changes.
  "upgrade-apply",
  "upgrade-node",
  // etcdHosts only (after the others, so their rendered file numbers stay): the etcd CA, each
  // member, the api-server's client certificate, its files on each control plane.
  "etcd-ca",
  "etcd-member",
  "etcd-client-cert",
  "etcd-client",
  "etcd-endpoints",
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

/**
 * Where a step belongs: `host` steps are about one host and named `<host>-<phase>`; `stack` steps
 * exist once per stack (init, CA pin, kubeconfig, CNI, token, verify), are named `<phase>` and run
 * on the admin host, so which host that is (a stable rule: the first control plane) moves only
 * their connection.
 */
export type StepScope = "host" | "stack";

/** One remote command of the bring-up, with everything the Pulumi layer needs to create it. */
export interface PlanStep {
  /** Stable resource name: `<host>-<phase>`, or `<phase>` for a stack step; never a list index. */
  readonly id: string;
  /** Name of the host the step is about (a stack step: the admin host it runs on); with `phase` it names the step. */
  readonly host: string;
  /** Name of the host whose SSH connection runs it (the admin host, or another control plane, for token, drain and forget steps). */
  readonly runsOn: string;
  /** One per host, or one per stack. */
  readonly scope: StepScope;
  /** What it does. */
  readonly phase: Phase;
  /** One line for PLAN.md. */
  readonly description: string;
  /**
   * Script run on create and on update (no secrets inside). Absent for removal steps (drain,
   * forget): they run nothing and open no SSH session until they are deleted.
   */
  readonly script?: string;
  /**
   * Script run when the step's inputs change after it was created, instead of `script` (upgrade
   * steps, which have no `script`: they run nothing on create, then this on a version bump). Every
   * such script is a guarded no-op when there is nothing to do: any input change runs it.
   */
  readonly updateScript?: string;
  /** Script run when the step is deleted (node removal, or before a replacement), if any. */
  readonly deleteScript?: string;
  /** Secrets fed on stdin, in order: what the script's `# stdin:` line declares. */
  readonly stdin: readonly SecretName[];
  /**
   * Plain (non-secret) data fed on stdin after the secrets, e.g. verify's expected node names, one
   * a line: long lists never go into the command, whose one argument may not exceed 128 KiB.
   */
  readonly stdinData?: string;
  /** Steps that must finish first (and, on removal, be deleted after this one). */
  readonly after: readonly string[];
  /** The step's stdout is a secret (kept out of logs and state in clear). */
  readonly secretStdout: boolean;
  /** The secret this step's stdout provides to later steps. */
  readonly provides?: SecretName;
  /** Values whose change replaces the step (its delete script, then create) instead of updating it. */
  readonly replaceOn: readonly string[];
  /** True for steps that must be torn down before their replacement runs (a node's join). */
  readonly deleteBeforeReplace: boolean;
  /**
   * True for the step that must never be deleted or replaced (kubeadm init): Pulumi refuses with
   * a message (`protect`), and its create runs again, guarded, on any update.
   */
  readonly protect: boolean;
  /** True for the SSH gate: dial until the host answers, bounded by the create timeout. */
  readonly waitForSsh: boolean;
  /**
   * SSH dial attempts before the step fails, where the default (10) is too patient: a node's own
   * join, whose delete must give up on a host that is gone for good (README: Day two).
   */
  readonly dialAttempts?: number;
  /**
   * Names this step had in earlier versions of the program (Pulumi aliases), so that upgrading
   * keeps its state instead of deleting the old resource, whose delete script would reset a node.
   */
  readonly formerIds: readonly string[];
  /** Files installed, for review. */
  readonly files: readonly InstalledFile[];
}

/** The whole bring-up: steps in an order where every step comes after those it waits for. */
export interface Plan {
  /** Steps, topologically ordered. */
  readonly steps: readonly PlanStep[];
}

/**
 * Whether the program reads the step's stdout: a secret it provides or prints (the CA hash, the
 * admin kubeconfig, the etcd bundles) or the verify report. Only those commands declare the
 * output, which the SDK otherwise holds for every command.
 */
export function stdoutIsRead(step: PlanStep): boolean {
  return step.secretStdout || step.provides !== undefined || step.phase === "verify";
}
