import { LabError } from "./lib/errors";
import { aptInstall, packageInstalled, stopUnit } from "./lib/packages";
import { hasCommand, runSync } from "./lib/sh";

/** Commands the lab runs. */
export const REQUIRED_COMMANDS = [
  "ip",
  "ss",
  "haproxy",
  "keepalived",
  "etcd",
  "etcdctl",
  "openssl",
  "useradd",
  "userdel",
  "mount",
  "unshare",
  "nsenter",
] as const;

/** Debian packages that provide {@link REQUIRED_COMMANDS}. */
export const LAB_PACKAGES = [
  "iproute2",
  "haproxy",
  "keepalived",
  "etcd-server",
  "etcd-client",
  "openssl",
  "passwd",
  "mount",
  "util-linux",
] as const;

/** The service each daemon package brings, by package. */
const PACKAGE_UNITS: Readonly<Record<string, string>> = {
  haproxy: "haproxy",
  keepalived: "keepalived",
  "etcd-server": "etcd",
};

/**
 * Throws a {@link LabError} unless the lab can run here. As root on Debian, missing packages are
 * installed first (bounded: 10 minutes) with a policy-rc.d that keeps their daemons from starting
 * on the host; should one run anyway, it is stopped through the service manager. Only units of
 * packages this run installed are touched: the lab never stops what it did not bring.
 */
export function preflight(): void {
  if (process.getuid?.() !== 0)
    throw new LabError("the lab needs root (network namespaces, keepalived, /etc/keepalived): run `sudo npm run lab`");
  let missing = REQUIRED_COMMANDS.filter((c) => !hasCommand(c));
  if (missing.length > 0 && hasCommand("apt-get")) {
    const added = LAB_PACKAGES.filter((p) => !packageInstalled(p));
    process.stdout.write(`lab: installing ${added.join(" ") || "nothing new"} (missing: ${missing.join(", ")})\n`);
    if (added.length > 0) aptInstall(added);
    for (const pkg of added) {
      const unit = PACKAGE_UNITS[pkg];
      const did = unit ? stopUnit(unit) : undefined;
      if (did) process.stdout.write(`lab: ${did}\n`);
    }
    missing = REQUIRED_COMMANDS.filter((c) => !hasCommand(c));
  }
  if (missing.length > 0)
    throw new LabError(`missing commands: ${missing.join(", ")} (Debian: apt-get install ${LAB_PACKAGES.join(" ")})`);
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
