import { LabError } from "./lib/errors";
import { RenderedTimers } from "./rendered-timers";
import { ALLOWANCE, ETCD_ELECTION_TIMEOUT_MS, RECOVERY_ATTEMPT_MS, STANDIN } from "./settings";

/** The bounds the drills check (the product promise), computed from the rendered timers. */
export interface LabBounds {
  /** HAProxy logs a SIGKILLed api-server DOWN within this (ms). */
  readonly markDownMs: number;
  /** Survivors know a new etcd leader within this after the leader is killed (ms). */
  readonly electionMs: number;
  /** A survivor may still answer 503 this long after the new leader is known (heartbeat, forwarding). */
  readonly electionSlackMs: number;
  /** VIP on the peer after SIGTERM to the active keepalived (ms). */
  readonly vipGracefulMs: number;
  /** VIP on the peer after the active LB dies (ms). */
  readonly vipHardMs: number;
  /** A write without quorum fails (not hangs) within this (ms). */
  readonly quorumWriteFailMs: number;
  /** Writes through the VIP work again within this after the lost members restart (ms). */
  readonly recoveryMs: number;
  /** The idle drill keeps its connection idle this long (ms): longer than HAProxy's idle timeout. */
  readonly idleMs: number;
  /** Steady state: at least this share of the scheduled requests must have been sent. */
  readonly minSentShare: number;
}

/** keepalived's VRRPv2 skew time of the lowest priority: (256 - priority) / 256 x advert_int (ms). */
export function skewMs(t: RenderedTimers): number {
  return ((256 - t.lowestPriority) / 256) * t.advertIntMs;
}

/** `ms` rounded up to a whole number of VRRP advert intervals: keepalived acts on its advert timer. */
function wholeAdverts(ms: number, t: RenderedTimers): number {
  return Math.ceil(ms / t.advertIntMs) * t.advertIntMs;
}

/** The drills' bounds for these timers; each formula in the comment above its line. */
export function labBounds(t: RenderedTimers): LabBounds {
  const skew = skewMs(t);
  // Two election rounds: a follower times out 1-2 x election timeout after the last heartbeat, a split vote (no pre-vote in etcd 3.4) costs one more.
  const electionMs = 2 * 2 * ETCD_ELECTION_TIMEOUT_MS;
  const bounds: LabBounds = {
    // fall x inter (after a SIGKILL every check fails at once: the kernel answers RST) + allowance for check scheduling and the log line.
    markDownMs: t.checkFall * t.checkInterMs + ALLOWANCE.markDownMs,
    electionMs,
    electionSlackMs: 250,
    // After a priority-0 advert the peer waits its skew time, rounded up to a whole advert_int.
    vipGracefulMs: wholeAdverts(skew, t),
    // Master down interval 3 x advert_int + skew after the last advert heard, rounded up to a whole advert_int.
    vipHardMs: wholeAdverts(3 * t.advertIntMs + skew, t),
    // The stand-in's etcd deadline + 2 s for the answer to come back through it.
    quorumWriteFailMs: STANDIN.kvTimeoutMs + 2_000,
    // Member and stand-in start + an etcd election + rise x inter until HAProxy marks them UP + one write attempt's limit.
    recoveryMs: ALLOWANCE.startMs + electionMs + t.checkRise * t.checkInterMs + RECOVERY_ATTEMPT_MS,
    // max(timeout client, timeout server) + allowance: without `timeout tunnel` the connection would be cut.
    idleMs: t.timeoutIdleMs + ALLOWANCE.idleMs,
    minSentShare: 0.9,
  };
  if (bounds.idleMs >= t.timeoutTunnelMs) throw new LabError(`the idle drill (${bounds.idleMs} ms) needs timeout tunnel above it (${t.timeoutTunnelMs} ms)`);
  return bounds;
}

/** One line for the report: each timer-derived bound with its formula and figures. */
export function boundsNote(t: RenderedTimers, b: LabBounds): string {
  const skew = Math.round(skewMs(t));
  return [
    `bounds from the rendered timers: markDown = fall ${t.checkFall} x inter ${t.checkInterMs} + ${ALLOWANCE.markDownMs} = ${b.markDownMs} ms`,
    `vipGraceful = skew ${skew} (priority ${t.lowestPriority}) rounded up to advert_int ${t.advertIntMs} = ${b.vipGracefulMs} ms`,
    `vipHard = 3 x ${t.advertIntMs} + skew ${skew} rounded up to advert_int = ${b.vipHardMs} ms`,
    `recovery = start ${ALLOWANCE.startMs} + election ${b.electionMs} + rise ${t.checkRise} x inter ${t.checkInterMs} + attempt ${RECOVERY_ATTEMPT_MS} = ${b.recoveryMs} ms`,
    `idle = max(timeout client, server) ${t.timeoutIdleMs} + ${ALLOWANCE.idleMs} = ${b.idleMs} ms (< timeout tunnel ${t.timeoutTunnelMs})`,
  ].join("; ");
}
