import { after, test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { buildPlan, Plan, PlanStep, SecretName } from "../core/plan/steps";
import { DEV_BRING_UP, HostSim, SimResult, simUnavailable } from "./support/host-sim";
import { exampleWith, hosts, stackConfig } from "./support/stack";

/** Fake secret values, by name. */
const FAKE: Readonly<Record<SecretName, string>> = {
  bootstrapToken: "abcdef.0123456789abcdef",
  caCertHash: `sha256:${"d".repeat(64)}`,
  certificateKey: "c".repeat(64),
  // Base64 tar bundles (etcdHosts only): not read by the dev stack's steps.
  etcdCa: "ZXRjZC1jYQ==",
  etcdClientCerts: "ZXRjZC1jbGllbnQ=",
};
const plan = buildPlan(buildSpec(stackConfig("dev")));
const sims: HostSim[] = [];
after(() => {
  for (const s of sims) s.cleanup();
});

/** A fresh simulation, or a skip reason. */
function simulation(t: { skip: (why: string) => void }): HostSim | undefined {
  const why = simUnavailable();
  if (why) {
    t.skip(why);
    return undefined;
  }
  const sim = new HostSim();
  sims.push(sim);
  return sim;
}

const stepIn = (p: Plan, id: string): PlanStep => {
  const s = p.steps.find((x) => x.id === id);
  assert.ok(s, `no step ${id}`);
  return s;
};

/** Runs a step's create script (or its delete script) where Pulumi would, with the stdin Pulumi would feed. */
function runStep(sim: HostSim, id: string, opts: { delete?: boolean; plan?: Plan } = {}): SimResult {
  const s = stepIn(opts.plan ?? plan, id);
  const script = opts.delete ? s.deleteScript : s.script;
  assert.ok(script, `${id} has no ${opts.delete ? "delete" : "create"} script`);
  const stdin = opts.delete ? "" : s.stdin.map((n) => `${FAKE[n]}\n`).join("") + (s.stdinData ?? "");
  return sim.run(s.runsOn, script, stdin);
}

/** Runs steps in order, each expected to succeed. */
function ok(sim: HostSim, ids: readonly string[], p: Plan = plan): void {
  for (const id of ids) {
    const r = runStep(sim, id, { plan: p });
    assert.equal(r.status, 0, `${id}: ${r.stderr}`);
  }
}

test("host-sim: a bring-up runs kubeadm once per node; running every step again changes nothing", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, DEV_BRING_UP);
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1", "cp2", "cp3"],
  );
  assert.deepEqual([...sim.nodes().keys()], ["cp1", "cp2", "cp3", "worker1", "worker2"]);
  for (const n of ["cp1", "cp2", "cp3", "worker1", "worker2"])
    assert.ok(sim.exists(n, "/etc/kubernetes/kubeadm-ha/member"), n);
  assert.deepEqual(
    sim.callsOf("cp1", "kubeadm").filter((c) => /^(init --config|join) /.test(c)).length,
    1,
    "cp1: one init, and its own join is a no-op",
  );
  const before = sim.calls().length;
  ok(
    sim,
    DEV_BRING_UP.filter((id) => id.includes("kubeadm-")),
  );
  const again = sim.calls().slice(before);
  assert.deepEqual(
    again.filter((c) => / kubeadm /.test(c)),
    [],
    "no kubeadm at all when init and joins run again",
  );
  // No secret ever reached a command line.
  for (const c of sim.calls())
    for (const v of Object.values(FAKE)) assert.ok(!c.includes(v), `secret on a command line: ${c}`);
});

test("host-sim: a half-failed init is undone (reset) and the retry runs a full init", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  sim.fault("init-fails");
  const failed = runStep(sim, "kubeadm-init");
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /kubeadm-ha: 'kubeadm init' failed/);
  assert.match(failed.stderr, /undoing the failed init on cp1: kubeadm reset -f/);
  assert.deepEqual(
    sim.callsOf("cp1", "kubeadm").map((c) => c.split(" ")[0]),
    ["init", "reset"],
  );
  assert.ok(!sim.exists("cp1", "/etc/kubernetes/admin.conf"), "reset removed what the failed init wrote");
  assert.ok(!sim.exists("cp1", "/etc/kubernetes/kubeadm-ha/member"), "no success marker");
  assert.ok(!failed.stderr.includes(FAKE.bootstrapToken), "the token is masked in the error lines");
  sim.heal("init-fails");
  ok(sim, ["kubeadm-init"]);
  assert.deepEqual(
    sim.callsOf("cp1", "kubeadm").map((c) => c.split(" ")[0]),
    ["init", "reset", "init"],
  );
  assert.ok(sim.exists("cp1", "/etc/kubernetes/kubeadm-ha/member"));
});

test("host-sim: kubeadm init refuses when the endpoint, or another control plane directly, serves a cluster", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, ["kubeadm-init"]);
  // The first control plane is now cp2, which is not a member: init there would make a second cluster.
  const cps = hosts("cp", 3, "192.168.1", 101);
  const reordered = buildPlan(buildSpec(exampleWith({ controlPlanes: [cps[1], cps[0], cps[2]] })));
  const refused = runStep(sim, "kubeadm-init", { plan: reordered });
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /an api-server already answers at https:\/\/192\.168\.1\.100:6443, and cp2 is not a member: kubeadm init here would create a second cluster/,
  );
  assert.match(refused.stderr, /put a control plane that is in the cluster first/);
  assert.deepEqual(sim.callsOf("cp2", "kubeadm"), [], "kubeadm never ran on cp2");
  // Behind a broken load balancer the other control planes are asked directly.
  sim.fault("api-down");
  sim.fault("foreign-cluster", "192.168.1.101:6443");
  const direct = runStep(sim, "kubeadm-init", { plan: reordered });
  assert.equal(direct.status, 1);
  assert.match(direct.stderr, /an api-server already answers at https:\/\/192\.168\.1\.101:6443/);
  assert.deepEqual(sim.callsOf("cp2", "kubeadm"), []);
});

test("host-sim: reordering control planes runs only guarded no-ops on the new admin host", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, DEV_BRING_UP);
  const cps = hosts("cp", 3, "192.168.1", 101);
  const reordered = buildPlan(buildSpec(exampleWith({ controlPlanes: [cps[1], cps[0], cps[2]] })));
  const before = sim.calls().length;
  for (const id of ["kubeadm-init", "join-token", "cp3-join-material", "cp1-kubeadm-join", "cp2-kubeadm-join"]) {
    const r = runStep(sim, id, { plan: reordered });
    assert.equal(r.status, 0, `${id}: ${r.stderr}`);
  }
  assert.match(
    runStep(sim, "kubeadm-init", { plan: reordered }).stdout,
    /cp2 is already a member of the cluster; nothing to do/,
  );
  // cp3's certificates are uploaded again from its new helper, cp2 (harmless); nothing else runs kubeadm.
  assert.deepEqual(
    sim
      .calls()
      .slice(before)
      .filter((c) => / kubeadm /.test(c))
      .map((c) => c.split(" ").slice(0, 5).join(" ")),
    ["cp2 kubeadm init phase upload-certs"],
  );
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1", "cp2", "cp3"],
  );
});

test("host-sim: a half-failed control-plane join is undone, its etcd member removed, and the retry joins", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, ["kubeadm-init", "join-token", "cp2-join-material"]);
  sim.fault("join-fails");
  // kubeadm reset leaves the member behind when it cannot reach etcd: removed through another member.
  sim.fault("reset-keeps-member");
  const failed = runStep(sim, "cp2-kubeadm-join");
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /undoing the failed join on cp2/);
  assert.match(failed.stdout, /etcd: removed member cp2 \(https:\/\/192\.168\.1\.102:2380\) through etcd-cp1/);
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1"],
  );
  assert.ok(
    !sim.exists("cp2", "/etc/kubernetes/kubelet.conf") && !sim.exists("cp2", "/etc/kubernetes/kubeadm-ha/member"),
  );
  sim.heal("join-fails");
  ok(sim, ["cp2-kubeadm-join"]);
  assert.deepEqual(
    sim.callsOf("cp2", "kubeadm").map((c) => c.split(" ")[0]),
    ["join", "reset", "join"],
  );
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1", "cp2"],
  );
});

test("host-sim: a join retried after its material went stale says exactly what to replace", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, ["kubeadm-init", "join-token", "cp2-join-material"]);
  sim.expire("certs");
  const certs = runStep(sim, "cp2-kubeadm-join");
  assert.equal(certs.status, 1);
  assert.match(
    certs.stderr,
    /certificates uploaded for cp2 are gone .*\n.*pulumi up --replace '@URN:cp2-join-material@'/,
  );
  sim.expire("tokens");
  const before = sim.callsOf("worker1", "kubeadm").length;
  const token = runStep(sim, "worker1-kubeadm-join");
  assert.equal(token.status, 1);
  assert.match(
    token.stderr,
    /bootstrap token is not valid in the cluster any more.*\n.*pulumi up --replace '@URN:join-token@'/,
  );
  assert.equal(sim.callsOf("worker1", "kubeadm").length, before, "kubeadm join never ran with a dead token");
  ok(sim, ["join-token", "cp2-join-material", "cp2-kubeadm-join", "worker1-kubeadm-join"]);
});

test("host-sim: kubeadm state without a marker is adopted only when the cluster shows a finished init; else refused, never reset", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, ["kubeadm-init"]);
  // A node set up before success markers: adopted without running kubeadm.
  sim.run("cp1", "rm -f /etc/kubernetes/kubeadm-ha/member");
  const adopted = runStep(sim, "kubeadm-init");
  assert.equal(adopted.status, 0, adopted.stderr);
  assert.match(adopted.stdout, /complete control plane .*; marked/);
  // An init cut off before its addons: refused, and nothing is reset.
  const cut = new HostSim();
  sims.push(cut);
  cut.fault("no-addons");
  ok(cut, ["kubeadm-init"]);
  cut.run("cp1", "rm -f /etc/kubernetes/kubeadm-ha/member");
  const refused = runStep(cut, "kubeadm-init");
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /has kubeadm state .* but no success marker .*refusing to run kubeadm init over it/);
  assert.deepEqual(
    cut.callsOf("cp1", "kubeadm").map((c) => c.split(" ")[0]),
    ["init"],
    "no reset, no second init",
  );
});

test("host-sim: removing a control plane whose host is gone: member removed from a survivor, Node deleted, count checked", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, DEV_BRING_UP);
  const drain = runStep(sim, "cp3-drain-node", { delete: true });
  assert.equal(drain.status, 0, drain.stderr);
  assert.match(drain.stdout, /etcd: removed member cp3 \(https:\/\/192\.168\.1\.103:2380\) through etcd-cp1; 2 left/);
  // cp3's own reset (its join's delete) is skipped: the host is unreachable, its step deleted by hand.
  const forget = runStep(sim, "cp3-delete-node", { delete: true });
  assert.equal(forget.status, 0, forget.stderr);
  assert.match(forget.stdout, /etcd: 2 members, one per control plane: cp1 cp2/);
  assert.match(forget.stdout, /if cp3 could not be reached .* it was never reset: run 'sudo kubeadm reset -f' on it/);
  assert.deepEqual([...sim.nodes().keys()], ["cp1", "cp2", "worker1", "worker2"]);
  assert.deepEqual(
    sim.callsOf("cp3", "kubeadm").filter((c) => c.startsWith("reset")),
    [],
  );
});

test("host-sim: removing a member is refused when it would break quorum or remove the last one; a stray member fails the count", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, DEV_BRING_UP);
  sim.fault("etcd-down-cp2");
  const refused = runStep(sim, "cp3-drain-node", { delete: true });
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /removing cp3 \(https:\/\/192\.168\.1\.103:2380\) would leave 1 healthy of 2 etcd members, below their quorum of 2; refusing/,
  );
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1", "cp2", "cp3"],
  );
  sim.heal("etcd-down-cp2");
  // cp2's Node gone but its member left behind: the forget step of cp3 names it.
  sim.run("cp1", "KUBECONFIG=/etc/kubernetes/admin.conf kubectl delete node cp2");
  ok(sim, []);
  const stray = runStep(sim, "cp3-delete-node", { delete: true });
  assert.equal(stray.status, 1);
  assert.match(stray.stderr, /members without a control-plane Node: cp2 \(https:\/\/192\.168\.1\.102:2380\)/);
  const single = new HostSim();
  sims.push(single);
  const one = buildPlan(
    buildSpec(
      exampleWith({ controlPlanes: hosts("cp", 1, "192.168.1", 101), loadBalancers: hosts("lb", 1, "192.168.1", 98) }),
    ),
  );
  ok(single, ["kubeadm-init"], one);
  const last = runStep(single, "cp1-kubeadm-join", { delete: true, plan: one });
  assert.equal(last.status, 1);
  assert.match(last.stderr, /cp1 \(https:\/\/192\.168\.1\.101:2380\) is the last etcd member; refusing to remove it/);
  assert.deepEqual(
    single.callsOf("cp1", "kubeadm").filter((c) => c.startsWith("reset")),
    [],
    "the last control plane is never reset",
  );
});

test("host-sim: a node reset by its join's delete joins again; a Ready Node of its name is waited out", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, DEV_BRING_UP);
  const left = runStep(sim, "worker1-kubeadm-join", { delete: true });
  assert.equal(left.status, 0, left.stderr);
  assert.ok(
    !sim.exists("worker1", "/etc/kubernetes/kubelet.conf") &&
      !sim.exists("worker1", "/etc/kubernetes/kubeadm-ha/member"),
  );
  // Its Node is still Ready for a moment (a worker cannot delete its own Node): the join tries again.
  const rejoined = runStep(sim, "worker1-kubeadm-join");
  assert.equal(rejoined.status, 0, rejoined.stderr);
  assert.match(rejoined.stderr, /a Ready Node worker1 still exists \(attempt 1 of 6\); trying again in 20 s/);
  assert.deepEqual(
    sim.callsOf("worker1", "kubeadm").map((c) => c.split(" ")[0]),
    ["join", "reset", "join", "reset", "join"],
  );
  // A control plane deletes its own Node and etcd member before its reset.
  const cpLeft = runStep(sim, "cp2-kubeadm-join", { delete: true });
  assert.equal(cpLeft.status, 0, cpLeft.stderr);
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1", "cp3"],
  );
  assert.ok(!sim.nodes().has("cp2"));
  ok(sim, ["cp2-join-material", "cp2-kubeadm-join"]);
  assert.deepEqual(
    sim.members().map((m) => m.name),
    ["cp1", "cp2", "cp3"],
  );
});

test("host-sim: verify with cni none reports NotReady nodes without failing; checks etcd from any member that answers", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  const none = buildPlan(buildSpec(exampleWith({ cni: "none" })));
  sim.fault("cni-none");
  ok(sim, DEV_BRING_UP, none);
  sim.fault("etcd-down-cp1");
  const r = runStep(sim, "verify", { plan: none });
  assert.equal(r.status, 0, r.stderr);
  const health = JSON.parse(r.stdout) as { allNodesReady: boolean; cniManaged: boolean; etcd: Record<string, unknown> };
  assert.equal(health.cniManaged, false);
  assert.equal(health.allNodesReady, false);
  assert.deepEqual(health.etcd, {
    mode: "stacked",
    members: 3,
    expectedMembers: 3,
    healthyEndpoints: 2,
    quorum: 2,
    hasQuorum: true,
    missingMembers: [],
    unexpectedMembers: [],
    endpoints: [],
  });
  assert.match(r.stderr, /cni is none: nodes stay NotReady until you install a pod network; not a failure/);
  // With a managed CNI the same NotReady nodes fail the step, after its bounded wait.
  const managed = runStep(sim, "verify");
  assert.equal(managed.status, 1);
  assert.match(managed.stderr, /cluster not healthy: not every node is Ready/);
});

test("host-sim: verify fails on a missing etcd member and reports one the config does not name", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  ok(sim, DEV_BRING_UP);
  const four = buildPlan(
    buildSpec(
      exampleWith({
        controlPlanes: [
          ...hosts("cp", 3, "192.168.1", 101),
          { name: "cp4", address: "192.168.1.104" },
          { name: "cp5", address: "192.168.1.105" },
        ],
      }),
    ),
  );
  const missing = runStep(sim, "verify", { plan: four });
  assert.equal(missing.status, 1);
  assert.match(
    missing.stdout,
    /"missingMembers":\["https:\/\/192\.168\.1\.104:2380","https:\/\/192\.168\.1\.105:2380"\]/,
  );
  const two = buildPlan(
    buildSpec(
      exampleWith({ controlPlanes: hosts("cp", 1, "192.168.1", 101), loadBalancers: hosts("lb", 1, "192.168.1", 98) }),
    ),
  );
  const extra = runStep(sim, "verify", { plan: two });
  assert.match(
    extra.stdout,
    /"unexpectedMembers":\["cp2 https:\/\/192\.168\.1\.102:2380","cp3 https:\/\/192\.168\.1\.103:2380"\]/,
  );
  assert.match(extra.stderr, /etcd members not in the config: .*leaves at its end, after this check/);
});

test("host-sim: verify with external etcd asks each endpoint with the api-server's client certificate", (t) => {
  const sim = simulation(t);
  if (!sim) return;
  const endpoints = ["10.0.0.20:2379", "10.0.0.21:2379", "10.0.0.22:2379"];
  const external = buildPlan(buildSpec(exampleWith({ externalEtcdEndpoints: endpoints.map((e) => `https://${e}`) })));
  ok(sim, DEV_BRING_UP, external);
  sim.externalEtcd(endpoints);
  sim.fault("etcd-down-10.0.0.21:2379");
  const r = runStep(sim, "verify", { plan: external });
  assert.equal(r.status, 0, r.stderr);
  const health = JSON.parse(r.stdout) as { etcd: Record<string, unknown> };
  assert.deepEqual(health.etcd, {
    mode: "external",
    members: 3,
    expectedMembers: 3,
    healthyEndpoints: 2,
    quorum: 2,
    hasQuorum: true,
    missingMembers: [],
    unexpectedMembers: [],
    // Each endpoint's own answer (issue 15).
    endpoints: [
      { url: "https://10.0.0.20:2379", healthy: true },
      { url: "https://10.0.0.21:2379", healthy: false },
      { url: "https://10.0.0.22:2379", healthy: true },
    ],
  });
  const curls = sim.callsOf("cp1", "curl").filter((c) => c.endsWith("/health"));
  assert.equal(curls.length, 3);
  for (const c of curls)
    assert.match(
      c,
      /--cert \/etc\/kubernetes\/pki\/apiserver-etcd-client\.crt --key \/etc\/kubernetes\/pki\/apiserver-etcd-client\.key/,
    );
  // Quorum lost: two of three down fails the step.
  sim.fault("etcd-down-10.0.0.22:2379");
  const lost = runStep(sim, "verify", { plan: external });
  assert.equal(lost.status, 1);
  assert.match(lost.stderr, /1 healthy etcd members, 2 needed for quorum/);
});
