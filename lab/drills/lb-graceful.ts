import { Lab } from "../lab";
import { nowMs, withTimeout } from "../lib/time";
import { vipHolders, watchVipMove } from "../net/vip";
import { Check } from "../report";
import { WAIT } from "../settings";
import { failuresOutside, openDuring, reasons, summarize } from "./analysis";
import { dualMasters } from "./vrrp-races";

/**
 * Drill 3: `systemctl stop keepalived` on the active LB (SIGTERM to its process group). keepalived
 * drops the VIP and sends a priority-0 advert; the peer takes over at once. HAProxy on the old LB
 * keeps running. Then keepalived is started again and must stay BACKUP (nopreempt).
 */
export async function gracefulLbStop(lab: Lab): Promise<Check[]> {
  const { active, others } = await lab.activeLb();
  const ka = lab.keepalived.get(active.name);
  if (!ka) throw new Error(`no keepalived on ${active.name}`);
  let t0 = 0;
  const { loop, value: move } = await lab.withLoop("lb-graceful", async () => {
    t0 = nowMs();
    ka.signal("SIGTERM");
    return watchVipMove(
      lab.topo,
      active.name,
      others.map((o) => o.name),
      WAIT.vipMs,
    );
  });
  await withTimeout(`keepalived on ${active.name} to stop`, ka.exited, WAIT.daemonExitMs);
  const backupMs = await lab.restartKeepalived(active);
  const holders = await vipHolders(lab.topo);
  const movedMs = Math.round(move.arrivedAt - t0);
  const races = dualMasters(lab, t0);
  const leftAt = move.leftAt ?? move.arrivedAt;
  const s = summarize(loop.records);
  // Connections open on the old LB when the VIP left it cannot move; nothing else may fail.
  const unexplained = failuresOutside(loop.records, t0, leftAt);
  const open = openDuring(loop.records, t0, leftAt).length;
  return [
    {
      drill: "3 graceful LB stop",
      expectation: `SIGTERM to keepalived on the active LB: VIP on the peer in < ${Math.round(lab.bounds.vipGracefulMs)} ms (priority-0 advert, then the skew time at priority ${lab.timers.lowestPriority}, advert_int ${lab.timers.advertIntMs} ms; see notes)`,
      measured: `VIP ${active.name} -> ${move.holder} in ${movedMs} ms (left ${active.name} after ${Math.round(leftAt - t0)} ms; ${move.polls} polls)${races.length ? `; two MASTERs at once: ${races.join("; ")}` : ""}`,
      pass: movedMs < lab.bounds.vipGracefulMs,
      figures: {
        from: active.name,
        to: move.holder,
        vipMovedMs: movedMs,
        vipLeftMs: Math.round(leftAt - t0),
        dualMasters: races.length,
        restartedAsBackupMs: backupMs,
      },
    },
    {
      drill: "3 graceful LB stop",
      expectation: "0 failed requests, except those open on the old LB at the instant it let the VIP go",
      measured: `${s.sent} sent, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, ${unexplained.length} outside the switch (open then: ${open}); slowest ${s.maxLatencyMs} ms; ${active.name} back as BACKUP in ${backupMs} ms, VIP stays on ${holders.join(",")}`,
      pass:
        unexplained.length === 0 && s.skipped === 0 && s.sent > 0 && holders.length === 1 && holders[0] === move.holder,
      figures: {
        sent: s.sent,
        failed: s.failed,
        unexplainedFailures: unexplained.length,
        openAtSwitch: open,
        maxLatencyMs: s.maxLatencyMs,
        vipAfterRestart: holders.join(","),
      },
    },
  ];
}
