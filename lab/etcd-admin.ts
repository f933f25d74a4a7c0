import { Lab } from "./lab";
import { LabError } from "./lib/errors";
import { runAsync } from "./lib/sh";
import { pollUntil } from "./lib/time";
import { inNs } from "./net/netns";
import { LabHost } from "./net/topology";

/** A member's id and the leader it knows (decimal ids, as etcd's JSON gateway gives them). */
export interface MemberView {
  readonly memberId: string;
  readonly leader: string;
}

/** What `cp`'s etcd member reports, asked through its stand-in's `/etcd/status`. */
export async function memberView(lab: Lab, cp: LabHost): Promise<MemberView | undefined> {
  const r = await lab.request(cp.address, "GET", "/etcd/status", undefined, 3_000);
  if (!r.ok || !r.body) return undefined;
  const v = JSON.parse(r.body) as Partial<MemberView>;
  return v.memberId && v.leader ? { memberId: v.memberId, leader: v.leader } : undefined;
}

/**
 * Makes `to` the etcd leader with `etcdctl move-leader` (run in its namespace against the live
 * members), so a kill of `to` is the worst case: a leader election on top of a lost member.
 * Resolves once `to` reports itself leader.
 */
export async function makeLeader(lab: Lab, to: LabHost, alive: readonly LabHost[]): Promise<void> {
  const view = await memberView(lab, to);
  if (!view) throw new LabError(`cannot read etcd status of ${to.name}`);
  if (view.memberId === view.leader) return;
  const endpoints = alive.map((c) => `http://${c.address}:2379`).join(",");
  const [cmd, ...args] = inNs(to.ns, [
    "etcdctl",
    `--endpoints=${endpoints}`,
    "move-leader",
    BigInt(view.memberId).toString(16),
  ]);
  const r = await runAsync(cmd, args, 10_000);
  if (r.code !== 0) throw new LabError(`etcdctl move-leader to ${to.name} failed: ${(r.stderr || r.stdout).trim()}`);
  await pollUntil(
    `${to.name} to lead etcd`,
    async () => {
      const v = await memberView(lab, to);
      return v && v.memberId === v.leader ? true : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 100 },
  );
}

/** The control plane whose etcd member leads, as the members themselves report; undefined when none does. */
export async function etcdLeader(lab: Lab, cps: readonly LabHost[]): Promise<LabHost | undefined> {
  const views = await Promise.all(cps.map(async (cp) => ({ cp, view: await memberView(lab, cp) })));
  return views.find((v) => v.view !== undefined && v.view.memberId === v.view.leader)?.cp;
}

/** Makes sure `cp` does not lead etcd (leadership moved to `other` if it does). */
export async function makeFollower(lab: Lab, cp: LabHost, other: LabHost, alive: readonly LabHost[]): Promise<void> {
  const view = await memberView(lab, cp);
  if (!view) throw new LabError(`cannot read etcd status of ${cp.name}`);
  if (view.memberId === view.leader) await makeLeader(lab, other, alive);
}

/**
 * Time at which every surviving member had logged a new leader after `since` (etcd logs
 * `elected leader X`, or `changed leader from X to Y` when it learns it directly), or undefined
 * if one did not within `timeoutMs`.
 */
export async function newLeaderKnown(
  lab: Lab,
  survivors: readonly LabHost[],
  since: number,
  timeoutMs: number,
): Promise<number | undefined> {
  try {
    const lines = await Promise.all(
      survivors.map((cp) => {
        const log = lab.etcd.get(cp.name)?.log;
        if (!log) throw new LabError(`no etcd on ${cp.name}`);
        return log.waitFor(/elected leader|changed leader from \S+ to /, since, timeoutMs);
      }),
    );
    return Math.max(...lines.map((l) => l.at));
  } catch {
    return undefined;
  }
}
