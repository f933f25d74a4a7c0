import { LabError } from "./lib/errors";
import { RenderedTimers } from "./rendered-timers";
import { ALLOWANCE, ETCD_ELECTION_TIMEOUT_MS, RECOVERY_ATTEMPT_MS, STANDIN } from "./settings";

/** The bounds the drills check (the product promise), computed from the rendered timers. */
export interface LabBounds {
  /** HAProxy logs a SIGKILLed api-server (the kernel answers RST) DOWN within this (ms). */
  readonly markDownMs: number;
  /** HAProxy logs a vanished api-server (no RST: link down) DOWN within this (ms). */
  readonly markDownSilentMs: number;
  /** A black-holed api-server is back UP within this after its link returns (ms). */
  readonly backUpMs: number;
  /** Survivors know a new etcd leader within this after the leader is killed (ms). */
  readonly electionMs: number;
  /** A survivor may still answer 503 this long after the new leader is known (heartbeat, forwarding). */
  readonly electionSlackMs: number;
  /** VIP on the peer after SIGTERM to the active keepalived (ms). */
  readonly vipGracefulMs: number;
  /** VIP on the peer after HAProxy dies on the active LB, keepalived alive (ms). */
  readonly vipProcessMs: number;
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

/** What the product promises with the default settings (issue 12); the computed bounds must stay within. */
export const PROMISE = {
  vipHardMs: 1_500,
  vipGracefulMs: 1_000,
  vipProcessMs: 1_000,
  markDownSilentMs: 4_000,
} as const;

/** keepalived's VRRPv3 skew time of the lowest priority: (256 - priority) x advert_int / 256 (RFC 5798 6.1) (ms). */
export function skewMs(t: RenderedTimers): number {
  return ((256 - t.lowestPriority) * t.advertIntMs) / 256;
}

/**
 * When HAProxy marks a killed server DOWN at the latest (ms after the kill): its kernel refuses at
 * once, so the first check fails up to `inter` later (a check starts `inter` after the previous one
 * ended, src/check.c) and the others `fastinter` apart.
 */
export function downAfterRstMs(t: RenderedTimers): number {
  return t.checkInterMs + (t.checkFall - 1) * t.checkFastInterMs;
}

/**
 * When HAProxy marks a vanished server (no RST) DOWN at the latest (ms after it went silent). A check
 * gives up connecting after min(timeout connect, inter) and reading after `timeout check` (without
 * it, `inter` bounds the whole check): the first failure ends by the later of a check started
 * `inter` after the fault and one caught reading, the others follow `fastinter` apart.
 */
export function downAfterSilenceMs(t: RenderedTimers): number {
  const connect = t.timeoutCheckMs === undefined ? t.checkInterMs : Math.min(t.timeoutConnectMs, t.checkInterMs);
  const read = t.timeoutCheckMs ?? t.checkInterMs;
  return Math.max(t.checkInterMs + connect, read) + (t.checkFall - 1) * (t.checkFastInterMs + connect);
}

/** The drills' bounds for these timers; each formula in the comment above its line. */
export function labBounds(t: RenderedTimers): LabBounds {
  if (t.vrrpVersion !== 3 && t.advertIntMs % 1_000 !== 0)
    throw new LabError(`advert_int ${t.advertIntMs} ms needs VRRPv3; the configs say ${t.vrrpVersion}`);
  const skew = skewMs(t);
  // Two election rounds: a follower times out 1-2 x election timeout after the last heartbeat,
  // a split vote (no pre-vote in etcd 3.4) costs one more.
  const electionMs = 2 * 2 * ETCD_ELECTION_TIMEOUT_MS;
  // From DOWN, the first passing check comes `inter` after the last failed one, the next ones `fastinter` apart.
  const upAfter = t.checkInterMs + (t.checkRise - 1) * t.checkFastInterMs;
  const bounds: LabBounds = {
    // Refused checks fail at once (see downAfterRstMs); + allowance for check scheduling and the log line.
    markDownMs: downAfterRstMs(t) + ALLOWANCE.markDownMs,
    // Checks to a silent host fail on their timeouts (see downAfterSilenceMs); + log line allowance.
    markDownSilentMs: downAfterSilenceMs(t) + ALLOWANCE.markDownMs,
    // Its member catches up and its stand-in answers /readyz again, then rise checks pass.
    backUpMs: ALLOWANCE.startMs + upAfter,
    electionMs,
    electionSlackMs: 250,
    // After a priority-0 advert the peer waits its skew time; + keepalived's scheduling and the lab's VIP poll.
    vipGracefulMs: skew + ALLOWANCE.vipMs,
    // keepalived sees the last HAProxy process exit (process event), enters FAULT and sends priority 0: as a graceful stop.
    vipProcessMs: skew + ALLOWANCE.vipMs,
    // Master down interval 3 x advert_int + skew after the last advert heard; + scheduling and the VIP poll.
    vipHardMs: 3 * t.advertIntMs + skew + ALLOWANCE.vipMs,
    // The stand-in's etcd deadline + 2 s for the answer to come back through it.
    quorumWriteFailMs: STANDIN.kvTimeoutMs + 2_000,
    // Member and stand-in start + an etcd election + the checks that mark them UP + one write attempt's limit.
    recoveryMs: ALLOWANCE.startMs + electionMs + upAfter + RECOVERY_ATTEMPT_MS,
    // max(timeout client, timeout server) + allowance: without `timeout tunnel` the connection would be cut.
    idleMs: t.timeoutIdleMs + ALLOWANCE.idleMs,
    minSentShare: 0.9,
  };
  if (bounds.idleMs >= t.timeoutTunnelMs)
    throw new LabError(`the idle drill (${bounds.idleMs} ms) needs timeout tunnel above it (${t.timeoutTunnelMs} ms)`);
  return bounds;
}

/** One line for the report: each timer-derived bound with its formula and figures. */
export function boundsNote(t: RenderedTimers, b: LabBounds): string {
  const skew = Math.round(skewMs(t));
  return [
    `bounds from the rendered timers: markDown (RST) = inter ${t.checkInterMs} + ${t.checkFall - 1} x fastinter ${t.checkFastInterMs} + ${ALLOWANCE.markDownMs} = ${b.markDownMs} ms`,
    `markDown (silent) = max(inter + connect, timeout check) + ${t.checkFall - 1} x (fastinter + connect) + ${ALLOWANCE.markDownMs} = ${b.markDownSilentMs} ms ` +
      `(inter ${t.checkInterMs}, connect = min(timeout connect ${t.timeoutConnectMs}, inter), timeout check ${t.timeoutCheckMs ?? "unset"}, fastinter ${t.checkFastInterMs})`,
    `vipGraceful = vipProcess = skew ${skew} (priority ${t.lowestPriority}, advert_int ${t.advertIntMs}, VRRPv${t.vrrpVersion}) + ${ALLOWANCE.vipMs} = ${Math.round(b.vipGracefulMs)} ms`,
    `vipHard = 3 x ${t.advertIntMs} + skew ${skew} + ${ALLOWANCE.vipMs} = ${Math.round(b.vipHardMs)} ms`,
    `recovery = start ${ALLOWANCE.startMs} + election ${b.electionMs} + inter ${t.checkInterMs} + ${t.checkRise - 1} x fastinter ${t.checkFastInterMs} + attempt ${RECOVERY_ATTEMPT_MS} = ${b.recoveryMs} ms`,
    `idle = max(timeout client, server) ${t.timeoutIdleMs} + ${ALLOWANCE.idleMs} = ${b.idleMs} ms (< timeout tunnel ${t.timeoutTunnelMs})`,
  ].join("; ");
}
