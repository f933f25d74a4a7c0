import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { stepOf } from "../../core/plan/lookup";
import {
  ETCD_RESTORE_PATH,
  ETCD_TOOLS_DIR,
  SAVE_SNAPSHOT_PATH,
  SNAPSHOT_DIR,
} from "../../core/plan/phases/etcd-snapshots";
import { buildPlan, PlanStep } from "../../core/plan/steps";
import { Daemon } from "../lib/daemon";
import { LabError } from "../lib/errors";
import { mustRun } from "../lib/sh";
import { nowMs, pollUntil, sleep } from "../lib/time";
import { Check } from "../report";
import { clusterIds, etcdctl, memberList, readBack, WriteRecord, Writer } from "./client";
import { DrillHost, DrillTopology, memberRoot, startMember } from "./members";
import { runHostScript } from "./sandbox";
import { LIMITS } from "./settings";

/** Where the drill keeps its files and logs. */
export interface DrillPaths {
  /** Scratch folder: member folders (`members/<name>`), certificates, the scripts as run. */
  readonly dir: string;
  /** The etcd members' logs. */
  readonly logDir: string;
}

/** The rendered file a member's etcd-snapshot step installs at `path`. */
function installed(step: PlanStep, path: string): string {
  const file = step.files.find((f) => f.path === path);
  if (!file) throw new LabError(`${step.id} installs no ${path}`);
  return file.content;
}

/** Starts every member and waits until the cluster serves a linearizable read; returns the daemons. */
async function startCluster(t: DrillTopology, p: DrillPaths, round: number): Promise<Daemon[]> {
  const daemons = t.members.map((m) => startMember(t, m, p.dir, p.logDir, round));
  await pollUntil(
    "every etcd member healthy",
    async () => {
      const r = await etcdctl(t, p.dir, ["endpoint", "health"]);
      return r.ok ? true : undefined;
    },
    { timeoutMs: LIMITS.healthyMs, intervalMs: 200 },
  );
  return daemons;
}

/** The one snapshot file the rendered script left on a member, with its mode and its folder's. */
function snapshotOn(p: DrillPaths, m: DrillHost): { file: string; mode: number; dirMode: number } {
  const dir = join(memberRoot(p.dir, m.name), SNAPSHOT_DIR);
  const files = readdirSync(dir).filter((f) => /^etcd-snapshot-.*\.db$/.test(f));
  if (files.length !== 1)
    throw new LabError(`${m.name}: expected one snapshot in ${SNAPSHOT_DIR}, found ${files.length}`);
  const file = join(dir, files[0]);
  return { file, mode: statSync(file).mode & 0o777, dirMode: statSync(dir).mode & 0o777 };
}

/**
 * The drill: three TLS members as kubeadm runs them; the rendered snapshot script on each while a
 * writer goes on; every member stopped and its data dir wiped; cp1's snapshot copied to every
 * member and the rendered restore script's `restore` run on each; the members started again with
 * their unchanged command line (what `start-etcd` does by putting the manifest back).
 */
export async function etcdRestoreDrill(t: DrillTopology, p: DrillPaths): Promise<Check[]> {
  const plan = buildPlan(t.spec);
  const steps = new Map(t.members.map((m) => [m.name, stepOf(plan, "etcd-snapshot", m.name)]));
  const etcdctlPath = mustRun("sh", ["-c", "command -v etcdctl"]).trim();
  for (const m of t.members) {
    // Where the rendered script keeps what it copies out of the etcd container on a host (the lab has no container runtime).
    const tools = join(memberRoot(p.dir, m.name), ETCD_TOOLS_DIR);
    mkdirSync(tools, { recursive: true });
    copyFileSync(etcdctlPath, join(tools, "etcdctl"));
  }
  const writer = new Writer(t, p.dir);
  try {
    return await drillWith(t, p, steps, writer);
  } finally {
    // Also when the drill stops half way: the writer would go on trying forever.
    await writer.stop();
  }
}

/** The drill's body, with its writer (stopped by the caller, whatever happens). */
async function drillWith(
  t: DrillTopology,
  p: DrillPaths,
  steps: ReadonlyMap<string, PlanStep>,
  writer: Writer,
): Promise<Check[]> {
  let daemons = await startCluster(t, p, 1);
  const idsBefore = clusterIds(t, p.dir);
  writer.start();
  await sleep(LIMITS.writesBeforeMs);

  // Snapshot: cp1's is the one restored; its window [t0, t1] splits the writes.
  const saved: string[] = [];
  let t0 = 0;
  let t1 = 0;
  let cp1Output = "";
  for (const m of t.members) {
    const start = nowMs();
    const r = await runHostScript({
      ns: m.ns,
      root: memberRoot(p.dir, m.name),
      name: `save-${m.name}`,
      content: installed(steps.get(m.name) as PlanStep, SAVE_SNAPSHOT_PATH),
    });
    if (m === t.members[0]) {
      t0 = start;
      t1 = nowMs();
      cp1Output = r.stdout.trim();
    }
    if (r.code !== 0)
      throw new LabError(
        `the rendered snapshot script failed on ${m.name} (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-800)}`,
      );
    saved.push(m.name);
  }
  const snaps = t.members.map((m) => snapshotOn(p, m));
  await sleep(LIMITS.writesAfterMs);
  await writer.stop();

  // Quorum destroyed: every member stopped, every data dir wiped.
  await Promise.all(daemons.map((d) => d.stop(5_000)));
  for (const m of t.members)
    rmSync(join(memberRoot(p.dir, m.name), "var", "lib", "etcd", "member"), { recursive: true, force: true });
  const writeWithoutQuorum = await etcdctl(t, p.dir, ["put", "/drill/after-loss", "x"]);

  // Restore: the same file on every member (what an operator copies), then the rendered script.
  const restoreStart = nowMs();
  const restoreOutputs: string[] = [];
  for (const m of t.members) {
    const inbox = join(memberRoot(p.dir, m.name), "var", "lib", "kubeadm-ha", "restore");
    mkdirSync(inbox, { recursive: true, mode: 0o700 });
    copyFileSync(snaps[0].file, join(inbox, "snapshot.db"));
    const r = await runHostScript({
      ns: m.ns,
      root: memberRoot(p.dir, m.name),
      name: `restore-${m.name}`,
      content: installed(steps.get(m.name) as PlanStep, ETCD_RESTORE_PATH),
      args: ["restore", "/var/lib/kubeadm-ha/restore/snapshot.db"],
    });
    if (r.code !== 0)
      throw new LabError(
        `the rendered restore script failed on ${m.name} (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-800)}`,
      );
    restoreOutputs.push(r.stdout);
  }
  daemons = await startCluster(t, p, 2);
  const restoredMs = nowMs() - restoreStart;
  const idsAfter = clusterIds(t, p.dir);
  const members = await memberList(t, p.dir);
  const expectedMembers = t.members.map((x) => `${x.name}=https://${x.address}:2380`).sort();
  const values = await readBack(t, p.dir);
  const writeAfter = await etcdctl(t, p.dir, ["put", "/drill/after-restore", "ok"]);
  await Promise.all(daemons.map((d) => d.stop(5_000)));

  return judge({
    records: writer.records,
    t0,
    t1,
    values,
    saved,
    snaps,
    cp1Output,
    restoredMs,
    restoreOutputs,
    idsBefore,
    idsAfter,
    quorumLossRefused: !writeWithoutQuorum.ok,
    writeAfterOk: writeAfter.ok,
    members: t.members.length,
    membersAsRendered: members.join(",") === expectedMembers.join(","),
  });
}

/** What the drill measured. */
interface Measured {
  readonly records: readonly WriteRecord[];
  readonly t0: number;
  readonly t1: number;
  readonly values: ReadonlyMap<string, string>;
  readonly saved: readonly string[];
  readonly snaps: readonly { file: string; mode: number; dirMode: number }[];
  readonly cp1Output: string;
  readonly restoredMs: number;
  readonly restoreOutputs: readonly string[];
  readonly idsBefore: readonly string[];
  readonly idsAfter: readonly string[];
  readonly quorumLossRefused: boolean;
  readonly writeAfterOk: boolean;
  readonly members: number;
  /** `member list` after the restore names exactly the members and peer URLs the plan rendered. */
  readonly membersAsRendered: boolean;
}

function judge(m: Measured): Check[] {
  const acked = m.records.filter((r) => r.acked);
  const before = acked.filter((r) => r.end < m.t0);
  const after = acked.filter((r) => r.start > m.t1);
  const missing = before.filter((r) => m.values.get(r.key) !== r.value);
  const afterPresent = after.filter((r) => m.values.has(r.key));
  const modesOk = m.snaps.every((s) => s.mode === 0o600 && s.dirMode === 0o700);
  const savedLine = /^saved .*$/m.exec(m.cp1Output)?.[0] ?? m.cp1Output.split("\n").pop() ?? "";
  const newCluster =
    m.idsAfter.length === m.members && new Set(m.idsAfter).size === 1 && !m.idsBefore.includes(m.idsAfter[0]);
  return [
    {
      drill: "snapshot: rendered script",
      expectation: `kubeadm-ha-save-etcd-snapshot (rendered) runs on all ${m.members} TLS members while writes go on: exit 0, verified, file 0600 in a 0700 folder`,
      measured: `${m.saved.length} of ${m.members} saved (${modesOk ? "0600 in 0700" : "WRONG MODES"}); cp1: ${savedLine}; ${before.length} writes acknowledged before it`,
      pass: m.saved.length === m.members && modesOk && before.length > 0,
      figures: { saved: m.saved.length, ackedBeforeSnapshot: before.length, snapshotMs: Math.round(m.t1 - m.t0) },
    },
    {
      drill: "restore: quorum destroyed",
      expectation: "every member stopped and its data dir wiped: a write fails",
      measured: m.quorumLossRefused ? "the write failed" : "the write SUCCEEDED",
      pass: m.quorumLossRefused,
      figures: { writeRefused: m.quorumLossRefused },
    },
    {
      drill: "restore: rendered script",
      expectation:
        "kubeadm-ha-etcd-restore restore (rendered) on every member, members started: a new cluster of 3 with quorum; every write acknowledged before the snapshot reads back",
      measured:
        `${before.length - missing.length} of ${before.length} read back; ${after.length} writes after the snapshot lost (expected), ${afterPresent.length} of them present; ` +
        `new cluster id ${m.idsAfter[0] ?? "none"} (was ${m.idsBefore[0] ?? "none"}), members ${m.membersAsRendered ? "as rendered" : "NOT as rendered"}; quorum back ${(m.restoredMs / 1000).toFixed(1)} s after the restore started; writes ${m.writeAfterOk ? "work" : "FAIL"}`,
      pass:
        missing.length === 0 &&
        afterPresent.length === 0 &&
        newCluster &&
        m.membersAsRendered &&
        m.writeAfterOk &&
        m.restoreOutputs.every((o) => /restored /.test(o)),
      figures: {
        checked: before.length,
        lost: missing.length,
        lostAfterSnapshot: after.length,
        presentAfterSnapshot: afterPresent.length,
        restoredMs: Math.round(m.restoredMs),
        newClusterId: newCluster,
        membersAsRendered: m.membersAsRendered,
      },
    },
  ];
}
