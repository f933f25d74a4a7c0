import { quorumOf } from "../../core/config/types";
import { Lab } from "../lab";
import { nowMs } from "../lib/time";
import { LabHost } from "../net/topology";
import { Check } from "../report";
import { describe, reasons } from "./analysis";

/**
 * Drill 5: control planes are killed until fewer than quorum members live, with the client loop
 * running through the VIP. Against a surviving stand-in directly (HAProxy soon has no ready
 * backend): writes fail with a clear error, `/readyz` and linearizable reads fail, serializable
 * reads still answer from the local copy. Through the VIP: no write started after the loss is
 * acknowledged, and HAProxy ends with no server. Returns the checks and every control plane down.
 */
export async function quorumLoss(lab: Lab, down: readonly LabHost[]): Promise<{ checks: Check[]; down: LabHost[] }> {
  const { active } = await lab.activeLb();
  const members = lab.topo.cps.length;
  const q = quorumOf(members);
  const alive = lab.topo.cps.filter((c) => !down.includes(c));
  // Colocated, the VIP holder survives: the VIP stays and its HAProxy reports the empty backend.
  const survivor = alive.includes(active) ? active : alive[alive.length - 1];
  const victims = alive.filter((c) => c !== survivor).slice(0, alive.length - q.quorum + 1);
  const { bounds } = lab;
  let t0 = 0;
  let killed = 0;
  const { loop, value: d } = await lab.withLoop("quorum", async () => {
    t0 = nowMs();
    const offs = await Promise.all(victims.map((v) => lab.powerOff(v)));
    killed = Math.max(...offs.map((o) => o.goneAt));
    const write = await lab.request(
      survivor.address,
      "PUT",
      `/kv/lab-q/${lab.runId}`,
      "must-not-commit",
      bounds.quorumWriteFailMs + 4_000,
    );
    const readyz = await lab.request(survivor.address, "GET", "/readyz", undefined, 5_000);
    const linear = await lab.request(
      survivor.address,
      "GET",
      `/kv/${lab.probeKey}`,
      undefined,
      bounds.quorumWriteFailMs + 4_000,
    );
    const serial = await lab.request(survivor.address, "GET", `/kv/${lab.probeKey}?serializable=1`, undefined, 5_000);
    const noServer = await lab
      .haproxyLog(active)
      .waitFor(/backend kube-apiserver has no server available/, t0, 15_000)
      .catch(() => undefined);
    const viaVip = await lab.request(lab.vip, "PUT", `/kv/lab-q/${lab.runId}-vip`, "must-not-commit", 5_000);
    return { write, readyz, linear, serial, noServer, viaVip };
  });
  const { write, readyz, linear, serial, noServer, viaVip } = d;
  const writeMs = Math.round(write.end - write.start);
  const serialValue = serial.ok && serial.body ? (JSON.parse(serial.body) as { value?: string }).value : undefined;
  const after = loop.records.filter((r) => !r.skipped && r.start > killed);
  const ackedWrites = after.filter((r) => r.kind === "write" && r.ok);
  const clear503 = after.filter((r) => r.status === 503 && /quorum lost/.test(r.body ?? ""));
  const noAnswer = after.filter((r) => r.status === undefined);
  const readsOk = after.filter((r) => r.ok);
  const other = after.filter((r) => !r.ok && !clear503.includes(r) && !noAnswer.includes(r));

  const nowDown = [...down, ...victims];
  const label = `5 quorum loss (${nowDown.length} of ${members} down)`;
  const clear = !write.ok && write.status === 503 && /quorum lost/.test(write.body ?? "");
  return {
    down: nowDown,
    checks: [
      {
        drill: label,
        expectation: `a write to the surviving stand-in (${survivor.name}) fails with a clear error within ${bounds.quorumWriteFailMs} ms; /readyz and linearizable reads fail`,
        measured: `write: ${describe(write)} after ${writeMs} ms; /readyz ${readyz.status ?? readyz.error}; linearizable read ${linear.status ?? linear.error}`,
        pass: clear && writeMs <= bounds.quorumWriteFailMs && readyz.status === 503 && linear.status === 503,
        figures: {
          survivor: survivor.name,
          victims: victims.map((v) => v.name).join(","),
          writeStatus: write.status ?? null,
          writeMs,
          writeError: write.body ?? write.error ?? null,
          readyzStatus: readyz.status ?? null,
          linearizableStatus: linear.status ?? null,
        },
      },
      {
        drill: label,
        expectation:
          "serializable reads still answer from the survivor's local copy; through the VIP HAProxy ends with no server and a write fails",
        measured: `serializable read ${serial.status ?? serial.error} (${serialValue === lab.runId ? "probe value intact" : `value ${serialValue}`}); HAProxy no server ${noServer ? `after ${Math.round(noServer.at - t0)} ms` : "NOT logged"}; write via VIP: ${describe(viaVip)}`,
        pass: serial.status === 200 && serialValue === lab.runId && noServer !== undefined && !viaVip.ok,
        figures: {
          serializableStatus: serial.status ?? null,
          serializableValueIntact: serialValue === lab.runId,
          noServerMs: noServer ? Math.round(noServer.at - t0) : null,
          vipWrite: describe(viaVip),
        },
      },
      {
        drill: label,
        expectation:
          "client loop through the VIP: no write started after the loss is acknowledged; the others fail with 503 naming the lost quorum, or without answer once HAProxy has no server",
        measured: `${after.length} sent after the loss: ${ackedWrites.length} writes acknowledged, ${clear503.length} answered 503 "quorum lost", ${noAnswer.length} without answer${other.length ? `, other: ${reasons(other)}` : ""}; ${readsOk.length} answered OK`,
        pass: ackedWrites.length === 0 && after.length > 0,
        figures: {
          sentAfterLoss: after.length,
          writesAcknowledged: ackedWrites.length,
          answered503QuorumLost: clear503.length,
          noAnswer: noAnswer.length,
          other: other.length,
          answeredOk: readsOk.length,
        },
      },
    ],
  };
}
