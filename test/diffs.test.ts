import { test } from "node:test";
import assert from "node:assert/strict";
import { installMocks } from "./support/mocks";
import { runCluster } from "./support/program";
import { buildSpec } from "../core/config/build-spec";
import { exampleWith, hosts } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2", "worker3"]);

/** Resources of one run: name → inputs (JSON), name → dependsOn names. */
interface Snapshot {
  readonly inputs: Map<string, string>;
  readonly deps: Map<string, string[]>;
}
const snapshots = new Map<string, Snapshot>();

/** The resources the cluster registers for the example stack with `changes` (each config run once). */
async function snapshot(changes: Record<string, unknown>): Promise<Snapshot> {
  const key = JSON.stringify(changes);
  const known = snapshots.get(key);
  if (known) return known;
  const taken = await take(changes);
  snapshots.set(key, taken);
  return taken;
}

async function take(changes: Record<string, unknown>): Promise<Snapshot> {
  const run = await runCluster(buildSpec(exampleWith(changes)));
  const deps = new Map<string, string[]>();
  for (const [name, o] of run.options) deps.set(name, (await o.dependsOn).sort());
  return { inputs: new Map(run.resources.map((r) => [r.name, JSON.stringify(r.inputs)])), deps };
}

const changedNames = (a: Map<string, string>, b: Map<string, string>): string[] =>
  [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k)).sort();

const three = hosts("worker", 3, "192.168.1", 111);

test("changing a worker's address touches only that worker's own resources", async () => {
  const before = await snapshot({ workers: three });
  const after = await snapshot({
    workers: three.map((w) => (w.name === "worker2" ? { ...w, address: "192.168.1.122" } : w)),
  });
  assert.deepEqual([...after.inputs.keys()].sort(), [...before.inputs.keys()].sort(), "same resource names");
  const changed = changedNames(before.inputs, after.inputs);
  assert.ok(changed.length > 0);
  // Its address is also its cluster address here: the token is refreshed for the re-join.
  assert.ok(
    changed.every((n) => n.startsWith("worker2-") || n === "join-token"),
    `changed: ${changed.join(", ")}`,
  );
  assert.ok(changed.includes("worker2-kubeadm-join"), "the join (its triggers carry the address) changes");
  assert.deepEqual(
    changed.filter((n) => /^(lb|cp)\d/.test(n)),
    [],
    "no load-balancer or control-plane resource changes",
  );
});

test("removing a worker from the middle renames nothing: the others keep their names, inputs and waits", async () => {
  const before = await snapshot({ workers: three });
  const after = await snapshot({ workers: three.filter((w) => w.name !== "worker2") });
  const gone = [...before.inputs.keys()].filter((k) => !after.inputs.has(k)).sort();
  assert.deepEqual(gone, [
    "worker2-delete-node",
    "worker2-drain-node",
    "worker2-kubeadm-join",
    "worker2-prepare-node",
    "worker2-upgrade-node",
  ]);
  assert.deepEqual(
    [...after.inputs.keys()].filter((k) => !before.inputs.has(k)),
    [],
    "nothing new",
  );
  assert.deepEqual(
    changedNames(before.inputs, after.inputs),
    ["join-token", "verify"],
    "only the token's triggers and verify's node list change",
  );
  for (const name of after.deps.keys()) {
    if (name === "worker3-upgrade-node") continue;
    if (name.startsWith("worker3-") || name.startsWith("worker1-"))
      assert.deepEqual(after.deps.get(name), before.deps.get(name), name);
  }
  // The upgrade lane closes over the gap: worker3 now waits for worker1 (a wait, not an input: no update).
  const lane = (deps?: readonly string[]): string[] => (deps ?? []).filter((d) => d.endsWith("-upgrade-node"));
  assert.deepEqual(lane(before.deps.get("worker3-upgrade-node")), ["worker2-upgrade-node"]);
  assert.deepEqual(lane(after.deps.get("worker3-upgrade-node")), ["worker1-upgrade-node"]);
});

test("removing a control plane from the middle keeps every other name; the next one waits for the one before", async () => {
  const before = await snapshot({ controlPlanes: hosts("cp", 5, "192.168.1", 101) });
  const after = await snapshot({
    controlPlanes: hosts("cp", 5, "192.168.1", 101)
      .filter((h) => h.name !== "cp3")
      .concat({ name: "cp6", address: "192.168.1.106" }),
  });
  const gone = [...before.inputs.keys()].filter((k) => !after.inputs.has(k)).sort();
  const own = ["delete-node", "drain-node", "join-material", "kubeadm-join", "prepare-node", "upgrade-node"];
  assert.deepEqual(
    gone.filter((n) => !/cert-renewal|etcd-snapshot/.test(n)),
    own.map((p) => `cp3-${p}`),
  );
  assert.ok(after.deps.get("cp4-join-material")?.includes("cp2-kubeadm-join"));
  for (const name of [
    "worker1-kubeadm-join",
    "worker2-join-material",
    "cp4-prepare-node",
    "cp5-prepare-node",
    "cp2-kubeadm-join",
  ]) {
    assert.equal(after.inputs.get(name), before.inputs.get(name), name);
  }
});
