/**
 * Day-two edits of `etcdHosts` under the mocks (issue 15), modelled as `pulumi up` decides them
 * (test/support/edit-diff.ts): members are added and removed one at a time, each removal runs the
 * quorum-checked leave on the host that leaves, and no edit resets a node or a member that stays.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { buildPlan } from "../core/plan/steps";
import { editDiff, EditDiff } from "./support/edit-diff";
import { installMocks } from "./support/mocks";
import { Run, runCluster } from "./support/program";
import { exampleWith, hosts } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2"]);

const etcd = hosts("etcd", 5, "192.168.1", 121);
const configWith = (etcdHosts: readonly object[]): Record<string, unknown> => exampleWith({ etcdHosts });

let base: { run: Run; spec: ClusterSpec } | undefined;
/** The dev stack with etcd1..etcd3, run once. */
async function baseRun(): Promise<{ run: Run; spec: ClusterSpec }> {
  if (!base) {
    const spec = buildSpec(configWith(etcd.slice(0, 3)));
    base = { run: await runCluster(spec), spec };
  }
  return base;
}

async function edit(etcdHosts: readonly object[], other: Record<string, unknown> = {}): Promise<EditDiff> {
  const before = await baseRun();
  const spec = buildSpec(exampleWith({ etcdHosts, ...other }));
  return editDiff(before.run, before.spec, await runCluster(spec), spec);
}

/** Every script that runs, as `<step> <create|delete>@<host>`. */
const runsOf = (d: EditDiff): string[] => d.changes.flatMap((c) => c.runs.map((r) => `${c.name} ${r}`));

test("etcd edit: adding two hosts creates only their steps; the new members join one after the other, nothing is deleted or replaced", async () => {
  const d = await edit(etcd);
  assert.deepEqual(d.byKind.replace, []);
  assert.deepEqual(d.byKind.delete, []);
  assert.deepEqual(
    d.byKind.create.filter((n) => !/upgrade/.test(n)),
    [
      "etcd4-etcd-member",
      "etcd4-etcd-snapshot",
      "etcd4-prepare-node",
      "etcd4-wait-ssh",
      "etcd5-etcd-member",
      "etcd5-etcd-snapshot",
      "etcd5-prepare-node",
      "etcd5-wait-ssh",
    ],
  );
  assert.ok(!runsOf(d).some((r) => r.includes(" delete@")), runsOf(d).join("\n"));
  // The members that stay are updated (their leave script must know the new members): their create
  // runs again, and finds the host already holding etcd data.
  for (const m of ["etcd1", "etcd2", "etcd3"]) assert.equal(d.get(`${m}-etcd-member`)?.kind, "update", m);
  // The api-servers then follow, one control plane at a time.
  for (const cp of ["cp1", "cp2", "cp3"]) assert.equal(d.get(`${cp}-etcd-endpoints`)?.kind, "update", cp);
  const run = await runCluster(buildSpec(configWith(etcd)));
  assert.ok((await run.options.get("etcd5-etcd-member")!.dependsOn).includes("etcd4-etcd-member"));
  assert.ok((await run.options.get("etcd4-etcd-member")!.dependsOn).includes("etcd3-etcd-member"));
  assert.ok((await run.options.get("cp1-etcd-endpoints")!.dependsOn).includes("cp1-kubeadm-join"));
});

test("etcd edit: removing a host runs its quorum-checked leave on that host only; the others are updated, never reset", async () => {
  const d = await edit([etcd[0], etcd[2], { name: "etcd4", address: "192.168.1.124" }]);
  assert.deepEqual(d.byKind.replace, []);
  assert.deepEqual(
    d.byKind.delete.filter((n) => n.startsWith("etcd2")),
    ["etcd2-etcd-member", "etcd2-etcd-snapshot", "etcd2-prepare-node", "etcd2-wait-ssh"],
  );
  // Its snapshot timer goes first (it waits for the member), then the member leaves.
  const deletes = runsOf(d).filter((r) => r.includes(" delete@"));
  assert.deepEqual(deletes, ["etcd2-etcd-member delete@etcd2", "etcd2-etcd-snapshot delete@etcd2"]);
  // The old delete script: member remove through another member, refused below the quorum of those left.
  const old = (await baseRun()).run.resources.find((r) => r.name === "etcd2-etcd-member");
  assert.match(String(old?.inputs.delete), /member\/remove/);
  assert.match(String(old?.inputs.delete), /below their quorum of/);
  assert.deepEqual(
    d.byKind.create.filter((n) => n.startsWith("etcd")),
    ["etcd4-etcd-member", "etcd4-etcd-snapshot", "etcd4-prepare-node", "etcd4-wait-ssh"],
  );
});

test("etcd edit: a new etcd address replaces that member (leave, then join); a control-plane edit leaves the etcd hosts alone", async () => {
  const d = await edit([
    etcd[0],
    { name: "etcd2", address: "192.168.1.122", privateAddress: "192.168.1.132" },
    etcd[2],
  ]);
  assert.deepEqual(d.get("etcd2-etcd-member")?.runs, ["delete@etcd2", "create@etcd2"]);
  assert.equal(d.get("etcd2-etcd-member")?.kind, "replace");
  for (const m of ["etcd1", "etcd3"]) assert.notEqual(d.get(`${m}-etcd-member`)?.kind, "replace", m);
  assert.deepEqual(
    runsOf(d).filter((r) => r.includes(" delete@")),
    ["etcd2-etcd-member delete@etcd2"],
  );
  const cp = await edit(etcd.slice(0, 3), { controlPlanes: hosts("cp", 4, "192.168.1", 101) });
  assert.deepEqual(
    cp.changes.filter((c) => c.name.startsWith("etcd")).map((c) => c.name),
    [],
    "no etcd host step changes when a control plane is added",
  );
  assert.deepEqual(
    cp.byKind.create.filter((n) => n.startsWith("cp4-etcd")),
    ["cp4-etcd-client", "cp4-etcd-endpoints"],
  );
  assert.ok(!runsOf(cp).some((r) => r.includes(" delete@")), runsOf(cp).join("\n"));
});

test("etcd edit: a version bump (also across 1.31) updates the etcd hosts' node preparation only: no etcd-ca, etcd-member or etcd-client step changes", async () => {
  const d = await edit(etcd.slice(0, 3), { kubernetesVersion: "1.33.1" });
  assert.deepEqual([d.byKind.create, d.byKind.replace, d.byKind.delete], [[], [], []]);
  const etcdSteps = /-(etcd-ca|etcd-member|etcd-client|etcd-client-cert|etcd-endpoints)$|^etcd-(ca|client-cert)$/;
  assert.deepEqual(
    d.changes.filter((c) => etcdSteps.test(c.name)).map((c) => c.name),
    [],
  );
  for (const e of ["etcd1", "etcd2", "etcd3"]) assert.equal(d.get(`${e}-prepare-node`)?.kind, "update", e);
  // Across 1.31 the rendered config is the same: v1beta4, the version filled in on the host.
  const plans = ["1.30.9", "1.31.4"].map((v) =>
    buildPlan(buildSpec(exampleWith({ etcdHosts: etcd.slice(0, 3), kubernetesVersion: v }))),
  );
  const etcdPhases = plans[0].steps.filter((s) => /^etcd-/.test(s.phase));
  assert.ok(etcdPhases.length >= 5, "the etcd host steps are in the plan");
  for (const s of etcdPhases) {
    const other = plans[1].steps.find((o) => o.id === s.id);
    assert.deepEqual([other?.script, other?.deleteScript, other?.files], [s.script, s.deleteScript, s.files], s.id);
  }
});

test("etcd member config: the host fills in its kubeadm's version, and below 1.31 writes v1beta3 with etcd's extraArgs as a map", () => {
  const member = buildPlan(buildSpec(configWith(etcd.slice(0, 3)))).steps.find((s) => s.id === "etcd1-etcd-member");
  const config = member?.files?.find((f) => f.path.endsWith("etcd-member.yaml"))?.content ?? "";
  assert.match(config, /kubernetesVersion: "@KUBERNETES_VERSION@"/);
  // The conversion as etcd-member.sh runs it (the block after lib/kubeadm-config.sh), with a stand-in kubeadm.
  const script = readFileSync("core/scripts/etcd-member.sh", "utf8");
  const block = /^config=\$\(kubeadm_config "\$KUBEADM_CONFIG"\)\n[\s\S]*?^fi$/m.exec(script)?.[0];
  assert.ok(block, "etcd-member.sh converts the config with kubeadm_config");
  const converted = (version: string): string => {
    const bin = mkdtempSync(join(tmpdir(), "kha-kubeadm-"));
    writeFileSync(join(bin, "kubeadm"), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    const lib = readFileSync("core/scripts/lib/kubeadm-config.sh", "utf8");
    try {
      return execFileSync("bash", ["-c", `set -euo pipefail\n${lib}\n${block}\nprintf '%s' "$config"`], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBEADM_CONFIG: config },
        encoding: "utf8",
      });
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  };
  const old = converted("v1.30.9");
  assert.match(old, /^apiVersion: kubeadm\.k8s\.io\/v1beta3$/m);
  assert.doesNotMatch(old, /v1beta4|- name: /);
  assert.match(old, /^kubernetesVersion: v1\.30\.9$/m);
  assert.match(old, /^ {6}listen-client-urls: https:\/\/127\.0\.0\.1:2379,https:\/\/192\.168\.1\.121:2379$/m);
  assert.match(old, /^ {6}initial-cluster: "@ETCD_INITIAL_CLUSTER@"$/m);
  const current = converted("v1.31.4");
  assert.match(current, /^apiVersion: kubeadm\.k8s\.io\/v1beta4$/m);
  assert.match(current, /^kubernetesVersion: v1\.31\.4$/m);
  assert.match(current, /^ {6}- name: listen-client-urls$/m);
});
