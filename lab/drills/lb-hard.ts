import { makeFollower } from "../etcd-admin";
import { boot, powerLoss } from "../host-power";
import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { Check } from "../report";
import { WAIT } from "../settings";
import { lbFailover } from "./lb-failover";

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
  return lbFailover(lab, {
    drill: "4 hard LB failure",
    loop: "lb-hard",
    active,
    others,
    boundMs: lab.bounds.vipHardMs,
    fault: () => powerLoss(lab, active),
    recover: async () => {
      // Reboot: the VIP a SIGKILLed keepalived left on eth0 is gone, the cable back, the daemons started.
      const rebootAt = nowMs();
      await boot(lab, active);
      const backupAt = await lab.settledBackup(active, rebootAt);
      // Colocated: its member and stand-in ready again before the next drill.
      if (cp) await lab.waitReady([active], WAIT.readyMs);
      return Math.round(backupAt - rebootAt);
    },
    // Only connections open on the LB at the instant it died may fail; later requests wait for the VIP.
    windowEnd: (_move, off) => off.goneAt,
    rows: ({ t0, fault: off, back: backupMs, holders }) => ({
      vip: {
        expectation: `cable pulled + SIGKILL of everything on the active LB: VIP on the peer in < ${Math.round(lab.bounds.vipHardMs)} ms (3 x advert_int ${lab.timers.advertIntMs} ms + skew; see notes)`,
        detail: `${off.processes} processes killed`,
        figures: { processesKilled: off.processes },
      },
      requests: {
        expectation:
          "0 failed requests, except those open on the dead LB at the instant it died; requests sent meanwhile wait (SYN retransmit) and succeed",
        window: (open) => `the failure (open then: ${open}; cable + kill took ${Math.round(off.goneAt - t0)} ms)`,
        back: `rebooted ${active.name} BACKUP in ${backupMs} ms, VIP stays on ${holders.join(",")}`,
        openFigure: "openAtFailure",
        figures: { vipAfterReboot: holders.join(",") },
      },
    }),
  });
}
