import { makeFollower } from "../etcd-admin";
import { boot, powerLoss } from "../host-power";
import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { vipHolders, watchVipMove } from "../net/vip";
import { Check } from "../report";
import { WAIT } from "../settings";
import { failuresOutside, openDuring, reasons, summarize } from "./analysis";
import { dualMasters } from "./vrrp-races";

/**
 * Drill 4: the active LB dies: its cable is pulled and every process on it (HAProxy, keepalived,
 * check scripts) is SIGKILLed at the same instant. The peer takes the VIP when the adverts stop
 * (3 x advert_int + skew). The dead LB is then "rebooted" (VIP address gone, cable back, daemons
 * started) and must come back as BACKUP. Colocated, the active LB is a control plane: it is made
 * an etcd follower first (this drill is about the VIP; drill 2 kills a VIP holder that leads etcd),
 * its etcd member and stand-in die with it and boot with it.
 */
export async function hardLbFailure(lab: Lab): Promise<Check[]> {
  const { active, others } = await lab.activeLb();
  const cps = lab.topo.cps;
  const cp = cps.includes(active);
  if (cp) await makeFollower(lab, active, cps.find((c) => c !== active) ?? active, cps);
  let t0 = 0;
  let dead = 0;
  let killed = 0;
  const { loop, value: move } = await lab.withLoop("lb-hard", async () => {
    t0 = nowMs();
    const off = await powerLoss(lab, active);
    killed = off.processes;
    dead = off.goneAt;
    return watchVipMove(
      lab.topo,
      active.name,
      others.map((o) => o.name),
      WAIT.vipMs,
    );
  });
  // Reboot: the VIP a SIGKILLed keepalived left on eth0 is gone, the cable back, the daemons started.
  const rebootAt = nowMs();
  await boot(lab, active);
  const backupAt = await lab.settledBackup(active, rebootAt);
  // Colocated: its member and stand-in ready again before the next drill.
  if (cp) await lab.waitReady([active], WAIT.readyMs);
  const holders = await vipHolders(lab.topo);
  const movedMs = Math.round(move.arrivedAt - t0);
  const races = dualMasters(lab, t0);
  const s = summarize(loop.records);
  // Only connections open on the LB at the instant it died may fail; later requests wait for the VIP.
  const unexplained = failuresOutside(loop.records, t0, dead);
  const open = openDuring(loop.records, t0, dead).length;
  return [
    {
      drill: "4 hard LB failure",
      expectation: `cable pulled + SIGKILL of everything on the active LB: VIP on the peer in < ${Math.round(lab.bounds.vipHardMs)} ms (3 x advert_int ${lab.timers.advertIntMs} ms + skew; see notes)`,
      measured: `VIP ${active.name} -> ${move.holder} in ${movedMs} ms (${killed} processes killed)${races.length ? `; two MASTERs at once: ${races.join("; ")}` : ""}`,
      pass: movedMs < lab.bounds.vipHardMs,
      figures: {
        from: active.name,
        to: move.holder,
        vipMovedMs: movedMs,
        processesKilled: killed,
        dualMasters: races.length,
      },
    },
    {
      drill: "4 hard LB failure",
      expectation:
        "0 failed requests, except those open on the dead LB at the instant it died; requests sent meanwhile wait (SYN retransmit) and succeed",
      measured: `${s.sent} sent, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, ${unexplained.length} outside the failure (open then: ${open}; cable + kill took ${Math.round(dead - t0)} ms); slowest ${s.maxLatencyMs} ms; rebooted ${active.name} BACKUP in ${Math.round(backupAt - rebootAt)} ms, VIP stays on ${holders.join(",")}`,
      pass:
        unexplained.length === 0 && s.skipped === 0 && s.sent > 0 && holders.length === 1 && holders[0] === move.holder,
      figures: {
        sent: s.sent,
        failed: s.failed,
        unexplainedFailures: unexplained.length,
        openAtFailure: open,
        maxLatencyMs: s.maxLatencyMs,
        vipAfterReboot: holders.join(","),
      },
    },
  ];
}
