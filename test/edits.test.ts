import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { editDiff, EditDiff, RunResources } from "./support/edit-diff";
import { installMocks } from "./support/mocks";
import { devStackRun, Run, runCluster } from "./support/program";
import { exampleWith, hosts } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2", "worker3"]);

const cps = hosts("cp", 3, "192.168.1", 101);
const workers = hosts("worker", 2, "192.168.1", 111);
/**
 * Left out of the exact lists: day-two steps (certificate renewal, etcd snapshots, the upgrade
 * steps: see test/upgrade-program.test.ts) and the load balancers (their HAProxy backends follow
 * the list order), other parts of the plan. The checks that nothing is replaced cover every step.
 */
const mine = (names: readonly string[]): string[] =>
  names.filter(
    (n) => !/^\S+-(cert-renewal|etcd-snapshot|upgrade-node)(\s|$)|^upgrade-apply(\s|$)|^lb\d+-load-balancer/.test(n),
  );

const devRun = devStackRun;

/** What `pulumi up` does to the dev stack's Commands when its config changes by `changes`. */
async function edit(changes: Record<string, unknown>): Promise<EditDiff> {
  const before = await devRun();
  const spec = buildSpec(exampleWith(changes));
  return editDiff(before.run, before.spec, await runCluster(spec), spec);
}

/** Every script that runs, as `<step> <create|delete>@<host>`. */
const runsOf = (d: EditDiff): string[] => d.changes.flatMap((c) => c.runs.map((r) => `${c.name} ${r}`));

/** No delete script runs on, or about, a node that stays, but those listed as expected. */
function assertNoResetOfStayingNodes(d: EditDiff, staying: readonly string[], expected: readonly string[] = []): void {
  const deletes = runsOf(d).filter((r) => r.includes(" delete@"));
  for (const r of deletes) {
    if (expected.includes(r)) continue;
    const [step, where] = r.split(" ");
    const about = staying.find((n) => step.startsWith(`${n}-`));
    assert.equal(about, undefined, `${r}: a delete script about ${about ?? ""}, which stays`);
    assert.ok(
      !staying.some((n) => where === `delete@${n}`) || /-(drain-node|delete-node)$/.test(step),
      `${r} runs a delete script on a node that stays`,
    );
  }
}

test("edit: reordering controlPlanes moves only the admin host's connection; no node step changes, nothing is replaced or deleted", async () => {
  const d = await edit({ controlPlanes: [cps[1], cps[0], cps[2]] });
  assert.deepEqual([mine(d.byKind.create), d.byKind.replace, mine(d.byKind.delete)], [[], [], []]);
  assert.deepEqual(mine(d.byKind.update), [
    "admin-kubeconfig",
    "ca-cert-hash",
    "cni",
    "cp3-delete-node",
    "cp3-drain-node",
    "cp3-join-material",
    "join-token",
    "kubeadm-init",
    "verify",
    "wait-vip",
    "worker1-delete-node",
    "worker1-drain-node",
    "worker2-delete-node",
    "worker2-drain-node",
  ]);
  // What runs: the stack steps (guarded or read-only) and one certificate upload, on cp2 now; removal steps run nothing.
  assert.deepEqual(mine(runsOf(d)), [
    "admin-kubeconfig create@cp2",
    "ca-cert-hash create@cp2",
    "cni create@cp2",
    "cp3-join-material create@cp2",
    "join-token create@cp2",
    "kubeadm-init create@cp2",
    "verify create@cp2",
    "wait-vip create@cp2",
  ]);
  for (const name of [
    "admin-kubeconfig",
    "ca-cert-hash",
    "cni",
    "join-token",
    "wait-vip",
    "cp3-join-material",
    "worker1-drain-node",
  ]) {
    assert.deepEqual(d.get(name)?.inputs, ["connection"], name);
  }
  assert.ok(!d.changes.some((c) => c.name.endsWith("-kubeadm-join")), "no join changes");
});

test("edit: a control plane's SSH address changes connections and nothing else", async () => {
  const d = await edit({
    controlPlanes: [cps[0], { name: "cp2", address: "10.9.9.2", privateAddress: "192.168.1.102" }, cps[2]],
  });
  assert.deepEqual([mine(d.byKind.create), d.byKind.replace, mine(d.byKind.delete)], [[], [], []]);
  // Its own steps, and those it runs for the admin host (it is the admin host's helper).
  assert.deepEqual(mine(d.byKind.update), [
    "cp1-delete-node",
    "cp1-drain-node",
    "cp1-join-material",
    "cp2-kubeadm-join",
    "cp2-prepare-node",
  ]);
  for (const c of d.changes) assert.deepEqual(c.inputs, ["connection"], c.name);
});

test("edit: the init node's SSH address changes connections and nothing else: no init, no reset", async () => {
  const d = await edit({
    controlPlanes: [{ name: "cp1", address: "10.9.9.1", privateAddress: "192.168.1.101" }, cps[1], cps[2]],
  });
  assert.deepEqual([mine(d.byKind.create), d.byKind.replace, mine(d.byKind.delete)], [[], [], []]);
  for (const c of d.changes) assert.deepEqual(c.inputs, ["connection"], c.name);
  assert.ok(d.byKind.update.includes("kubeadm-init") && d.byKind.update.includes("cp1-kubeadm-join"));
  assert.ok(
    runsOf(d).every((r) => r.endsWith("@cp1")),
    "everything that runs, runs on cp1 (guarded)",
  );
});

test("edit: the init node's privateAddress replaces its join (leave, then join through the endpoint); never a second init", async () => {
  const d = await edit({
    controlPlanes: [{ name: "cp1", address: "192.168.1.101", privateAddress: "192.168.1.121" }, cps[1], cps[2]],
  });
  assert.deepEqual(mine(d.byKind.delete), []);
  assert.deepEqual(mine(d.byKind.create), []);
  // Fresh certificates (from cp2: updated, so it uploads again) and a fresh token first, then cp1 leaves and joins again.
  assert.deepEqual(mine(d.byKind.replace), ["cp1-kubeadm-join", "join-token"]);
  assert.deepEqual(d.get("cp1-kubeadm-join")?.runs, ["delete@cp1", "create@cp1"]);
  assert.deepEqual(
    [d.get("cp1-join-material")?.kind, ...(d.get("cp1-join-material")?.runs ?? [])],
    ["update", "create@cp2"],
  );
  // kubeadm init is updated (its config names the new address) and runs guarded: cp1 is still a member then.
  assert.equal(d.get("kubeadm-init")?.kind, "update");
  for (const other of ["cp2", "cp3", "worker1", "worker2"])
    assert.equal(d.get(`${other}-kubeadm-join`), undefined, other);
  assertNoResetOfStayingNodes(d, ["cp2", "cp3", "worker1", "worker2"]);
  // The leave runs the OLD delete script: it removes the member at the old peer URL.
  const before = (await devRun()).run.resources.find((r) => r.name === "cp1-kubeadm-join");
  assert.match(String(before?.inputs.delete), /PEER_URL='https:\/\/192\.168\.1\.101:2380'/);
});

test("edit: removing the init node deletes only its steps, each delete script on a control plane that stays (or on itself)", async () => {
  // An odd count stays: cp4 replaces cp1 (and joins through the endpoint, its certificates from cp2).
  const d = await edit({ controlPlanes: [cps[1], cps[2], { name: "cp4", address: "192.168.1.104" }] });
  assert.deepEqual(mine(d.byKind.delete), [
    "cp1-delete-node",
    "cp1-drain-node",
    "cp1-join-material",
    "cp1-kubeadm-join",
    "cp1-prepare-node",
  ]);
  assert.deepEqual(mine(runsOf(d).filter((r) => r.includes("delete@"))), [
    "cp1-delete-node delete@cp2",
    "cp1-drain-node delete@cp2",
    "cp1-kubeadm-join delete@cp1",
  ]);
  assert.deepEqual(mine(d.byKind.replace), ["join-token"]);
  assert.deepEqual(mine(d.byKind.create), [
    "cp4-delete-node",
    "cp4-drain-node",
    "cp4-join-material",
    "cp4-kubeadm-join",
    "cp4-prepare-node",
  ]);
  assert.deepEqual(d.get("cp4-join-material")?.runs, ["create@cp2"]);
  // The admin host moves to cp2; the stack steps follow it; no staying node's join changes.
  assert.equal(d.get("kubeadm-init")?.runs[0], "create@cp2");
  for (const other of ["cp2", "cp3", "worker1", "worker2"])
    assert.equal(d.get(`${other}-kubeadm-join`), undefined, other);
  assertNoResetOfStayingNodes(d, ["cp2", "cp3", "worker1", "worker2"]);
});

test("edit: adding one worker runs that worker's steps, the token refresh and verify, nothing else", async () => {
  const d = await edit({ workers: [...workers, { name: "worker3", address: "192.168.1.113" }] });
  assert.deepEqual(mine(d.byKind.create), [
    "worker3-delete-node",
    "worker3-drain-node",
    "worker3-kubeadm-join",
    "worker3-prepare-node",
  ]);
  assert.deepEqual(d.byKind.replace, ["join-token"]);
  assert.deepEqual(d.byKind.update, ["verify"]);
  assert.deepEqual(d.byKind.delete, []);
  assert.deepEqual(runsOf(d), [
    "join-token create@cp1",
    "verify create@cp1",
    "worker3-kubeadm-join create@worker3",
    "worker3-prepare-node create@worker3",
  ]);
});

test("edit: removing a worker drains, resets and forgets it, and touches nothing that stays", async () => {
  const d = await edit({ workers: [workers[1]] });
  assert.deepEqual(mine(d.byKind.delete), [
    "worker1-delete-node",
    "worker1-drain-node",
    "worker1-kubeadm-join",
    "worker1-prepare-node",
  ]);
  assert.deepEqual(
    runsOf(d).filter((r) => r.includes("delete@")),
    ["worker1-delete-node delete@cp1", "worker1-drain-node delete@cp1", "worker1-kubeadm-join delete@worker1"],
  );
  assert.deepEqual([d.byKind.replace, d.byKind.update], [["join-token"], ["verify"]]);
  assertNoResetOfStayingNodes(d, ["cp1", "cp2", "cp3", "worker2"]);
});

/**
 * The dev stack's Commands as the previous version of the program named them (before stack steps
 * and removal steps), with what matters for an upgrade: their triggers and whether they had a
 * delete script. Connections are the current ones (unchanged by the upgrade).
 */
function previousLayout(run: Run): RunResources {
  const now = new Map(run.resources.map((r) => [r.name, r]));
  const nodes = ["cp1", "cp2", "cp3", "worker1", "worker2"];
  const address = (n: string): string =>
    n.startsWith("cp") ? `192.168.1.10${n.slice(2)}` : `192.168.1.11${n.slice(6)}`;
  const old: [string, string, { triggers?: string[]; deletes: boolean }][] = [
    ["cp1-wait-vip", "wait-vip", { deletes: false }],
    ["cp1-kubeadm-init", "kubeadm-init", { triggers: ["192.168.1.101"], deletes: true }],
    ["cp1-ca-cert-hash", "ca-cert-hash", { deletes: false }],
    ["cp1-admin-kubeconfig", "admin-kubeconfig", { deletes: false }],
    ["cp1-cni", "cni", { deletes: false }],
    ["cp1-verify", "verify", { triggers: nodes, deletes: false }],
    ...nodes
      .filter((n) => n !== "cp1")
      .flatMap((n): [string, string, { triggers?: string[]; deletes: boolean }][] => [
        [`${n}-join-material`, n.startsWith("cp") ? `${n}-join-material` : `${n}-delete-node`, { deletes: true }],
        [`${n}-kubeadm-join`, `${n}-kubeadm-join`, { triggers: [address(n)], deletes: true }],
        [`${n}-await-node`, `${n}-drain-node`, { deletes: true }],
      ]),
  ];
  const renamed = new Set(old.map(([, current]) => current));
  const kept = run.resources.filter(
    (r) =>
      r.type !== "command:remote:Command" ||
      (!renamed.has(r.name) && !/-(delete-node|drain-node|join-material|kubeadm-join)$|^join-token$/.test(r.name)),
  );
  const made = old.map(([name, current, o]) => ({
    type: "command:remote:Command",
    name,
    inputs: {
      connection: now.get(current)?.inputs.connection,
      create: `previous ${name}`,
      ...(o.deletes ? { delete: `previous delete of ${name}` } : {}),
      ...(o.triggers ? { triggers: o.triggers } : {}),
    },
  }));
  return { resources: [...kept, ...made], options: new Map() };
}

test("edit: upgrading from the previous layout keeps every step that had a delete script; none is deleted or replaced", async () => {
  const { run, spec } = await devRun();
  const d = editDiff(previousLayout(run), spec, run, spec);
  // Nothing of the previous layout goes away: each is the same resource under its name or an alias.
  assert.deepEqual(mine(d.byKind.delete), []);
  // Only steps that never had a delete script may be replaced (verify: its triggers are gone).
  assert.deepEqual(mine(d.byKind.replace), ["verify"]);
  assert.equal(d.get("kubeadm-init")?.kind, "update", "its old triggers are ignored: protected, never replaced");
  assert.equal(
    d.get("cp2-join-material")?.kind,
    "update",
    "no triggers: its old delete script (delete Node cp2) never runs",
  );
  assert.deepEqual(
    runsOf(d).filter((r) => r.includes("delete@")),
    [],
    "no delete script runs anywhere",
  );
  // What is new runs nothing harmful: the token refresh, the init node's join (a no-op), its certificate upload.
  assert.deepEqual(mine(d.byKind.create), [
    "cp1-delete-node",
    "cp1-drain-node",
    "cp1-join-material",
    "cp1-kubeadm-join",
    "cp2-delete-node",
    "cp3-delete-node",
    "join-token",
  ]);
});

test("edit: replacing lb2 by lb3 stops HAProxy and keepalived on lb2 (its keepalived would take the VIP for good) and reloads lb1", async () => {
  const before = await devRun();
  const d = await edit({
    loadBalancers: [
      { name: "lb1", address: "192.168.1.98" },
      { name: "lb3", address: "192.168.1.97" },
    ],
  });
  const lbSteps = (names: readonly string[]): string[] => names.filter((n) => /^lb\d+-/.test(n));
  assert.deepEqual(lbSteps(d.byKind.delete), ["lb2-load-balancer", "lb2-wait-ssh"]);
  assert.deepEqual(d.get("lb2-load-balancer")?.runs, ["delete@lb2"]);
  assert.deepEqual(lbSteps(d.byKind.update), ["lb1-load-balancer"]);
  assert.deepEqual(lbSteps(d.byKind.create), ["lb3-load-balancer", "lb3-wait-ssh"]);
  const deleted = before.run.resources.find((r) => r.name === "lb2-load-balancer")?.inputs.delete;
  assert.match(String(deleted), /systemctl disable --now "\$unit"/);
  // Nothing about a node changes: only the load balancers and the stack steps that name the endpoint's backends.
  assert.deepEqual(
    d.changes.filter((c) => !/^lb\d+-/.test(c.name)).map((c) => c.name),
    [],
  );
});
