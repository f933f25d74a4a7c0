import { SECRETS } from "../placeholders";
import { InstalledFile } from "../plan-step";

/** Template variables of the kubeadm scripts that name the placeholders they fill from stdin. */
export const PLACEHOLDER_VARS = {
  TOKEN_PLACEHOLDER: SECRETS.bootstrapToken.placeholder,
  CERT_KEY_PLACEHOLDER: SECRETS.certificateKey.placeholder,
  CA_HASH_PLACEHOLDER: SECRETS.caCertHash.placeholder,
} as const;

/**
 * A kubeadm config as the review lists it. On the host it exists only while kubeadm runs: the
 * script fills in the secrets and writes it with `mktemp` (`config.XXXXXX`), so the name here is
 * the one a reader understands, and the note says how it really lives.
 */
export function kubeadmConfigFile(kind: "init" | "join", content: string): InstalledFile {
  return {
    path: `/etc/kubernetes/kubeadm-ha/kubeadm-${kind}.yaml`,
    content,
    mode: "0600",
    note: "written as a temporary file (config.XXXXXX), removed after use",
  };
}
