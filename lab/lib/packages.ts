import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { LabError } from "./errors";
import { mustRun, runSync } from "./sh";

/**
 * Debian's hook that maintainer scripts ask before they start a service: exit 101 means "action
 * forbidden", so `apt-get install` leaves the packaged daemons stopped.
 */
export const POLICY_RC_D = "/usr/sbin/policy-rc.d";
/** Where a policy-rc.d that was there before is kept while the lab's is in place. */
const SAVED = `${POLICY_RC_D}.kubeadm-ha-lab-saved`;
/** Marks the lab's own policy-rc.d, so a later run can tell it from one it must not touch. */
const MARK = "# kubeadm-ha lab: no service starts during apt-get install";

/** Puts the previous policy-rc.d back (or none): also undoes a killed run's. Returns what it did. */
export function restorePolicyRcD(): string | undefined {
  let did: string | undefined;
  if (existsSync(POLICY_RC_D) && readFileSync(POLICY_RC_D, "utf8").includes(MARK)) {
    rmSync(POLICY_RC_D);
    did = `removed the lab's ${POLICY_RC_D}`;
  }
  if (existsSync(SAVED) && !existsSync(POLICY_RC_D)) {
    renameSync(SAVED, POLICY_RC_D);
    did = `restored ${POLICY_RC_D}`;
  }
  return did;
}

/**
 * Runs `fn` (an `apt-get install`) with a policy-rc.d that forbids starting services, then puts
 * the previous one back, also when `fn` throws. Leftovers of a killed run are undone first.
 */
export function withServicesHeld<T>(fn: () => T): T {
  restorePolicyRcD();
  // A saved copy beside someone else's policy-rc.d: keep both untouched rather than lose one.
  if (existsSync(SAVED)) throw new LabError(`${SAVED} exists beside ${POLICY_RC_D}: restore one of them by hand`);
  if (existsSync(POLICY_RC_D)) renameSync(POLICY_RC_D, SAVED);
  try {
    writeFileSync(POLICY_RC_D, `#!/bin/sh\n${MARK}\nexit 101\n`, { mode: 0o755 });
    chmodSync(POLICY_RC_D, 0o755);
    return fn();
  } finally {
    restorePolicyRcD();
  }
}

/** True when systemd manages services here (its runtime folder exists), as `sd_booted()` decides. */
export function systemdRuns(): boolean {
  return existsSync("/run/systemd/system");
}

/**
 * Stops `unit` if it runs, through the service manager: `systemctl` under systemd, the init
 * script through `service` otherwise. Never by process name. Returns what it did, if anything.
 */
export function stopUnit(unit: string): string | undefined {
  if (systemdRuns()) {
    if (runSync("systemctl", ["is-active", "--quiet", unit]).code !== 0) return undefined;
    const r = runSync("systemctl", ["stop", unit], { timeoutMs: 60_000 });
    return r.code === 0 ? `systemctl stop ${unit}` : `systemctl stop ${unit} failed: ${r.stderr.trim()}`;
  }
  if (!existsSync(`/etc/init.d/${unit}`) || runSync("service", [unit, "status"]).code !== 0) return undefined;
  const r = runSync("service", [unit, "stop"], { timeoutMs: 60_000 });
  return r.code === 0 ? `service ${unit} stop` : `service ${unit} stop failed: ${r.stderr.trim()}`;
}

/** True when dpkg has `pkg` installed. */
export function packageInstalled(pkg: string): boolean {
  return runSync("dpkg-query", ["-W", "-f=${Status}", pkg]).stdout.includes("install ok installed");
}

/** `apt-get update` and `apt-get install` of `packages` (bounded: 5 and 10 minutes) with services held. */
export function aptInstall(packages: readonly string[]): void {
  withServicesHeld(() => {
    mustRun("apt-get", ["update", "-qq"], { timeoutMs: 300_000 });
    mustRun("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
      timeoutMs: 600_000,
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
  });
}
