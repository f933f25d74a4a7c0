/**
 * Day-two edits of a colocated stack (HAProxy and keepalived on the control planes), under mocks:
 * what `pulumi up` creates, updates and deletes, and what runs where. Adding, removing and
 * re-adding a control plane updates the load balancers of every control plane that stays (their
 * backend and peer lists), one after the other, and never resets a node that stays.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { editDiff, EditDiff } from "./support/edit-diff";
import { installMocks } from "./support/mocks";
import { Run, runCluster } from "./support/program";
import { hosts, stackWith } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "cp4", "cp5", "worker1", "worker2"]);

const cps = hosts("cp", 5, "192.168.1", 101);

/** A colocated stack with these control planes, run under the mocks. */
async function colocatedRun(controlPlanes: readonly { name: string; address: string }[]): Promise<{
  run: Run;
  spec: ClusterSpec;
}> {
  const spec = buildSpec(stackWith("colocated-example", { controlPlanes }));
  return { run: await runCluster(spec), spec };
}

/** What `pulumi up` does going from one run to the other. */
function diff(a: { run: Run; spec: ClusterSpec }, b: { run: Run; spec: ClusterSpec }): EditDiff {
  return editDiff(a.run, a.spec, b.run, b.spec);
}

const lbSteps = (names: readonly string[]): string[] => names.filter((n) => n.endsWith("-load-balancer"));
const runsOf = (d: EditDiff): string[] => d.changes.flatMap((c) => c.runs.map((r) => `${c.name} ${r}`));

/** No delete script runs on, or about, a node that stays (removal steps run on a staying helper, about the leaver). */
function assertNoResetOf(d: EditDiff, staying: readonly string[]): void {
  for (const r of runsOf(d).filter((x) => x.includes(" delete@"))) {
    const [step, where] = r.split(" ");
    assert.ok(!staying.some((n) => step.startsWith(`${n}-`)), `${r}: a delete script about a node that stays`);
    assert.ok(
      !staying.some((n) => where === `delete@${n}`) || /-(drain-node|delete-node)$/.test(step),
      `${r} runs a delete script on a node that stays`,
    );
  }
  assert.deepEqual(
    d.byKind.replace.filter((n) => staying.some((s) => n.startsWith(`${s}-`))),
    [],
    "nothing of a staying node is replaced",
  );
}

test("colocated edit: adding two control planes updates the staying ones' load balancers, one after the other", async () => {
  const three = await colocatedRun(cps.slice(0, 3));
  const five = await colocatedRun(cps);
  const d = diff(three, five);
  assert.deepEqual(lbSteps(d.byKind.create), ["cp4-load-balancer", "cp5-load-balancer"]);
  assert.deepEqual(lbSteps(d.byKind.update), ["cp1-load-balancer", "cp2-load-balancer", "cp3-load-balancer"]);
  for (const cp of ["cp1", "cp2", "cp3"]) {
    const c = d.get(`${cp}-load-balancer`);
    assert.deepEqual(c?.runs, [`create@${cp}`], `${cp} reloads with the new backends and peers`);
  }
  // Chained: cp2's waits for cp1's, ..., the new ones after cp3's.
  for (const [i, cp] of ["cp2", "cp3", "cp4", "cp5"].entries()) {
    const deps = await five.run.options.get(`${cp}-load-balancer`)?.dependsOn;
    assert.ok(deps?.includes(`cp${i + 1}-load-balancer`), `${cp}-load-balancer waits for cp${i + 1}'s: ${deps}`);
  }
  assert.deepEqual(d.byKind.delete, []);
  assertNoResetOf(d, ["cp1", "cp2", "cp3", "worker1", "worker2"]);
  // No node's join runs again.
  for (const cp of ["cp1", "cp2", "cp3"]) assert.equal(d.get(`${cp}-kubeadm-join`), undefined);
});

test("colocated edit: replacing cp3 by cp4 stops cp3's load balancer there and updates cp1's and cp2's", async () => {
  const before = await colocatedRun(cps.slice(0, 3));
  const after = await colocatedRun([cps[0], cps[1], cps[3]]);
  const d = diff(before, after);
  assert.deepEqual(lbSteps(d.byKind.delete), ["cp3-load-balancer"]);
  assert.deepEqual(d.get("cp3-load-balancer")?.runs, ["delete@cp3"]);
  assert.deepEqual(lbSteps(d.byKind.update), ["cp1-load-balancer", "cp2-load-balancer"]);
  assert.deepEqual(lbSteps(d.byKind.create), ["cp4-load-balancer"]);
  const conf = String(after.run.resources.find((r) => r.name === "cp1-load-balancer")?.inputs.create);
  assert.match(conf, /unicast_peer \{\n\s+192\.168\.1\.102\n\s+192\.168\.1\.104\n\s+\}/);
  assert.match(conf, /server cp4 192\.168\.1\.104:6444/);
  assert.doesNotMatch(conf, /192\.168\.1\.103/);
  assertNoResetOf(d, ["cp1", "cp2", "worker1", "worker2"]);
});

test("colocated edit: re-adding a removed control plane creates its load balancer again and updates the others'", async () => {
  const without = await colocatedRun([cps[0], cps[1], cps[3]]);
  const back = await colocatedRun([cps[0], cps[1], cps[3], cps[2], cps[4]]);
  const d = diff(without, back);
  assert.deepEqual(lbSteps(d.byKind.create), ["cp3-load-balancer", "cp5-load-balancer"]);
  assert.deepEqual(d.get("cp3-load-balancer")?.runs, ["create@cp3"]);
  assert.deepEqual(lbSteps(d.byKind.update), ["cp1-load-balancer", "cp2-load-balancer", "cp4-load-balancer"]);
  assert.deepEqual(d.byKind.delete, []);
  assertNoResetOf(d, ["cp1", "cp2", "cp4", "worker1", "worker2"]);
});

test("colocated edit: a VRRP setting reloads every control plane's load balancer and nothing else", async () => {
  const base = await colocatedRun(cps.slice(0, 3));
  const spec = buildSpec(stackWith("colocated-example", { controlPlanes: cps.slice(0, 3), vrrpAdvertInterval: 0.5 }));
  const d = diff(base, { run: await runCluster(spec), spec });
  assert.deepEqual(d.byKind.update, ["cp1-load-balancer", "cp2-load-balancer", "cp3-load-balancer"]);
  assert.deepEqual([d.byKind.create, d.byKind.replace, d.byKind.delete], [[], [], []]);
});
