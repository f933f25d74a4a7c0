import { LabError } from "./lib/errors";
import { hasCommand, mustRun, runSync } from "./lib/sh";

/** Commands the lab runs. */
export const REQUIRED_COMMANDS = ["ip", "haproxy", "keepalived", "etcd", "etcdctl", "openssl", "useradd", "userdel", "mount"] as const;

/** Debian packages that provide {@link REQUIRED_COMMANDS}. */
export const LAB_PACKAGES = ["iproute2", "haproxy", "keepalived", "etcd-server", "etcd-client", "openssl", "passwd", "mount"] as const;

/**
 * Throws a {@link LabError} unless the lab can run here. As root on Debian, missing packages are
 * installed first (bounded: 10 minutes), and the daemons the packages start on the host are
 * stopped: the lab runs its own copies inside its namespaces.
 */
export function preflight(): void {
  if (process.getuid?.() !== 0) throw new LabError("the lab needs root (network namespaces, keepalived, /etc/keepalived): run `sudo npm run lab`");
  let missing = REQUIRED_COMMANDS.filter((c) => !hasCommand(c));
  if (missing.length > 0 && hasCommand("apt-get")) {
    process.stdout.write(`lab: installing ${LAB_PACKAGES.join(" ")} (missing: ${missing.join(", ")})\n`);
    mustRun("apt-get", ["update", "-qq"], { timeoutMs: 300_000 });
    mustRun("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...LAB_PACKAGES], { timeoutMs: 600_000, env: { DEBIAN_FRONTEND: "noninteractive" } });
    for (const unit of ["haproxy", "keepalived", "etcd"]) runSync("systemctl", ["stop", unit]);
    missing = REQUIRED_COMMANDS.filter((c) => !hasCommand(c));
  }
  if (missing.length > 0) throw new LabError(`missing commands: ${missing.join(", ")} (Debian: apt-get install ${LAB_PACKAGES.join(" ")})`);
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
