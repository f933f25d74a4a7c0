import { searchable } from "./template";

/**
 * The exact `create`/`delete` text a step sends over SSH: the script runs as root through
 * `sudo -n bash -c`, with the script as bash's argument so the command's stdin (the secrets)
 * still reaches it. The script holds no secret, so this argument may be seen in `ps`.
 */
export function sudoWrap(script: string, stepId: string): string {
  const delimiter = "KUBEADM_HA_SCRIPT";
  const probe = searchable(script);
  if (probe.includes(`\n${delimiter}\n`)) throw new Error(`step ${stepId}: script contains the heredoc delimiter`);
  return `sudo -n bash -c "$(cat <<'${delimiter}'\n${script}${probe.endsWith("\n") ? "" : "\n"}${delimiter}\n)" ${stepId}\n`;
}
