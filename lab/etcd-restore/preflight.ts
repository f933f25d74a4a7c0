import { hasCommand } from "../lib/sh";

/** Commands the drill runs (Debian: etcd-server etcd-client openssl iproute2 util-linux mount coreutils). */
export const DRILL_COMMANDS = ["ip", "ss", "etcd", "etcdctl", "openssl", "unshare", "mount", "sha256sum"] as const;

/** Why the drill cannot run here, or undefined when it can. */
export function cannotRunDrill(): string | undefined {
  if (process.getuid?.() !== 0)
    return "the etcd restore drill needs root (network and mount namespaces): run `sudo npm run lab:etcd-restore`";
  const missing = DRILL_COMMANDS.filter((c) => !hasCommand(c));
  if (missing.length > 0)
    return `the etcd restore drill needs ${missing.join(", ")} (apt-get install etcd-server etcd-client openssl iproute2 util-linux mount)`;
  return undefined;
}
