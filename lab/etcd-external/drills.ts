/**
 * Drills of the external etcd variant (`npm run lab -- --etcd external`): the control planes and
 * the etcd members fail separately. A lost control plane costs etcd nothing; lost etcd members
 * follow the quorum arithmetic of the etcd hosts (3 hosts: quorum 2, one loss tolerated), whatever
 * the number of control planes; nothing acknowledged is lost (checked by the recovery drill).
 */
import { quorumOf } from "../../core/config/types";
import { failuresOutside, openDuring, reasons, summarize } from "../drills/analysis";
import { newLeaderKnown } from "../etcd-admin";
import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { LabHost } from "../net/topology";
import { Check } from "../report";
import { WAIT } from "../settings";
import { etcdHostLeader, healthyCount, makeEtcdHostLeader } from "./etcd-view";

/**
 * E1: every process of control plane `victim` (its api-server stand-in) is killed with the client
 * loop running through the VIP; it is started again at the end. HAProxy takes it out, no request
 * is lost at the load balancer, and etcd does not notice: every member stays healthy, the leader
 * stays, no request is answered 503.
 */
export async function controlPlaneLoss(lab: Lab, victim: LabHost): Promise<Check[]> {
  const { active } = await lab.activeLb();
  const etcds = lab.topo.etcds;
  const leaderBefore = await etcdHostLeader(lab, etcds);
  let t0 = 0;
  let killed = 0;
  const { loop, value } = await lab.withLoop(`kill-${victim.name}`, async () => {
    t0 = nowMs();
    killed = (await lab.powerOff(victim)).goneAt;
    const line = await lab
      .haproxyLog(active)
      .waitFor(new RegExp(`Server kube-apiserver/${victim.name} is DOWN`), t0, lab.bounds.markDownMs + 5_000);
    return { downAt: line.at };
  });
  const healthy = await healthyCount(lab, etcds);
  const leaderAfter = await etcdHostLeader(lab, etcds);
  lab.startControlPlane(victim);
  await lab.waitReady([victim], WAIT.readyMs);
  const s = summarize(loop.records);
  const markDownMs = Math.round(value.downAt - t0);
  const noAnswer = loop.records.filter((r) => r.status === undefined);
  const lbLost = failuresOutside(noAnswer, t0, killed);
  const answered503 = s.failures.filter((r) => r.status === 503);
  const label = `E1 control plane ${victim.name} lost, etcd on ${etcds.length} etcd hosts`;
  return [
    {
      drill: label,
      expectation: `HAProxy (${active.name}) marks ${victim.name} DOWN within ${lab.bounds.markDownMs} ms; no request lost at the load balancer except those open on ${victim.name} at the kill`,
      measured: `DOWN after ${markDownMs} ms; ${s.sent} sent, ${noAnswer.length} without answer, ${lbLost.length} of them started after ${victim.name} was gone (open then: ${openDuring(loop.records, t0, killed).length})`,
      pass: markDownMs <= lab.bounds.markDownMs && lbLost.length === 0 && s.sent > 0,
      figures: { victim: victim.name, markDownMs, sent: s.sent, noAnswer: noAnswer.length, lostAtLb: lbLost.length },
    },
    {
      drill: label,
      expectation: `no etcd impact: all ${etcds.length} etcd members healthy after, the same leader, 0 requests answered 503`,
      measured: `${healthy} of ${etcds.length} healthy; leader ${leaderBefore?.name ?? "none"} before, ${leaderAfter?.name ?? "none"} after; ${answered503.length} answered 503${answered503.length ? ` (${reasons(answered503)})` : ""}`,
      pass:
        healthy === etcds.length &&
        leaderBefore !== undefined &&
        leaderAfter === leaderBefore &&
        answered503.length === 0,
      figures: {
        etcdHealthy: healthy,
        leaderBefore: leaderBefore?.name ?? null,
        leaderAfter: leaderAfter?.name ?? null,
        answered503: answered503.length,
      },
    },
  ];
}

/**
 * E2: etcd host `victim`, made leader first (worst case), loses every process with the client
 * loop running. The survivors elect a leader within two election rounds; the stand-ins move to
 * another endpoint; writes go on while the etcd hosts keep their quorum; HAProxy marks no control
 * plane down (the api-servers' etcd is a separate failure domain).
 */
export async function etcdMemberLoss(lab: Lab, victim: LabHost, down: readonly LabHost[]): Promise<Check[]> {
  const { active } = await lab.activeLb();
  const alive = lab.topo.etcds.filter((h) => !down.includes(h));
  const survivors = alive.filter((h) => h !== victim);
  await makeEtcdHostLeader(lab, victim, alive);
  const q = quorumOf(lab.topo.etcds.length);
  let t0 = 0;
  const { loop, value } = await lab.withLoop(`kill-${victim.name}`, async () => {
    t0 = nowMs();
    await lab.powerOff(victim);
    return { leaderAt: await newLeaderKnown(lab, survivors, t0, lab.bounds.electionMs + 5_000) };
  });
  const s = summarize(loop.records);
  const electionMs = value.leaderAt === undefined ? null : Math.round(value.leaderAt - t0);
  const electionEnd = (value.leaderAt ?? t0) + lab.bounds.electionSlackMs;
  const noAnswer = loop.records.filter((r) => r.status === undefined);
  const answered503 = s.failures.filter((r) => r.status !== undefined);
  const late = answered503.filter((r) => r.start > electionEnd);
  const writesAfter = loop.records.filter((r) => r.kind === "write" && r.ok && r.start > t0).length;
  const cpDown = lab.haproxyLog(active).all(/Server kube-apiserver\/\S+ is DOWN/, t0).length;
  const left = alive.length - 1;
  return [
    {
      drill: `E2 etcd host ${victim.name} lost (etcd leader; ${left} of ${q.members} left, quorum ${q.quorum})`,
      expectation: `the surviving etcd hosts know a new leader within ${lab.bounds.electionMs} ms; 503s only for requests started before that; writes go on; no request without answer; HAProxy marks no control plane DOWN`,
      measured: `new leader after ${electionMs ?? "NEVER"} ms; ${s.sent} sent, ${answered503.length} answered 503${answered503.length ? ` (${reasons(answered503)})` : ""}, ${late.length} started later; ${noAnswer.length} without answer; ${writesAfter} writes acknowledged after the kill; ${cpDown} control plane(s) marked DOWN`,
      pass:
        electionMs !== null &&
        electionMs <= lab.bounds.electionMs &&
        late.length === 0 &&
        noAnswer.length === 0 &&
        writesAfter > 0 &&
        cpDown === 0,
      figures: {
        victim: victim.name,
        electionMs,
        answered503: answered503.length,
        after503Window: late.length,
        noAnswer: noAnswer.length,
        writesAfterKill: writesAfter,
        controlPlanesMarkedDown: cpDown,
        membersLeft: left,
        quorum: q.quorum,
      },
    },
  ];
}

/**
 * E3: etcd hosts are killed until fewer than their quorum live, all control planes up. A write to
 * a stand-in fails with "quorum lost", its serializable read still answers from the member it
 * reaches, and no write through the VIP started after the loss is acknowledged. Returns the checks
 * and every etcd host down.
 */
export async function etcdQuorumLoss(
  lab: Lab,
  down: readonly LabHost[],
): Promise<{ checks: Check[]; down: LabHost[] }> {
  const q = quorumOf(lab.topo.etcds.length);
  const alive = lab.topo.etcds.filter((h) => !down.includes(h));
  const victims = alive.slice(0, alive.length - q.quorum + 1);
  const cp = lab.topo.cps[0];
  let killed = 0;
  const { loop, value: d } = await lab.withLoop("etcd-quorum", async () => {
    const offs = await Promise.all(victims.map((v) => lab.powerOff(v)));
    killed = Math.max(...offs.map((o) => o.goneAt));
    const wait = lab.bounds.quorumWriteFailMs + 4_000;
    const write = await lab.request(cp.address, "PUT", `/kv/lab-q/${lab.runId}`, "must-not-commit", wait);
    const serial = await lab.request(cp.address, "GET", `/kv/${lab.probeKey}?serializable=1`, undefined, 5_000);
    const viaVip = await lab.request(lab.vip, "PUT", `/kv/lab-q/${lab.runId}-vip`, "must-not-commit", 5_000);
    return { write, serial, viaVip };
  });
  const { write, serial, viaVip } = d;
  const writeMs = Math.round(write.end - write.start);
  const serialValue = serial.ok && serial.body ? (JSON.parse(serial.body) as { value?: string }).value : undefined;
  const after = loop.records.filter((r) => !r.skipped && r.start > killed);
  const acked = after.filter((r) => r.kind === "write" && r.ok);
  const nowDown = [...down, ...victims];
  const label = `E3 etcd quorum loss (${nowDown.length} of ${q.members} etcd hosts down, quorum ${q.quorum}; ${lab.topo.cps.length} control planes up)`;
  const clear = !write.ok && write.status === 503 && /quorum lost/.test(write.body ?? "");
  return {
    down: nowDown,
    checks: [
      {
        drill: label,
        expectation: `a write to ${cp.name}'s stand-in fails with "quorum lost" within ${lab.bounds.quorumWriteFailMs} ms; a serializable read still answers (the probe value) from the etcd host it reaches`,
        measured: `write: ${write.status ?? write.error} after ${writeMs} ms (${(write.body ?? "").slice(0, 80)}); serializable read ${serial.status ?? serial.error} (${serialValue === lab.runId ? "probe value intact" : `value ${serialValue}`})`,
        pass: clear && writeMs <= lab.bounds.quorumWriteFailMs && serial.status === 200 && serialValue === lab.runId,
        figures: { victims: victims.map((v) => v.name).join(","), writeStatus: write.status ?? null, writeMs },
      },
      {
        drill: label,
        expectation:
          "client loop through the VIP: no write started after the loss is acknowledged; a write through the VIP fails",
        measured: `${after.length} sent after the loss, ${acked.length} writes acknowledged; write via VIP ${viaVip.ok ? "ACKNOWLEDGED" : `failed (${viaVip.status ?? viaVip.error})`}`,
        pass: acked.length === 0 && after.length > 0 && !viaVip.ok,
        figures: { sentAfterLoss: after.length, writesAcknowledged: acked.length },
      },
    ],
  };
}
