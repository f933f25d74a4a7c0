/**
 * E4: removing an etcd host as `pulumi up` does it, with the plan's own script: the rendered
 * delete script of the host's `etcd-member` step (core/scripts/etcd-leave.sh) runs on that host
 * (in its namespace, in the restore drill's sandbox: kubeadm's paths bound to the host's folders,
 * the rest of /etc, /var and /usr copy-on-write). While the members left would fall below their
 * quorum it must refuse and change nothing; once they are back it removes the member through
 * another one, and writes go on with nothing acknowledged lost.
 */
import { join } from "node:path";
import { quorumOf } from "../../core/config/types";
import { stepOf } from "../../core/plan/lookup";
import { buildPlan } from "../../core/plan/steps";
import { runHostScript } from "../etcd-restore/sandbox";
import { Lab } from "../lab";
import { LabError } from "../lib/errors";
import { CommandResult } from "../lib/sh";
import { pollUntil } from "../lib/time";
import { LabHost } from "../net/topology";
import { Check } from "../report";
import { WAIT } from "../settings";
import { checkLedger } from "../drills/ledger";
import { etcdPkiRoot } from "./daemons";
import { endpointViews, healthyCount } from "./etcd-view";

/** Runs the rendered leave script of `h` on `h`. */
function leave(lab: Lab, h: LabHost, script: string, attempt: string): Promise<CommandResult> {
  return runHostScript({
    ns: h.ns,
    root: join(etcdPkiRoot(lab.paths), h.name),
    name: `${h.name}-leave-${attempt}`,
    content: script,
  });
}

export async function memberRemoval(lab: Lab): Promise<Check[]> {
  const etcds = lab.topo.etcds;
  const [other, , leaving] = etcds;
  if (!leaving) throw new LabError("the member removal drill needs 3 etcd hosts");
  const step = stepOf(buildPlan(lab.topo.spec), "etcd-member", leaving.name);
  if (!step.deleteScript) throw new LabError(`${step.id} has no delete script`);
  const q = quorumOf(etcds.length - 1);

  // Refused: with `other` down, removing `leaving` would leave 1 healthy of 2, below their quorum of 2.
  await lab.powerOff(other);
  const refused = await leave(lab, leaving, step.deleteScript, "refused");
  const membersWhileRefused = (
    await endpointViews(
      lab,
      etcds.filter((h) => h !== other),
    )
  ).length;
  lab.startEtcdHost(other);
  await pollUntil(
    "every etcd host healthy again",
    async () => ((await healthyCount(lab, etcds)) === etcds.length ? true : undefined),
    {
      timeoutMs: WAIT.readyMs,
      intervalMs: 250,
    },
  );

  // Done: every member healthy, the leave removes `leaving` while the client loop runs.
  const { loop, value: done } = await lab.withLoop("etcd-leave", () =>
    leave(lab, leaving, step.deleteScript ?? "", "done"),
  );
  const stay = etcds.filter((h) => h !== leaving);
  const healthyLeft = await healthyCount(lab, stay);
  const listed = await endpointViews(lab, stay);
  const writes = loop.records.filter((r) => r.kind === "write" && r.ok).length;
  const failed = loop.records.filter((r) => !r.skipped && !r.ok).length;
  await lab.waitReady(lab.topo.cps, WAIT.readyMs);
  const ledger = await checkLedger(lab);
  const label = `E4 etcd host ${leaving.name} removed by its rendered leave script`;
  const refusedRight = refused.code !== 0 && /below their quorum of 2/.test(refused.stderr);
  return [
    {
      drill: label,
      expectation: `with ${other.name} down it refuses (1 healthy of the 2 left, below their quorum of 2) and changes nothing`,
      measured: `exit ${refused.code}: ${refused.stderr.trim().split("\n").at(-1) ?? ""}; ${membersWhileRefused} members still answer`,
      pass: refusedRight && membersWhileRefused === etcds.length - 1,
      figures: { refusedExit: refused.code, membersAnswering: membersWhileRefused },
    },
    {
      drill: label,
      expectation: `with every member healthy it removes ${leaving.name} through another member (${stay.length} left, quorum ${q.quorum}); writes go on; every acknowledged write of the run is still there`,
      measured: `exit ${done.code}: ${done.stdout.trim().split("\n")[0] ?? ""}; ${healthyLeft} of ${stay.length} healthy; ${writes} writes acknowledged, ${failed} requests failed during the removal; ${ledger.unlisted === undefined ? `${lab.ledger.size} acknowledged writes checked, ${ledger.lost.length} lost` : "could not list the writes"}`,
      pass:
        done.code === 0 &&
        /removed member/.test(done.stdout) &&
        healthyLeft === stay.length &&
        listed.length === stay.length &&
        writes > 0 &&
        ledger.unlisted === undefined &&
        ledger.lost.length === 0,
      figures: {
        leaveExit: done.code,
        healthyLeft,
        writesDuringRemoval: writes,
        failedDuringRemoval: failed,
        checked: lab.ledger.size,
        lost: ledger.lost.length,
      },
    },
  ];
}
