import { Lab } from "../lab";
import { withTimeout } from "../lib/time";
import { Check } from "../report";
import { WAIT } from "../settings";
import { lbFailover } from "./lb-failover";

/**
 * Drill 3: `systemctl stop keepalived` on the active LB (SIGTERM to its process group). keepalived
 * drops the VIP and sends a priority-0 advert; the peer takes over at once. HAProxy on the old LB
 * keeps running. Then keepalived is started again and must stay BACKUP (nopreempt).
 */
export async function gracefulLbStop(lab: Lab): Promise<Check[]> {
  const { active, others } = await lab.activeLb();
  const ka = lab.keepalived.get(active.name);
  if (!ka) throw new Error(`no keepalived on ${active.name}`);
  return lbFailover(lab, {
    drill: "3 graceful LB stop",
    loop: "lb-graceful",
    active,
    others,
    boundMs: lab.bounds.vipGracefulMs,
    fault: () => ka.signal("SIGTERM"),
    recover: async () => {
      await withTimeout(`keepalived on ${active.name} to stop`, ka.exited, WAIT.daemonExitMs);
      return lab.restartKeepalived(active);
    },
    // Connections open on the old LB when the VIP left it cannot move; nothing else may fail.
    windowEnd: (move) => move.leftAt ?? move.arrivedAt,
    rows: ({ t0, move, back: backupMs, holders }) => {
      const leftMs = Math.round((move.leftAt ?? move.arrivedAt) - t0);
      return {
        vip: {
          expectation: `SIGTERM to keepalived on the active LB: VIP on the peer in < ${Math.round(lab.bounds.vipGracefulMs)} ms (priority-0 advert, then the skew time at priority ${lab.timers.lowestPriority}, advert_int ${lab.timers.advertIntMs} ms; see notes)`,
          detail: `left ${active.name} after ${leftMs} ms; ${move.polls} polls`,
          figures: { vipLeftMs: leftMs },
          figuresAfter: { restartedAsBackupMs: backupMs },
        },
        requests: {
          expectation: "0 failed requests, except those open on the old LB at the instant it let the VIP go",
          window: (open) => `the switch (open then: ${open})`,
          back: `${active.name} back as BACKUP in ${backupMs} ms, VIP stays on ${holders.join(",")}`,
          openFigure: "openAtSwitch",
          figures: { vipAfterRestart: holders.join(",") },
        },
      };
    },
  });
}
