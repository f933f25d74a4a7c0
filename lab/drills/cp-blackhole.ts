import { etcdLeader, makeFollower } from "../etcd-admin";
import { Lab } from "../lab";
import { LabError } from "../lib/errors";
import { nowMs, sleep } from "../lib/time";
import { setHostLink } from "../net/netns";
import { LabHost } from "../net/topology";
import { Check } from "../report";
import { DRILL, WAIT } from "../settings";
import { failuresOutside, offsets, openDuring, reasons, summarize } from "./analysis";

/**
 * The control plane to black-hole: an etcd follower (the drill is about the load balancers) not in
 * `spare` (colocated, `spare` also holds the VIP holder: this drill takes out a backend, not the VIP).
 * When the only one left leads etcd (colocated with 3: the VIP holder and the idle connection's
 * server are spared), the leadership moves to another member first.
 */
async function victimOf(lab: Lab, spare: readonly string[]): Promise<LabHost> {
  const leader = await etcdLeader(lab, lab.topo.cps);
  if (!leader) throw new LabError("no etcd member reports itself leader");
  const candidates = lab.topo.cps.filter((c) => !spare.includes(c.name));
  const victim = candidates.find((c) => c !== leader) ?? candidates[0];
  if (!victim) throw new LabError(`no control plane to black-hole besides ${spare.join(", ")}`);
  if (victim === leader)
    await makeFollower(lab, victim, lab.topo.cps.find((c) => c !== victim) ?? victim, lab.topo.cps);
  return victim;
}

/**
 * Drill 9: a control plane vanishes without a word (its eth0 goes down inside its namespace: no RST,
 * no ICMP) for {@link DRILL.blackholeMs}, the client loop running through the VIP, then comes back.
 * HAProxy on the active LB (active checks + passive `observe layer4` on the traffic) and on the
 * standby (active checks only: it has no traffic) must mark it DOWN within the bound computed from
 * the rendered check timers; no request may fail but those in flight on it at that instant (a new
 * connection to it times out after `timeout connect` and is redispatched). `spare` names control
 * planes to leave alone (the one serving the idle connection of drill 7).
 */
export async function blackholedControlPlane(lab: Lab, spare: readonly string[]): Promise<Check[]> {
  const { active, others } = await lab.activeLb();
  const victim = await victimOf(lab, [...spare, active.name]);
  // The HAProxy with checks only: the pair's standby; colocated, the first other control plane.
  const standby = others.find((o) => o !== victim) ?? others[0];
  const { bounds, timers } = lab;
  const downLine = new RegExp(`Server kube-apiserver/${victim.name} is DOWN`);
  const upLine = new RegExp(`Server kube-apiserver/${victim.name} is UP`);
  let t0 = 0;
  const { loop, value } = await lab.withLoop(`blackhole-${victim.name}`, async () => {
    t0 = nowMs();
    await setHostLink(victim, false);
    const [activeDown, standbyDown] = await Promise.all(
      [active, standby].map((lb) => lab.haproxyLog(lb).waitFor(downLine, t0, bounds.markDownSilentMs + 5_000)),
    );
    await sleep(Math.max(0, t0 + DRILL.blackholeMs - nowMs()));
    const back = nowMs();
    await setHostLink(victim, true);
    const up = await lab.haproxyLog(active).waitFor(upLine, back, bounds.backUpMs + 10_000);
    return { activeDown: activeDown.at, standbyDown: standbyDown.at, back, up: up.at };
  });
  // Before the next drill: the member and its stand-in ready, and the standby's HAProxy sees it UP too.
  await lab.waitReady([victim], WAIT.readyMs);
  await lab.haproxyLog(standby).waitFor(upLine, value.back, bounds.backUpMs + 10_000);

  const s = summarize(loop.records);
  const activeMs = Math.round(value.activeDown - t0);
  const standbyMs = Math.round(value.standbyDown - t0);
  const upMs = Math.round(value.up - value.back);
  // Bytes already sent to the victim are stuck there; every other request must get its answer.
  const unexplained = failuresOutside(loop.records, t0, t0);
  const inFlight = openDuring(loop.records, t0, t0).length;
  const noAnswer = loop.records.filter((r) => !r.skipped && r.status === undefined);
  const label = `9 control plane black-holed: ${victim.name}, ${DRILL.blackholeMs / 1000} s, no RST`;
  return [
    {
      drill: label,
      expectation: `HAProxy marks ${victim.name} DOWN within ${bounds.markDownSilentMs} ms (rendered: inter ${timers.checkInterMs}, fastinter ${timers.checkFastInterMs}, fall ${timers.checkFall}, timeout connect ${timers.timeoutConnectMs}, timeout check ${timers.timeoutCheckMs ?? "unset"}; see notes), on the active LB (checks + traffic) and on the standby (checks only); back UP within ${bounds.backUpMs} ms of its return`,
      measured: `DOWN after ${activeMs} ms on ${active.name} (active), ${standbyMs} ms on ${standby.name} (standby); UP ${upMs} ms after the link returned`,
      pass: activeMs <= bounds.markDownSilentMs && standbyMs <= bounds.markDownSilentMs && upMs <= bounds.backUpMs,
      figures: { victim: victim.name, markDownActiveMs: activeMs, markDownStandbyMs: standbyMs, backUpMs: upMs },
    },
    {
      drill: label,
      expectation: `no request fails except those in flight on ${victim.name} when it went silent (a new connection to it gives up after timeout connect ${timers.timeoutConnectMs} ms and is redispatched; no session is shut down on mark-down)`,
      measured: `${s.sent} sent, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)}; started at ${offsets(s.failures, t0)} ms)` : ""}, ${unexplained.length} of them not in flight at the fault (in flight: ${inFlight}); ${noAnswer.length} without an answer; slowest ${s.maxLatencyMs} ms`,
      pass: unexplained.length === 0 && s.skipped === 0 && s.sent > 0,
      figures: {
        sent: s.sent,
        failed: s.failed,
        noAnswer: noAnswer.length,
        unexplainedFailures: unexplained.length,
        inFlightAtFault: inFlight,
        maxLatencyMs: s.maxLatencyMs,
      },
    },
  ];
}
