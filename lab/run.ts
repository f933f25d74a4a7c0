/**
 * The local HA lab (`sudo npm run lab [-- --control-planes 5] [--lb colocated]`): builds the cluster's load-balancer pair
 * and control planes in network namespaces, runs the failure drills, prints a table, writes the
 * JSON report and exits non-zero when a drill misses its bound. See lab/LAB.md.
 */
import { join, resolve } from "node:path";
import { parseLabArgs } from "./args";
import { cpHardKill } from "./drills/cp-kill";
import { gracefulLbStop } from "./drills/lb-graceful";
import { hardLbFailure } from "./drills/lb-hard";
import { quorumLoss } from "./drills/quorum";
import { recovery } from "./drills/recovery";
import { blackholedControlPlane } from "./drills/cp-blackhole";
import { haproxyKilled } from "./drills/haproxy-kill";
import { killVictim } from "./drills/victims";
import { controlPlaneRemoval } from "./drills/cp-removal";
import { externalEtcdDrills, LAB_ETCD_HOSTS } from "./etcd-external/run-drills";
import { finishIdle, openIdle, steadyState, vrrpQuiet } from "./drills/steady-idle";
import { quorumOf } from "../core/config/types";
import { Lab } from "./lab";
import { finishRun, reportPathOf, runGuarded, runMain, startRun } from "./lib/entry-point";
import { nowMs } from "./lib/time";
import { LabHost } from "./net/topology";
import { preflight, versions } from "./preflight";
import { Check, LabReport } from "./report";
import { setUp } from "./setup";
import { WAIT, WORK_DIR } from "./settings";

const REPO = resolve(__dirname, "..");
const say = (line: string): void => console.log(line);

/** Drills in order: the quiet ones, LB drills while every control plane is up, then control-plane losses. */
async function drills(lab: Lab, checks: Check[], removalGap = false): Promise<void> {
  const step = async (name: string, run: () => Promise<Check[]>): Promise<void> => {
    const t = nowMs();
    const rows = await run();
    checks.push(...rows);
    say(`${rows.every((r) => r.pass) ? "ok  " : "FAIL"} ${name} (${((nowMs() - t) / 1000).toFixed(1)} s)`);
  };
  // The idle connection idles through the steady loop and the black-holed control plane (not its own).
  const quietSince = nowMs();
  const idle = await openIdle(lab);
  await step("steady state", () => steadyState(lab));
  let cutOff: string[] = [];
  await step("control plane black-holed", async () => {
    const rows = await blackholedControlPlane(lab, idle.first.standin ? [idle.first.standin] : []);
    cutOff = rows.map((r) => String(r.figures.victim ?? "")).filter((v) => v !== "");
    return rows;
  });
  // Colocated, the black-holed control plane's keepalived saw its link go down (FAULT): not a false failover.
  await step("no VRRP change while no LB failed", () => vrrpQuiet(lab, quietSince, cutOff));
  await step("idle connection", () => finishIdle(lab, idle));
  await step("graceful LB stop", () => gracefulLbStop(lab));
  await step("HAProxy killed on the active LB", () => haproxyKilled(lab));
  await step("hard LB failure", () => hardLbFailure(lab));
  const down: LabHost[] = [];
  const tolerated = quorumOf(lab.topo.cps.length).toleratedFailures;
  // The first kill hits the etcd leader (worst case); with 5 members the second hits a follower.
  // Colocated, each kill hits the VIP holder (drills/victims.ts).
  for (let i = 0; i < tolerated; i++) {
    const victim = await killVictim(lab, down);
    const role = i === 0 ? "leader" : "follower";
    await step(`hard kill of ${victim.name} (etcd ${role})`, () => cpHardKill(lab, victim, down, role));
    down.push(victim);
  }
  let allDown: LabHost[] = down;
  await step("quorum loss", async () => {
    const r = await quorumLoss(lab, down);
    allDown = r.down;
    return r.checks;
  });
  await step("recovery", () => recovery(lab, allDown));
  // --removal-gap (colocated): two control planes leave, their steps deleted last (drills/cp-removal.ts).
  if (removalGap) await step("control planes removed", () => controlPlaneRemoval(lab));
}

async function main(): Promise<number> {
  const started = nowMs();
  const args = parseLabArgs(process.argv.slice(2));
  const reportPath = reportPathOf(REPO, args.report);
  preflight();
  const run = startRun({
    say,
    watchdogMs: WAIT.watchdogMs,
    watchdogLine: `lab: watchdog: still running after ${WAIT.watchdogMs / 1000} s, aborting`,
  });

  const checks: Check[] = [];
  const notes: string[] = [
    "kube-apiserver is played by lab/apiserver-standin.ts (TLS, /readyz tied to its etcd member, etcd-backed /kv); etcd, HAProxy and keepalived are the real Debian daemons running the rendered configs",
  ];
  await runGuarded(run, checks, "setup and every drill run to the end", async () => {
    const external = args.etcd === "external";
    const {
      lab,
      checks: setupChecks,
      notes: setupNotes,
    } = await setUp(args.controlPlanes, REPO, say, args.lb, external ? LAB_ETCD_HOSTS : 0);
    checks.push(...setupChecks);
    notes.push(...setupNotes);
    if (external) {
      notes.push(
        `--etcd external: ${LAB_ETCD_HOSTS} etcd hosts (etcdHosts) with kubeadm's TLS layout; the stand-ins reach every endpoint with the api-server's etcd client certificate`,
      );
      await externalEtcdDrills(lab, checks, say);
    } else await drills(lab, checks, args.removalGap);
    await lab.agent.stop();
  });
  const report: LabReport = {
    schema: "kubeadm-ha-lab/2",
    startedAt: new Date(performance.timeOrigin).toISOString(),
    durationMs: Math.round(nowMs() - started),
    controlPlanes: args.controlPlanes,
    loadBalancers: args.lb,
    pass: checks.length > 0 && checks.every((c) => c.pass),
    checks,
    versions: versions(),
    logDir: join(WORK_DIR, "logs"),
    notes,
  };
  return finishRun(reportPath, report, say);
}

runMain("lab", main);
