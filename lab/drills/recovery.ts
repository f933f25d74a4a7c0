import { boot } from "../host-power";
import { Lab, WRITE_PREFIX } from "../lab";
import { checkLedger } from "./ledger";
import { nowMs, pollUntil } from "../lib/time";
import { LabHost } from "../net/topology";
import { Check } from "../report";
import { RECOVERY_ATTEMPT_MS, WAIT } from "../settings";
import { reasons } from "./analysis";

/**
 * Drill 6: the dead control planes come back (etcd restarted on its existing data dir, stand-in
 * restarted; colocated, HAProxy and keepalived too, the VIP address dropped and the cable back
 * after a power loss) with the client loop running through the VIP. Writes through the VIP must resume
 * within the bound, and every write any client saw acknowledged during the whole run must still
 * be there with its value.
 */
export async function recovery(lab: Lab, down: readonly LabHost[]): Promise<Check[]> {
  let t0 = 0;
  let attempt = 0;
  const { loop, value } = await lab.withLoop("recovery", async () => {
    t0 = nowMs();
    for (const cp of down) await boot(lab, cp);
    const resumed = await pollUntil(
      "a write through the VIP to succeed",
      async () => {
        const r = await lab.request(
          lab.vip,
          "PUT",
          `/kv/${WRITE_PREFIX}/${lab.runId}/recovery/${attempt++}`,
          "after-recovery",
          RECOVERY_ATTEMPT_MS,
        );
        return r.ok ? r : undefined;
      },
      { timeoutMs: lab.bounds.recoveryMs + 15_000, intervalMs: 250 },
    );
    const readyAt = await lab.waitReady(lab.topo.cps, WAIT.readyMs);
    return { resumedAt: resumed.at, readyAt };
  });
  const resumeMs = Math.round(value.resumedAt - t0);
  const afterReady = loop.records.filter((r) => !r.skipped && r.start > value.readyAt);
  const failedAfterReady = afterReady.filter((r) => !r.ok);

  const ledger = await checkLedger(lab);
  const label = `6 recovery (${down.length} back)`;
  return [
    {
      drill: label,
      expectation: `writes through the VIP resume within ${lab.bounds.recoveryMs} ms of restarting the members; once every member is ready, every request succeeds`,
      measured: `first write acknowledged ${resumeMs} ms after restart (${attempt} attempts); all ready after ${Math.round(value.readyAt - t0)} ms; then ${afterReady.length} sent, ${failedAfterReady.length} failed${failedAfterReady.length ? ` (${reasons(failedAfterReady)})` : ""}`,
      pass: resumeMs <= lab.bounds.recoveryMs && failedAfterReady.length === 0 && afterReady.length > 0,
      figures: {
        restarted: down.map((d) => d.name).join(","),
        resumeMs,
        attempts: attempt,
        allReadyMs: Math.round(value.readyAt - t0),
        sentAfterReady: afterReady.length,
        failedAfterReady: failedAfterReady.length,
      },
    },
    {
      drill: label,
      expectation:
        "every write acknowledged at any point of the run is still there with its value (linearizable read through the VIP)",
      measured:
        ledger.unlisted === undefined
          ? `${lab.ledger.size} acknowledged writes checked, ${ledger.lost.length} lost or changed`
          : `could not list: ${ledger.unlisted}`,
      pass: ledger.unlisted === undefined && lab.ledger.size > 0 && ledger.lost.length === 0,
      figures: { checked: lab.ledger.size, lost: ledger.lost.length, firstLost: ledger.lost[0] ?? null },
    },
  ];
}
