import { quorumOf } from "../../core/config/types";
import { makeFollower, makeLeader, newLeaderKnown } from "../etcd-admin";
import { powerLoss } from "../host-power";
import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { RequestRecord } from "../client/protocol";
import { LabHost } from "../net/topology";
import { VipMove, watchVipMove } from "../net/vip";
import { Check } from "../report";
import { ETCD_ELECTION_TIMEOUT_MS, WAIT } from "../settings";
import { failuresOutside, offsets, openDuring, reasons, summarize } from "./analysis";
import { liveSuccessors } from "./victims";
import { dualMasters } from "./vrrp-races";

/**
 * Takes `victim` down: a power loss when it holds the VIP (colocated), then waits for the VIP on a
 * live peer, whose HAProxy is the one to watch; otherwise SIGKILL of its processes, `active`'s
 * HAProxy watched. Resolves once every process of it is gone.
 */
async function takeDown(
  lab: Lab,
  victim: LabHost,
  active: LabHost,
): Promise<{ killed: number; move?: VipMove; watcher: LabHost }> {
  if (victim !== active) return { killed: (await lab.powerOff(victim)).goneAt, watcher: active };
  const successors = liveSuccessors(lab, victim).map((l) => l.name);
  const killed = (await powerLoss(lab, victim)).goneAt;
  const move = await watchVipMove(lab.topo, victim.name, successors, WAIT.vipMs);
  return { killed, move, watcher: lab.topo.lbs.find((l) => l.name === move.holder) ?? active };
}

/** The row of a kill that took the VIP holder: the VIP on a peer within the hard-failure bound. */
function vipRows(lab: Lab, label: string, victim: LabHost, move: VipMove | undefined, t0: number): Check[] {
  if (!move) return [];
  const vipMs = Math.round(move.arrivedAt - t0);
  const races = dualMasters(lab, t0);
  return [
    {
      drill: label,
      expectation: `${victim.name} held the VIP (its HAProxy and keepalived die with it): VIP on a peer in < ${Math.round(lab.bounds.vipHardMs)} ms (3 x advert_int ${lab.timers.advertIntMs} ms + skew, as drill 4)`,
      measured: `VIP ${victim.name} -> ${move.holder} in ${vipMs} ms${races.length ? `; two MASTERs at once: ${races.join("; ")}` : ""}`,
      pass: vipMs < lab.bounds.vipHardMs,
      figures: { from: victim.name, to: move.holder, vipMovedMs: vipMs, dualMasters: races.length },
    },
  ];
}

/**
 * The load-balancer row of a kill: a request without any HTTP answer was lost between client and
 * api-server. Bytes already sent to the killed process die with it, so only requests open between
 * the kill (`t0`) and the moment its processes were gone (`killed`) may be.
 */
function lbRow(label: string, victim: LabHost, records: readonly RequestRecord[], t0: number, killed: number): Check {
  const s = summarize(records);
  const noAnswer = records.filter((r) => r.status === undefined);
  const lbLost = failuresOutside(noAnswer, t0, killed);
  const open = openDuring(records, t0, killed).length;
  return {
    drill: label,
    expectation: `no request lost at the load balancer (retries + option redispatch): every request gets an HTTP answer, except those that reached ${victim.name} before its processes were gone`,
    measured: `${s.sent} sent, ${noAnswer.length} without answer${noAnswer.length ? ` (${reasons(noAnswer)}; started at ${offsets(noAnswer, t0)} ms)` : ""}, ${lbLost.length} of them started after ${victim.name} was gone (open until then: ${open}; every process of ${victim.name} gone ${Math.round(killed - t0)} ms after the SIGKILL); slowest ${s.maxLatencyMs} ms`,
    pass: lbLost.length === 0 && s.skipped === 0 && s.sent > 0,
    figures: {
      sent: s.sent,
      noAnswer: noAnswer.length,
      lostAtLb: lbLost.length,
      openAtKill: open,
      killMs: Math.round(killed - t0),
      noAnswerStartsMs: offsets(noAnswer, t0) || null,
      maxLatencyMs: s.maxLatencyMs,
    },
  };
}

/** What the etcd layer showed during a kill (see cpHardKill). */
interface EtcdLayer {
  readonly members: number;
  readonly lost: number;
  /** When the survivors knew a new leader (ms after the kill); null when they did not in time. */
  readonly electionMs: number | null;
  /** Requests the survivors answered 503. */
  readonly answered503: readonly RequestRecord[];
  /** Of those, how many started after the new leader was known (+ slack). */
  readonly lateEtcd: number;
  readonly writesAfter: number;
  readonly t0: number;
  readonly failed: number;
}

/** The etcd row of a kill: a new leader in time and 503s only before it (leader), or none at all (follower). */
function etcdRow(lab: Lab, label: string, victim: LabHost, role: "leader" | "follower", e: EtcdLayer): Check {
  return role === "leader"
    ? {
        drill: label,
        expectation: `${victim.name} led etcd (moved there first: worst case). Survivors know a new leader within two election rounds (2 x 2 x ${ETCD_ELECTION_TIMEOUT_MS} ms = ${lab.bounds.electionMs} ms); 503s only for requests started before that; writes go on (${e.members - e.lost} of ${e.members} members, quorum ${quorumOf(e.members).quorum})`,
        measured: `new leader known after ${e.electionMs ?? "NEVER"} ms; ${e.answered503.length} answered 503${e.answered503.length ? ` (${reasons(e.answered503)})` : ""}, ${e.lateEtcd} started later; ${e.writesAfter} writes acknowledged after the kill`,
        pass: e.electionMs !== null && e.electionMs <= lab.bounds.electionMs && e.lateEtcd === 0 && e.writesAfter > 0,
        figures: {
          role,
          electionMs: e.electionMs,
          answered503: e.answered503.length,
          answered503StartsMs: offsets(e.answered503, e.t0) || null,
          after503Window: e.lateEtcd,
          writesAfterKill: e.writesAfter,
          failedTotal: e.failed,
        },
      }
    : {
        drill: label,
        expectation: `${victim.name} was an etcd follower: no election, 0 requests answered 503; writes go on (${e.members - e.lost} of ${e.members} members, quorum ${quorumOf(e.members).quorum})`,
        measured: `${e.answered503.length} answered 503${e.answered503.length ? ` (${reasons(e.answered503)})` : ""}; ${e.writesAfter} writes acknowledged after the kill`,
        pass: e.answered503.length === 0 && e.writesAfter > 0,
        figures: { role, answered503: e.answered503.length, writesAfterKill: e.writesAfter, failedTotal: e.failed },
      };
}

/**
 * Drill 2: SIGKILL of everything on control plane `victim` (its etcd member and stand-in) while
 * the client loop runs through the VIP. With `role` "leader" the victim is made etcd leader first
 * (the worst case: HAProxy must take it out AND etcd must elect a new leader); with "follower" it
 * is made sure not to lead. Checked per layer: HAProxy marks it DOWN within fall x inter; no
 * request is lost at the load balancer (every request gets an HTTP answer; retries 3 + option
 * redispatch) except those open on `victim` at the kill; stand-ins answer 503 only for requests
 * that started before the survivors knew the new leader (none at all for a follower); writes go
 * on while quorum holds. `down` are the control planes already dead.
 *
 * Colocated, the victim holds the VIP (drills/victims.ts): it loses power as a whole (cable pulled
 * and every process SIGKILLed, as the LB in drill 4), so its load balancer dies with it. Then the
 * VIP must reach a peer within the hard-failure bound, and the new holder's HAProxy marks the
 * victim DOWN within the silent-server bound (no RST from a host that is off).
 */
export async function cpHardKill(
  lab: Lab,
  victim: LabHost,
  down: readonly LabHost[],
  role: "leader" | "follower",
): Promise<Check[]> {
  const { active } = await lab.activeLb();
  const holder = victim === active;
  const alive = lab.topo.cps.filter((c) => !down.includes(c));
  const survivors = alive.filter((c) => c !== victim);
  if (role === "leader") await makeLeader(lab, victim, alive);
  else await makeFollower(lab, victim, survivors[0], alive);
  const members = lab.topo.cps.length;
  const { bounds, timers } = lab;
  const lost = down.length + 1;
  const downBound = holder ? bounds.markDownSilentMs : bounds.markDownMs;
  let t0 = 0;
  let killed = 0;
  let watcher = active;
  const { loop, value } = await lab.withLoop(`kill-${victim.name}`, async () => {
    t0 = nowMs();
    const leader =
      role === "leader" ? newLeaderKnown(lab, survivors, t0, bounds.electionMs + 5_000) : Promise.resolve(undefined);
    const taken = await takeDown(lab, victim, active);
    killed = taken.killed;
    watcher = taken.watcher;
    const [line, leaderAt] = await Promise.all([
      lab
        .haproxyLog(watcher)
        .waitFor(new RegExp(`Server kube-apiserver/${victim.name} is DOWN`), t0, downBound + 5_000),
      leader,
    ]);
    return { downAt: line.at, leaderAt, move: taken.move };
  });
  const s = summarize(loop.records);
  const markDownMs = Math.round(value.downAt - t0);
  const electionMs = value.leaderAt === undefined ? null : Math.round(value.leaderAt - t0);
  // etcd layer: 503 answers from survivors while the new leader was not yet known.
  const answered503 = s.failures.filter((r) => r.status !== undefined);
  const electionEnd = (value.leaderAt ?? t0) + bounds.electionSlackMs;
  const lateEtcd = answered503.filter((r) => r.start > electionEnd);
  const writesAfter = loop.records.filter((r) => r.kind === "write" && r.ok && r.start > t0).length;
  const label = `2 control-plane hard kill: ${victim.name}, etcd ${role} (${lost} of ${members} down)`;
  return [
    ...vipRows(lab, label, victim, value.move, t0),
    {
      drill: label,
      expectation: holder
        ? `HAProxy on the new VIP holder (${watcher.name}) marks ${victim.name} DOWN within ${downBound} ms (a host that is off sends no RST: the silent-server bound of drill 9; traffic that meets it gives up after timeout connect ${timers.timeoutConnectMs} ms, observe layer4)`
        : `HAProxy (${active.name}) marks ${victim.name} DOWN within ${bounds.markDownMs} ms (refused checks: inter ${timers.checkInterMs} + ${timers.checkFall - 1} x fastinter ${timers.checkFastInterMs}, rendered, + allowance; refused traffic: at once, observe layer4)`,
      measured: `${victim.name} DOWN after ${markDownMs} ms${holder ? ` on ${watcher.name}` : ""}`,
      pass: markDownMs <= downBound,
      figures: { victim: victim.name, markDownMs, vipHolderKilled: holder },
    },
    lbRow(label, victim, loop.records, t0, killed),
    etcdRow(lab, label, victim, role, {
      members,
      lost,
      electionMs,
      answered503,
      lateEtcd: lateEtcd.length,
      writesAfter,
      t0,
      failed: s.failed,
    }),
  ];
}
