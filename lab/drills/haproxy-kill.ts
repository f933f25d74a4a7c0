import { Lab } from "../lab";
import { LabError } from "../lib/errors";
import { nowMs, withTimeout } from "../lib/time";
import { Check } from "../report";
import { WAIT } from "../settings";
import { lbFailover } from "./lb-failover";

/**
 * Drill 8: HAProxy dies on the active LB (SIGKILL to its process group: an OOM kill or a crash)
 * while keepalived lives on. keepalived follows the HAProxy process (`vrrp_track_process`, the
 * kernel's process events): it enters FAULT at once and sends a priority-0 advert, so the peer
 * takes the VIP after its skew time. Only requests open at the kill or sent before the VIP
 * arrived on the peer may fail (nothing listens on the old LB meanwhile). HAProxy is then started
 * again; keepalived must leave FAULT for BACKUP and the VIP stay on the peer (nopreempt).
 */
export async function haproxyKilled(lab: Lab): Promise<Check[]> {
  const { active, others } = await lab.activeLb();
  const haproxy = lab.haproxy.get(active.name);
  if (!haproxy) throw new LabError(`no haproxy on ${active.name}`);
  const bound = Math.round(lab.bounds.vipProcessMs);
  return lbFailover(lab, {
    drill: "8 HAProxy killed on the active LB",
    loop: "haproxy-kill",
    active,
    others,
    boundMs: bound,
    fault: () => haproxy.signal("SIGKILL"),
    recover: async (t0) => {
      await withTimeout(`haproxy on ${active.name} to exit`, haproxy.exited, WAIT.daemonExitMs);
      const lost = lab.keepalivedLog(active).find(/Quorum lost for tracked process/, t0);
      const restartAt = nowMs();
      lab.startHaproxy(active);
      // The port check failed while HAProxy was down: BACKUP counts once it has passed again.
      const backupAt = await lab.settledBackup(active, restartAt, t0);
      return { lostMs: lost ? Math.round(lost.at - t0) : null, backupMs: Math.round(backupAt - restartAt) };
    },
    // Requests open at the kill, or sent while the VIP still pointed at the LB without HAProxy, may fail.
    windowEnd: (move) => move.arrivedAt,
    rows: ({ move, back, holders }) => ({
      vip: {
        expectation: `SIGKILL to HAProxy on the active LB, keepalived alive: VIP on the peer in < ${bound} ms (keepalived follows the process: FAULT, priority 0, then the peer's skew time at priority ${lab.timers.lowestPriority}, advert_int ${lab.timers.advertIntMs} ms)`,
        detail: `keepalived lost the process after ${back.lostMs !== null ? `${back.lostMs} ms` : "UNSEEN"}; ${move.polls} polls`,
        pass: back.lostMs !== null,
        figures: { processLostMs: back.lostMs },
      },
      requests: {
        expectation:
          "no failed request but those open at the kill or sent before the VIP reached the peer; restarted, HAProxy's LB comes back BACKUP and the VIP stays (nopreempt)",
        window: (open) => `the window (open in it: ${open})`,
        back: `${active.name} BACKUP ${back.backupMs} ms after HAProxy restarted, VIP on ${holders.join(",")}`,
        openFigure: "openInWindow",
        figures: { backupAfterRestartMs: back.backupMs, vipAfterRestart: holders.join(",") },
      },
    }),
  });
}
