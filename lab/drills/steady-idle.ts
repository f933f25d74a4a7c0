import { Lab } from "../lab";
import { Check } from "../report";
import { LOOP } from "../settings";
import { reasons, summarize } from "./analysis";

/**
 * Drills 1 and 7 together: the steady-state loop runs while one idle connection through the VIP
 * stays idle longer than HAProxy's rendered client/server timeout (`lab.bounds.idleMs`) and is then
 * used again.
 */
export async function steadyAndIdle(lab: Lab): Promise<Check[]> {
  const { idleMs, minSentShare } = lab.bounds;
  const { loop, value: idle } = await lab.withLoop("steady", () =>
    lab.agent.call({ op: "idle", target: lab.vip, idleMs, timeoutMs: 5_000 }, idleMs + 20_000));
  const s = summarize(loop.records);
  const starts = loop.records.map((r) => r.start);
  const spanS = (Math.max(...starts) - Math.min(...starts)) / 1000;
  const scheduled = Math.floor(spanS * LOOP.ratePerSecond) + 1;
  const steady: Check = {
    drill: "1 steady state",
    expectation: `every request through the VIP succeeds (${LOOP.ratePerSecond}/s, alternating write and read)`,
    measured: `${s.sent} sent in ${spanS.toFixed(1)} s, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, slowest ${s.maxLatencyMs} ms`,
    pass: s.failed === 0 && s.skipped === 0 && s.sent >= minSentShare * scheduled && s.sent > 0,
    figures: { sent: s.sent, failed: s.failed, skipped: s.skipped, writesOk: s.writesOk, scheduled, maxLatencyMs: s.maxLatencyMs },
  };
  const idleFor = idle.second ? Math.round(idle.second.at - idle.first.at) : null;
  const survived = idle.second?.status === 200 && idle.closedAt === undefined && idleFor !== null && idleFor >= idleMs;
  const idleCheck: Check = {
    drill: "7 idle long-lived connection",
    expectation: `one TLS connection through the VIP, idle ${idleMs / 1000} s (> timeout client/server ${lab.timers.timeoutIdleMs / 1000} s), then answers again (timeout tunnel ${lab.timers.timeoutTunnelMs / 1000} s)`,
    measured: survived
      ? `second request answered ${idle.second?.status} by ${idle.second?.standin} after ${((idleFor ?? 0) / 1000).toFixed(1)} s idle on the same connection`
      : `connection lost: ${idle.error ?? "no second answer"}`,
    pass: survived,
    figures: { idleMs: idleFor, firstStatus: idle.first.status, secondStatus: idle.second?.status ?? null, standin: idle.second?.standin ?? idle.first.standin ?? null, error: idle.error ?? null },
  };
  return [steady, idleCheck];
}
