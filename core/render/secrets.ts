import { SecretName } from "../plan/steps";
import { AUTH_PASS_PLACEHOLDER } from "../plan/keepalived";
import { PLACEHOLDERS } from "../plan/kubeadm";

/** A secret as the render shows it: a named placeholder and where its value comes from. */
export interface SecretInfo {
  /** The placeholder that stands for the value in configs and in PLAN.md. */
  readonly placeholder: string;
  /** Where the value is made (never the value). */
  readonly source: string;
}

/** Every secret a step may read on stdin, by name. */
export const SECRETS: Readonly<Record<SecretName, SecretInfo>> = {
  bootstrapToken: { placeholder: PLACEHOLDERS.bootstrapToken, source: "`random.RandomPassword` 6 + 16 characters `[a-z0-9]`, kept encrypted in the stack state" },
  certificateKey: { placeholder: PLACEHOLDERS.certificateKey, source: "`random.RandomBytes` 32 bytes as 64 hex characters, kept encrypted in the stack state" },
  caCertHash: { placeholder: PLACEHOLDERS.caCertHash, source: "secret stdout of the step that reads the CA public-key pin" },
  keepalivedAuthPass: { placeholder: AUTH_PASS_PLACEHOLDER, source: "`random.RandomPassword` 8 characters (keepalived truncates longer ones), kept encrypted in the stack state" },
};

/** Every placeholder the render may contain, for leak checks. */
export const ALL_PLACEHOLDERS: readonly string[] = Object.values(SECRETS).map((s) => s.placeholder);
