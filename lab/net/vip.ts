import { runAsync } from "../lib/sh";
import { nowMs, pollUntil } from "../lib/time";
import { WAIT } from "../settings";
import { assertLabNs } from "./netns";
import { LabTopology } from "./topology";

/** Names of the load balancers whose eth0 carries the VIP now. */
export async function vipHolders(t: LabTopology): Promise<string[]> {
  const needle = ` ${t.spec.vip}/`;
  const rows = await Promise.all(
    t.lbs.map(async (lb) => {
      assertLabNs(lb.ns);
      const r = await runAsync("ip", ["-n", lb.ns, "-4", "-o", "addr", "show", "dev", "eth0"], 2_000);
      return r.stdout.includes(needle) ? lb.name : undefined;
    }),
  );
  return rows.filter((n): n is string => n !== undefined);
}

/** A VIP observation: who held it and when the poll that saw it returned. */
export interface VipSeen {
  readonly holders: readonly string[];
  readonly at: number;
}

/**
 * Polls both LBs every {@link WAIT.vipPollMs} ms until `wanted(holders)`; the time is that of the
 * poll that saw it, so it may be late by one poll (about 20-30 ms), never early.
 */
export async function waitForVip(
  t: LabTopology,
  what: string,
  wanted: (holders: readonly string[]) => boolean,
  timeoutMs: number,
): Promise<VipSeen> {
  const r = await pollUntil(
    what,
    async () => {
      const holders = await vipHolders(t);
      return wanted(holders) ? holders : undefined;
    },
    { timeoutMs, intervalMs: WAIT.vipPollMs },
  );
  return { holders: r.value, at: r.at };
}

/** The single VIP holder now; undefined when none or both hold it. */
export async function soleHolder(t: LabTopology): Promise<string | undefined> {
  const h = await vipHolders(t);
  return h.length === 1 ? h[0] : undefined;
}

/** Milliseconds since `t0`, rounded. */
export function since(t0: number, at: number = nowMs()): number {
  return Math.round(at - t0);
}

/** How a VIP move went, seen by polling. */
export interface VipMove {
  /** First poll that no longer saw the VIP on `from` (undefined if it still held it at the end). */
  readonly leftAt?: number;
  /** First poll that saw it on `to`. */
  readonly arrivedAt: number;
  /** Where it arrived (one of `to`). */
  readonly holder: string;
  /** Polls made. */
  readonly polls: number;
}

/**
 * Polls every {@link WAIT.vipPollMs} ms until the VIP is on `to` (one host, or any of several: with
 * colocated LBs the peer with the highest priority takes it), noting when it left `from`.
 */
export async function watchVipMove(
  t: LabTopology,
  from: string,
  to: string | readonly string[],
  timeoutMs: number,
): Promise<VipMove> {
  const targets = typeof to === "string" ? [to] : to;
  let leftAt: number | undefined;
  let polls = 0;
  const r = await pollUntil(
    `the VIP on ${targets.join(" or ")}`,
    async () => {
      const holders = await vipHolders(t);
      polls++;
      if (leftAt === undefined && !holders.includes(from)) leftAt = nowMs();
      return holders.find((h) => targets.includes(h));
    },
    { timeoutMs, intervalMs: WAIT.vipPollMs },
  );
  return { leftAt, arrivedAt: r.at, polls, holder: r.value };
}
