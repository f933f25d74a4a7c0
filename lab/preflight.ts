import { LabError } from "./lib/errors";
import { hasCommand, runSync } from "./lib/sh";

/** Commands the lab runs. */
export const REQUIRED_COMMANDS = ["ip", "haproxy", "keepalived", "etcd", "etcdctl", "openssl", "useradd", "userdel", "mount"] as const;

/** Throws a {@link LabError} unless the lab can run here (root, tools present). */
export function preflight(): void {
  if (process.getuid?.() !== 0) throw new LabError("the lab needs root (network namespaces, keepalived, /etc/keepalived): run `sudo npm run lab`");
  const missing = REQUIRED_COMMANDS.filter((c) => !hasCommand(c));
  if (missing.length > 0) throw new LabError(`missing commands: ${missing.join(", ")} (Debian: apt-get install iproute2 haproxy keepalived etcd-server etcd-client openssl)`);
}

/** First line of each daemon's version output, for the report. */
export function versions(): Record<string, string> {
  const first = (cmd: string, args: string[]): string => {
    const r = runSync(cmd, args);
    return (r.stdout + r.stderr).trim().split("\n")[0] ?? "";
  };
  return {
    haproxy: first("haproxy", ["-v"]),
    keepalived: first("keepalived", ["--version"]),
    etcd: first("etcd", ["--version"]),
    node: process.version,
    kernel: first("uname", ["-r"]),
  };
}
