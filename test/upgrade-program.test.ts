import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { buildPlan, PlanStep } from "../core/plan/steps";
import { editDiff } from "./support/edit-diff";
import { installMocks } from "./support/mocks";
import { devStackRun, runCluster } from "./support/program";
import { exampleWith, hosts, stackConfig } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2"]);

const devRun = devStackRun;

const UPGRADE = /^(upgrade-apply|\S+-upgrade-node)$/;

test("a fresh stack: the upgrade steps have an update script only, so they run nothing and open no SSH session", async () => {
  const { run } = await devRun();
  const upgrades = run.resources.filter((r) => r.type === "command:remote:Command" && UPGRADE.test(r.name));
  assert.deepEqual(upgrades.map((r) => r.name).sort(), [
    "cp2-upgrade-node",
    "cp3-upgrade-node",
    "upgrade-apply",
    "worker1-upgrade-node",
    "worker2-upgrade-node",
  ]);
  for (const r of upgrades) {
    assert.equal(r.inputs.create, undefined, r.name);
    assert.equal(r.inputs.delete, undefined, r.name);
    assert.match(String(r.inputs.update), /TARGET_VERSION='1\.32\.3'/, r.name);
  }
  assert.match(String(run.resources.find((r) => r.name === "upgrade-apply")?.inputs.update), /kubeadm upgrade apply/);
  assert.match(
    String(run.resources.find((r) => r.name === "worker1-upgrade-node")?.inputs.update),
    /kubeadm upgrade node/,
  );
});

test("upgrade order: apply after the control planes are prepared, control planes one at a time, then workers; joins wait for it", async () => {
  const { run, spec } = await devRun();
  const waits = async (name: string): Promise<string[]> => (await run.options.get(name)?.dependsOn) ?? [];
  assert.deepEqual(await waits("upgrade-apply"), [
    "cp1-prepare-node",
    "cp2-prepare-node",
    "cp3-prepare-node",
    "kubeadm-init",
  ]);
  // A node added with a minor bump joins the upgraded control plane (kubeadm refuses a kubelet newer than it).
  for (const cp of spec.controlPlanes)
    assert.ok((await waits(`${cp.name}-kubeadm-join`)).includes("upgrade-apply"), cp.name);
  for (const w of spec.workers) assert.ok((await waits(`${w.name}-kubeadm-join`)).includes("cp3-upgrade-node"), w.name);
  assert.deepEqual(await waits("cp2-upgrade-node"), ["upgrade-apply"]);
  assert.deepEqual(await waits("cp3-upgrade-node"), ["cp2-upgrade-node"]);
  // upgradeMaxUnavailable 1 (the default): one lane, after the last control plane.
  // ...and after its own preparation, which moved its apt source to the new minor.
  assert.deepEqual(await waits("worker1-upgrade-node"), ["cp3-upgrade-node", "worker1-prepare-node"]);
  assert.deepEqual(await waits("worker2-upgrade-node"), ["worker1-upgrade-node", "worker2-prepare-node"]);
});

test("upgradeMaxUnavailable 2: workers in two lanes, each after the last control plane, then after the one two before", () => {
  const plan = buildPlan(
    buildSpec(exampleWith({ upgradeMaxUnavailable: 2, workers: hosts("w", 5, "192.168.1", 111) })),
  );
  const after = (id: string): readonly string[] | undefined => plan.steps.find((s) => s.id === id)?.after;
  assert.deepEqual(
    ["w1", "w2", "w3", "w4", "w5"].map((w) => after(`${w}-upgrade-node`)),
    [
      ["cp3-upgrade-node", "w1-prepare-node"],
      ["cp3-upgrade-node", "w2-prepare-node"],
      ["w1-upgrade-node", "w3-prepare-node"],
      ["w2-upgrade-node", "w4-prepare-node"],
      ["w3-upgrade-node", "w5-prepare-node"],
    ],
  );
  // Each drain happens in the node's own step, before its kubeadm and kubelet: the script order.
  const script = plan.steps.find((s) => s.id === "w3-upgrade-node")?.updateScript ?? "";
  const at = (text: string): number => script.lastIndexOf(text);
  assert.ok(at("\ndrain_self") < at("\ninstall_held kubeadm"), "drain before the new kubeadm");
  assert.ok(at("\ninstall_held kubeadm") < at("logged kubeadm upgrade node"), "kubeadm before kubeadm upgrade node");
  assert.ok(at("logged kubeadm upgrade node") < at("\nfinish_kubelet"), "then kubelet and kubectl");
  const apply = plan.steps.find((s) => s.id === "upgrade-apply")?.updateScript ?? "";
  assert.ok(apply.lastIndexOf("logged kubeadm upgrade plan") < apply.lastIndexOf("logged kubeadm upgrade apply"));
});

test("edit: a version bump updates node preparation and the upgrade steps only: no init, join, token or verify runs", async () => {
  const before = await devRun();
  const spec = buildSpec(exampleWith({ kubernetesVersion: "1.33.1" }));
  const d = editDiff(before.run, before.spec, await runCluster(spec), spec);
  assert.deepEqual([d.byKind.create, d.byKind.replace, d.byKind.delete], [[], [], []]);
  assert.deepEqual(d.byKind.update, [
    "cp1-prepare-node",
    "cp2-prepare-node",
    "cp2-upgrade-node",
    "cp3-prepare-node",
    "cp3-upgrade-node",
    "upgrade-apply",
    "worker1-prepare-node",
    "worker1-upgrade-node",
    "worker2-prepare-node",
    "worker2-upgrade-node",
  ]);
  for (const c of d.changes) {
    assert.deepEqual(c.inputs, UPGRADE.test(c.name) ? ["update"] : ["create"], c.name);
    assert.equal(c.runs.length, 1, c.name);
  }
  for (const untouched of ["kubeadm-init", "join-token", "ca-cert-hash", "verify", "cp2-join-material"])
    assert.equal(d.get(untouched), undefined, untouched);
  assert.ok(!d.changes.some((c) => /-kubeadm-join$/.test(c.name)), "no join changes");
});

test("edit: crossing 1.30 to 1.31 (kubeadm config v1beta3 to v1beta4 on the host) leaves init and join scripts as they are", () => {
  const from = buildPlan(buildSpec(exampleWith({ kubernetesVersion: "1.30.9" })));
  const to = buildPlan(buildSpec(exampleWith({ kubernetesVersion: "1.31.4" })));
  // What becomes the Command's inputs (PLAN.md's descriptions may name the API version).
  const inputs = (s: PlanStep | undefined): string =>
    JSON.stringify([s?.script, s?.updateScript, s?.deleteScript, s?.stdin, s?.stdinData, s?.replaceOn]);
  const changed = from.steps
    .filter((s) => inputs(to.steps.find((o) => o.id === s.id)) !== inputs(s))
    .map((s) => s.phase);
  assert.deepEqual([...new Set(changed)].sort(), ["prepare-node", "upgrade-apply", "upgrade-node"]);
});

test("edit: other edits create or delete upgrade steps without running anything; a new admin host gets upgrade-apply's connection", async () => {
  const before = await devRun();
  const cps = hosts("cp", 3, "192.168.1", 101);
  const reordered = buildSpec(exampleWith({ controlPlanes: [cps[1], cps[0], cps[2]] }));
  const d = editDiff(before.run, before.spec, await runCluster(reordered), reordered);
  const upgrades = d.changes.filter((c) => UPGRADE.test(c.name));
  assert.deepEqual(
    upgrades.map((c) => `${c.name} ${c.kind} ${c.runs.join(" ")}`.trim()),
    ["cp1-upgrade-node create", "cp2-upgrade-node delete", "upgrade-apply update create@cp2"],
  );
  // Its update script names cp2 now and runs there: a guarded no-op while the cluster runs the version.
  assert.deepEqual(d.get("upgrade-apply")?.inputs, ["connection", "update"]);
  const added = buildSpec(
    exampleWith({ workers: [...hosts("worker", 2, "192.168.1", 111), { name: "worker3", address: "192.168.1.113" }] }),
  );
  const a = editDiff(before.run, before.spec, await runCluster(added), added);
  assert.deepEqual(a.get("worker3-upgrade-node"), {
    name: "worker3-upgrade-node",
    kind: "create",
    inputs: [],
    runs: [],
  });
  assert.ok(!a.changes.some((c) => UPGRADE.test(c.name) && c.name !== "worker3-upgrade-node"));
});

test("upgradeMaxUnavailable: default 1; 0 or 101 is refused before anything is created, naming key, value and range", () => {
  assert.equal(buildSpec(stackConfig("dev")).upgradeMaxUnavailable, 1);
  for (const bad of [0, 101])
    assert.throws(
      () => buildSpec(exampleWith({ upgradeMaxUnavailable: bad })),
      new RegExp(`upgradeMaxUnavailable.*${bad} is out of range; valid: 1-100`),
    );
});
