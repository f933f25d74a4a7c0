/**
 * The etcd restore drill (`sudo npm run lab:etcd-restore [-- --report PATH]`): three etcd members
 * with TLS as kubeadm runs them, each in a network namespace; the plan's rendered snapshot script
 * runs against them while a writer goes on, quorum is destroyed (members stopped, data dirs
 * wiped), the rendered restore script brings the cluster back from one snapshot, and every write
 * acknowledged before the snapshot must read back. Prints a table, writes a JSON report, exits
 * non-zero when a check fails. It takes the HA lab's lock and does not start while a lab run
 * holds it; at the end it removes only its own `kha-lab-er-*` namespaces.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { removeNamespaces } from "../lib/cleanup";
import { finishRun, reportPathOf, runGuarded, runMain, startRun } from "../lib/entry-point";
import { LabError } from "../lib/errors";
import { runSync } from "../lib/sh";
import { nowMs } from "../lib/time";
import { Check, LabReport } from "../report";
import { LOCK_FILE } from "../settings";
import { etcdRestoreDrill } from "./drill";
import { createDrillNetwork, drillTopology, memberRoot } from "./members";
import { makeEtcdPki } from "./pki";
import { cannotRunDrill } from "./preflight";
import { DRILL_DIR, DRILL_NS_PREFIX, DRILL_REPORT, LIMITS, MEMBERS } from "./settings";

const REPO = resolve(__dirname, "..", "..");
const say = (line: string): void => console.log(line);

/** Throws when another run has taken the lab lock from this one (a stale-lock takeover). */
function assertLockHeld(): void {
  const owner = Number(readFileSync(LOCK_FILE, "utf8").trim());
  if (owner !== process.pid)
    throw new LabError(`the lab lock now belongs to pid ${owner}: another lab run took over; stopping`);
}

async function main(): Promise<number> {
  const started = nowMs();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { report: { type: "string", default: DRILL_REPORT } },
  });
  const reportPath = reportPathOf(REPO, values.report ?? DRILL_REPORT);
  const why = cannotRunDrill();
  if (why) throw new LabError(why);
  const run = startRun({
    say,
    // Only this drill's `kha-lab-er-*` namespaces: another lab run may own the others by then.
    cleanup: { label: "etcd restore drill", remove: () => removeNamespaces(DRILL_NS_PREFIX), announceSignals: false },
    watchdogMs: LIMITS.watchdogMs,
    watchdogLine: `etcd restore drill: still running after ${LIMITS.watchdogMs / 1000} s, aborting`,
  });

  const checks: Check[] = [];
  const logDir = join(DRILL_DIR, "logs");
  await runGuarded(run, checks, "setup and the drill run to the end", async () => {
    rmSync(DRILL_DIR, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    const topology = drillTopology();
    makeEtcdPki(join(DRILL_DIR, "members"), topology.members);
    for (const m of topology.members) mkdirSync(memberRoot(DRILL_DIR, m.name), { recursive: true, mode: 0o700 });
    createDrillNetwork(topology);
    assertLockHeld();
    checks.push(...(await etcdRestoreDrill(topology, { dir: DRILL_DIR, logDir })));
    assertLockHeld();
  });
  const etcdVersion = runSync("etcd", ["--version"]).stdout.split("\n")[0] ?? "";
  const report: LabReport = {
    schema: "kubeadm-ha-lab/2",
    startedAt: new Date(performance.timeOrigin).toISOString(),
    durationMs: Math.round(nowMs() - started),
    controlPlanes: MEMBERS,
    pass: checks.length > 0 && checks.every((c) => c.pass),
    checks,
    versions: { etcd: etcdVersion, node: process.version },
    logDir,
    notes: [
      "etcd 3.4 from Debian (etcd-server) with kubeadm's command line and a kubeadm-like PKI made with openssl; no kubelet, so the drill stops and starts the etcd processes where the restore script's stop and start-etcd move static-pod manifests",
      "the rendered scripts run unchanged, as root, in each member's network namespace and a private mount namespace whose /etc/kubernetes, /var/lib/etcd, /var/lib/kubeadm-ha and /usr/local/lib/kubeadm-ha are the member's folders",
      "Debian's etcdctl 3.4 sits where the snapshot script keeps the etcdctl it copies out of the etcd container on a host (no container runtime here); etcd 3.4 has no etcdutl, so the scripts use etcdctl's snapshot status and restore",
    ],
  };
  return finishRun(reportPath, report, say);
}

runMain("etcd restore drill", main);
