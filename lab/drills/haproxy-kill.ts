import { Lab } from "../lab";
import { LabError } from "../lib/errors";
import { nowMs, withTimeout } from "../lib/time";
import { vipHolders, watchVipMove } from "../net/vip";
import { Check } from "../report";
import { WAIT } from "../settings";
import { failuresOutside, openDuring, reasons, summarize } from "./analysis";
import { dualMasters } from "./vrrp-races";

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
  let t0 = 0;
  const { loop, value: move } = await lab.withLoop("haproxy-kill", async () => {
    t0 = nowMs();
    haproxy.signal("SIGKILL");
    return watchVipMove(
      lab.topo,
      active.name,
      others.map((o) => o.name),
      WAIT.vipMs,
    );
  });
  await withTimeout(`haproxy on ${active.name} to exit`, haproxy.exited, WAIT.daemonExitMs);
  const fault = lab.keepalivedLog(active).find(/Quorum lost for tracked process/, t0);
  const restartAt = nowMs();
  lab.startHaproxy(active);
  // The port check failed while HAProxy was down: BACKUP counts once it has passed again.
  const backupAt = await lab.settledBackup(active, restartAt, t0);
  const holders = await vipHolders(lab.topo);
  const movedMs = Math.round(move.arrivedAt - t0);
  const races = dualMasters(lab, t0);
  const s = summarize(loop.records);
  // Requests open at the kill, or sent while the VIP still pointed at the LB without HAProxy, may fail.
  const unexplained = failuresOutside(loop.records, t0, move.arrivedAt);
  const inWindow = openDuring(loop.records, t0, move.arrivedAt).length;
  const bound = Math.round(lab.bounds.vipProcessMs);
  return [
    {
      drill: "8 HAProxy killed on the active LB",
      expectation: `SIGKILL to HAProxy on the active LB, keepalived alive: VIP on the peer in < ${bound} ms (keepalived follows the process: FAULT, priority 0, then the peer's skew time at priority ${lab.timers.lowestPriority}, advert_int ${lab.timers.advertIntMs} ms)`,
      measured: `VIP ${active.name} -> ${move.holder} in ${movedMs} ms (keepalived lost the process after ${fault ? `${Math.round(fault.at - t0)} ms` : "UNSEEN"}; ${move.polls} polls)${races.length ? `; two MASTERs at once: ${races.join("; ")}` : ""}`,
      pass: movedMs < bound && fault !== undefined,
      figures: {
        from: active.name,
        to: move.holder,
        vipMovedMs: movedMs,
        processLostMs: fault ? Math.round(fault.at - t0) : null,
        dualMasters: races.length,
      },
    },
    {
      drill: "8 HAProxy killed on the active LB",
      expectation:
        "no failed request but those open at the kill or sent before the VIP reached the peer; restarted, HAProxy's LB comes back BACKUP and the VIP stays (nopreempt)",
      measured: `${s.sent} sent, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, ${unexplained.length} outside the window (open in it: ${inWindow}); slowest ${s.maxLatencyMs} ms; ${active.name} BACKUP ${Math.round(backupAt - restartAt)} ms after HAProxy restarted, VIP on ${holders.join(",")}`,
      pass:
        unexplained.length === 0 && s.skipped === 0 && s.sent > 0 && holders.length === 1 && holders[0] === move.holder,
      figures: {
        sent: s.sent,
        failed: s.failed,
        unexplainedFailures: unexplained.length,
        openInWindow: inWindow,
        maxLatencyMs: s.maxLatencyMs,
        backupAfterRestartMs: Math.round(backupAt - restartAt),
        vipAfterRestart: holders.join(","),
      },
    },
  ];
}
