import { readFileSync } from "node:fs";
import { skewMs } from "../bounds";
import { IdleResult } from "../client/protocol";
import { Lab } from "../lab";
import { nowMs, sleep } from "../lib/time";
import { vipHolders } from "../net/vip";
import { Check } from "../report";
import { DRILL, LOOP } from "../settings";
import { reasons, summarize } from "./analysis";

/** The idle connection of drill 7 while it idles: who serves it and since when. */
export interface OpenIdle {
  readonly idleId: string;
  readonly first: IdleResult["first"];
}

/**
 * Drill 7, first half: one raw TLS connection through the VIP, one request on it; it then stays
 * idle while other drills run (none of them touches the stand-in that serves it).
 */
export async function openIdle(lab: Lab): Promise<OpenIdle> {
  const idleId = "idle-1";
  const first = await lab.agent.call({ op: "idle-open", idleId, target: lab.vip, timeoutMs: 5_000 }, 10_000);
  return { idleId, first };
}

/** Drill 1: the loop through the VIP with nothing failing; every request must succeed. */
export async function steadyState(lab: Lab): Promise<Check[]> {
  const { minSentShare } = lab.bounds;
  const { loop } = await lab.withLoop("steady", () => sleep(DRILL.steadyMs));
  const s = summarize(loop.records);
  const starts = loop.records.map((r) => r.start);
  const spanS = (Math.max(...starts) - Math.min(...starts)) / 1000;
  const scheduled = Math.floor(spanS * LOOP.ratePerSecond) + 1;
  return [
    {
      drill: "1 steady state",
      expectation: `every request through the VIP succeeds (${LOOP.ratePerSecond}/s, alternating write and read)`,
      measured: `${s.sent} sent in ${spanS.toFixed(1)} s, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, slowest ${s.maxLatencyMs} ms`,
      pass: s.failed === 0 && s.skipped === 0 && s.sent >= minSentShare * scheduled && s.sent > 0,
      figures: {
        sent: s.sent,
        failed: s.failed,
        skipped: s.skipped,
        writesOk: s.writesOk,
        scheduled,
        maxLatencyMs: s.maxLatencyMs,
      },
    },
  ];
}

/**
 * Drill 1, the VRRP side: from `since` until now no load balancer failed, so neither keepalived may
 * have changed state (a backup that misses adverts for 3 x advert_int + skew takes the VIP: a false
 * failover). The machine's load average is reported with it. `faulted` names hosts a drill cut off
 * meanwhile (colocated: the black-holed control plane, whose keepalived enters FAULT with its link
 * down and comes back BACKUP): their changes are reported, not counted, and the VIP must not move.
 */
export async function vrrpQuiet(lab: Lab, since: number, faulted: readonly string[] = []): Promise<Check[]> {
  const all = lab.vrrpTransitions(since);
  const excused = all.filter((t) => faulted.some((f) => t.text.startsWith(`${f}: `)));
  const transitions = all.filter((t) => !excused.includes(t));
  const holders = await vipHolders(lab.topo);
  const spanS = (nowMs() - since) / 1000;
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return [
    {
      drill: "1 steady state: VRRP",
      expectation: `no VRRP state change on either LB while none fails (advert_int ${lab.timers.advertIntMs} ms: a backup takes over after ${Math.round(3 * lab.timers.advertIntMs + skewMs(lab.timers))} ms without an advert)`,
      measured: `${transitions.length} state change(s) in ${spanS.toFixed(1)} s${transitions.length ? ` (${transitions.map((t) => t.text).join(", ")})` : ""}${excused.length ? `; on the cut-off ${faulted.join(",")}: ${excused.map((t) => t.text).join(", ")}` : ""}; VIP on ${holders.join(",") || "none"}; load average ${load}`,
      pass: transitions.length === 0 && holders.length === 1,
      figures: {
        quietS: Number(spanS.toFixed(1)),
        vrrpTransitions: transitions.length,
        cutOffTransitions: excused.map((t) => t.text).join(", ") || null,
        vipHolders: holders.join(","),
        loadAverage: load,
      },
    },
  ];
}

/** Drill 7, second half: the second request on the idle connection, once it has idled past HAProxy's client/server timeout. */
export async function finishIdle(lab: Lab, open: OpenIdle): Promise<Check[]> {
  const { idleMs } = lab.bounds;
  const idle = await lab.agent.call(
    { op: "idle-finish", idleId: open.idleId, idleMs, timeoutMs: 5_000 },
    Math.max(0, open.first.at + idleMs - nowMs()) + 20_000,
  );
  const idleFor = idle.second ? Math.round(idle.second.at - idle.first.at) : null;
  const survived = idle.second?.status === 200 && idle.closedAt === undefined && idleFor !== null && idleFor >= idleMs;
  return [
    {
      drill: "7 idle long-lived connection",
      expectation: `one TLS connection through the VIP, idle at least ${idleMs / 1000} s (> timeout client/server ${lab.timers.timeoutIdleMs / 1000} s), then answers again (timeout tunnel ${lab.timers.timeoutTunnelMs / 1000} s)`,
      measured: survived
        ? `second request answered ${idle.second?.status} by ${idle.second?.standin} after ${((idleFor ?? 0) / 1000).toFixed(1)} s idle on the same connection`
        : `connection lost: ${idle.error ?? "no second answer"}`,
      pass: survived,
      figures: {
        idleMs: idleFor,
        firstStatus: idle.first.status,
        secondStatus: idle.second?.status ?? null,
        standin: idle.second?.standin ?? idle.first.standin ?? null,
        error: idle.error ?? null,
      },
    },
  ];
}
