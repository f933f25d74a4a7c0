import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { FAKE, installMocks, SECRET_SIG, valueOf } from "./support/mocks";
import { commandsOf, runCluster } from "./support/program";
import { buildSpec } from "../core/config/build-spec";
import { allHosts } from "../core/config/types";
import { onlyStep, stepOf } from "../core/plan/lookup";
import { buildPlan } from "../core/plan/steps";
import { exampleWith, hosts, stackConfig } from "./support/stack";

installMocks();
const spec = buildSpec(stackConfig("dev"));

/** The unwrapped value of an input that may be a secret. */
function plain(v: unknown): unknown {
  return v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
}
const isSecretInput = (v: unknown): boolean => v !== null && typeof v === "object" && SECRET_SIG in v;

test("every host gets its commands, on its own connection", async () => {
  const run = await runCluster(spec);
  const commands = commandsOf(run);
  // 7 gates, 5 node preps, 2 LBs; stack: wait-vip, init, hash, kubeconfig, cni, token, verify; 5 nodes x (join, drain,
  // forget); 3 control planes' join material; and the day-two steps of each control plane.
  const dayTwo = run.cluster.plan.steps.filter((s) => s.phase === "cert-renewal" || s.phase === "etcd-snapshot").length;
  assert.equal(commands.size, 7 + 5 + 2 + 7 + 5 * 3 + 3 + dayTwo);
  const addressOf = new Map(allHosts(spec).map((h) => [h.name, h.address]));
  for (const [name, c] of commands) {
    const connection = plain(c.inputs.connection) as { host: string; user: string; privateKey: unknown };
    const runsOn = run.cluster.plan.steps.find((s) => s.id === name)?.runsOn as string;
    assert.equal(connection.host, addressOf.get(runsOn), name);
    assert.equal(connection.user, "ubuntu");
  }
  // Steps about a node that need a live control plane run on the admin host; the admin host's on the next one.
  const hostOf = (name: string): string => (plain(commands.get(name)?.inputs.connection) as { host: string }).host;
  assert.equal(hostOf("worker1-drain-node"), "192.168.1.101");
  assert.equal(hostOf("cp1-join-material"), "192.168.1.102");
});

/** URN of a resource named `name` of `type` whose parent has type `parentType`, in the mocked dev stack. */
const urnOf = (parentType: string, type: string, name: string): string =>
  `urn:pulumi:dev::kubeadm-ha::${parentType}$${type}::${name}`;
const COMMAND = "command:remote:Command";
const byHost = (hostNames: string[], phases: string[]): string[] =>
  hostNames.flatMap((h) => phases.map((p) => `${h}-${p}`));

test("URNs are pinned: each step sits under the component of its host's role, verify under the cluster", async () => {
  const run = await runCluster(spec);
  const urns = new Map<string, string>();
  for (const [name, o] of run.options) urns.set(name, await o.urn);
  const expected = new Map<string, string>([
    ["kubeadm-ha", "urn:pulumi:dev::kubeadm-ha::kubeadm-ha:index:Cluster::kubeadm-ha"],
  ]);
  for (const [type, name] of [
    ["JoinSecrets", "join"],
    ["LoadBalancer", "lb"],
    ["ControlPlane", "cp"],
    ["Workers", "workers"],
  ]) {
    expected.set(
      `kubeadm-ha-${name}`,
      urnOf("kubeadm-ha:index:Cluster", `kubeadm-ha:index:${type}`, `kubeadm-ha-${name}`),
    );
  }
  const under = (component: string, names: string[]): void => {
    for (const n of names) expected.set(n, urnOf(`kubeadm-ha:index:${component}`, COMMAND, n));
  };
  under("LoadBalancer", byHost(["lb1", "lb2"], ["wait-ssh", "load-balancer"]));
  // Stack steps carry no host in their name: a new admin host changes no URN.
  under("ControlPlane", [
    "wait-vip",
    "kubeadm-init",
    "ca-cert-hash",
    "admin-kubeconfig",
    "cni",
    "join-token",
    "upgrade-apply",
  ]);
  // Each node's upgrade step sits with its role's other steps (the admin host's is upgrade-apply).
  under("ControlPlane", ["cp2-upgrade-node", "cp3-upgrade-node"]);
  under("Workers", ["worker1-upgrade-node", "worker2-upgrade-node"]);
  under(
    "ControlPlane",
    byHost(["cp1", "cp2", "cp3"], ["prepare-node", "join-material", "kubeadm-join", "drain-node", "delete-node"]),
  );
  under("Workers", byHost(["worker1", "worker2"], ["prepare-node", "kubeadm-join", "drain-node", "delete-node"]));
  under("Cluster", ["verify"]);
  // Day-two steps (another part of the plan) sit under the control planes too.
  under(
    "ControlPlane",
    run.cluster.plan.steps.filter((s) => s.phase === "cert-renewal" || s.phase === "etcd-snapshot").map((s) => s.id),
  );
  // The random join secrets under JoinSecrets are not steps; every other resource is listed.
  const own = [...urns].filter(([name]) => !name.startsWith("kubeadm-ha-join-"));
  assert.deepEqual(new Map(own.sort()), new Map([...expected].sort()));
});

test("steps are looked up through the plan by phase (and host), with errors that name the phase", async () => {
  const { cluster } = await runCluster(spec);
  assert.equal(onlyStep(cluster.plan, "admin-kubeconfig").id, "admin-kubeconfig");
  assert.equal(stepOf(cluster.plan, "kubeadm-join", "worker2").id, "worker2-kubeadm-join");
  const several = /the plan has 5 steps of phase "kubeadm-join" \(cp2-kubeadm-join, .*\); expected one/;
  assert.throws(() => onlyStep(cluster.plan, "kubeadm-join"), several);
  assert.throws(
    () => stepOf(cluster.plan, "kubeadm-init", "cp2"),
    /the plan has no step of phase "kubeadm-init" on host "cp2"/,
  );
  assert.throws(
    () => onlyStep(buildPlan(buildSpec(exampleWith({ cni: "none" }))), "cni"),
    /the plan has no step of phase "cni"/,
  );
});

test("dependsOn mirrors the plan: joins serial, workers parallel, verify after every join", async () => {
  const run = await runCluster(spec);
  const deps = async (name: string): Promise<string[]> => (await run.options.get(name)?.dependsOn) ?? [];
  assert.deepEqual(await deps("kubeadm-init"), ["wait-vip"]);
  assert.deepEqual((await deps("wait-vip")).sort(), ["cp1-prepare-node", "lb1-load-balancer", "lb2-load-balancer"]);
  assert.deepEqual(await deps("cp3-join-material"), ["cp2-kubeadm-join"]);
  // A worker also waits for the last control plane's upgrade step (nothing on create: see upgrade-program).
  assert.deepEqual((await deps("worker2-kubeadm-join")).sort(), [
    "ca-cert-hash",
    "cp3-upgrade-node",
    "join-token",
    "worker2-delete-node",
    "worker2-prepare-node",
  ]);
  assert.deepEqual((await deps("verify")).sort(), [
    "cni",
    "cp1-kubeadm-join",
    "cp2-kubeadm-join",
    "cp3-kubeadm-join",
    "worker1-kubeadm-join",
    "worker2-kubeadm-join",
  ]);
  for (const step of run.cluster.plan.steps) {
    assert.deepEqual((await deps(step.id)).sort(), [...step.after].sort(), step.id);
  }
});

test("resource options: gates dial forever within a timeout, joins delete before replace and give up dialing, init is protected", async () => {
  const run = await runCluster(spec);
  const commands = commandsOf(run);
  const dialLimit = (name: string): unknown =>
    (plain(commands.get(name)?.inputs.connection) as { dialErrorLimit?: number }).dialErrorLimit;
  // A load balancer's gate is a step of its own; a node's preparation opens with the gate.
  assert.equal(dialLimit("lb1-wait-ssh"), -1);
  assert.deepEqual(run.options.get("lb1-wait-ssh")?.customTimeouts, { create: "20m" });
  assert.equal(dialLimit("cp2-prepare-node"), -1);
  assert.deepEqual(run.options.get("cp2-prepare-node")?.customTimeouts, {
    create: "50m",
    update: "30m",
    delete: "15m",
  });
  for (const name of ["cp1-kubeadm-join", "cp2-kubeadm-join", "worker1-kubeadm-join"]) {
    assert.equal(run.options.get(name)?.deleteBeforeReplace, true, name);
    assert.ok(commands.get(name)?.inputs.triggers, `${name} has triggers`);
    assert.equal(dialLimit(name), 4, name);
  }
  assert.equal(dialLimit("cp2-join-material"), 10, "other steps keep pulumi-command's default");
  const init = commands.get("kubeadm-init");
  assert.equal(run.options.get("kubeadm-init")?.protect, true);
  assert.deepEqual(run.options.get("kubeadm-init")?.ignoreChanges, ["triggers"]);
  assert.equal(init?.inputs.triggers, undefined);
  assert.equal(init?.inputs.delete, undefined);
  assert.equal(init?.inputs.update, init?.inputs.create, "the guarded init runs again on any update");
  assert.deepEqual(
    [...run.options.values()].filter((o) => o.protect).map((o) => o.name),
    ["kubeadm-init"],
  );
  for (const name of ["worker1-drain-node", "cp2-delete-node"]) {
    assert.equal(commands.get(name)?.inputs.create, undefined, `${name} runs nothing on create`);
    assert.match(String(commands.get(name)?.inputs.delete), /^sudo -n bash -c /, name);
  }
  assert.deepEqual(run.options.get("worker1-drain-node")?.aliases, ["worker1-await-node"]);
  assert.deepEqual(run.options.get("kubeadm-init")?.aliases, ["cp1-kubeadm-init"]);
  // Given as whole URNs (cheaper to hold): each must be what the SDK makes of `{ name }`. (The
  // mocks' own URNs keep only the last parent type; the engine's and createUrn's keep them all.)
  const aliased = [...run.options.values()].filter((o) => o.aliases.length > 0);
  assert.ok(aliased.length >= 4, `${aliased.length} aliased commands`);
  for (const o of aliased) assert.deepEqual(o.aliasUrns, await o.sdkAliasUrns, o.name);
  assert.match(
    run.options.get("worker1-drain-node")?.aliasUrns[0] ?? "",
    /^urn:pulumi:dev::kubeadm-ha::kubeadm-ha:index:Cluster\$kubeadm-ha:index:Workers\$command:remote:Command::worker1-await-node$/,
  );
  for (const name of ["ca-cert-hash", "admin-kubeconfig"]) {
    assert.ok(run.options.get(name)?.additionalSecretOutputs.includes("stdout"), name);
    assert.equal(commands.get(name)?.inputs.logging, "stderr", name);
  }
  assert.equal(commands.get("verify")?.inputs.logging, "stdoutAndStderr");
  for (const c of commands.values()) assert.equal(c.inputs.addPreviousOutputInEnv, false, c.name);
});

test("secrets: stdin is secret, create/update/delete hold none, every fake secret sits inside a secret", async () => {
  const run = await runCluster(spec);
  const commands = commandsOf(run);
  const needles = [
    FAKE.tokenId + "." + FAKE.tokenSecret,
    FAKE.tokenSecret,
    FAKE.certificateKey,
    FAKE.caCertHash,
    "FAKEKUBECONFIGKEYDATA",
    "FAKESSHKEYMATERIAL",
  ];
  let checkedValues = 0;
  const walk = (value: unknown, path: string): void => {
    if (isSecretInput(value)) return;
    if (typeof value === "string") {
      checkedValues++;
      for (const n of needles) assert.ok(!value.includes(n), `secret ${n.slice(0, 12)}... in clear at ${path}`);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  for (const r of run.resources) walk(r.inputs, r.name);
  assert.ok(checkedValues > 60, `walked ${checkedValues} plain strings`);
  for (const c of commands.values()) {
    for (const field of ["create", "update", "delete"])
      assert.ok(!isSecretInput(c.inputs[field]), `${c.name}.${field} must stay readable`);
  }
  const init = commands.get("kubeadm-init");
  assert.ok(isSecretInput(init?.inputs.stdin));
  assert.equal(plain(init?.inputs.stdin), `${FAKE.tokenId}.${FAKE.tokenSecret}\n${FAKE.certificateKey}\n`);
  assert.equal(
    plain(commands.get("cp2-kubeadm-join")?.inputs.stdin),
    `${FAKE.tokenId}.${FAKE.tokenSecret}\n${FAKE.caCertHash}\n${FAKE.certificateKey}\n`,
  );
  assert.equal(
    plain(commands.get("worker1-kubeadm-join")?.inputs.stdin),
    `${FAKE.tokenId}.${FAKE.tokenSecret}\n${FAKE.caCertHash}\n`,
  );
  // The load balancers read no secret: VRRPv3 has no password.
  assert.equal(commands.get("lb2-load-balancer")?.inputs.stdin, undefined);
  // Plain data alone (verify's node names) stays readable in the diff.
  assert.equal(commands.get("verify")?.inputs.stdin, "cp1\ncp2\ncp3\nworker1\nworker2\n");
  for (const c of commands.values()) {
    const connection = c.inputs.connection;
    const keyIsSecret =
      isSecretInput(connection) || isSecretInput((plain(connection) as Record<string, unknown>).privateKey);
    assert.ok(keyIsSecret, `${c.name}: SSH key must be secret`);
  }
});

test("random join material: token parts and a 32-byte certificate key (no VRRP password: VRRPv3)", async () => {
  const run = await runCluster(spec);
  const passwords = run.resources
    .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
    .map((r) => `${r.name}:${String(r.inputs.length)}:${String(r.inputs.upper)}:${String(r.inputs.special)}`)
    .sort();
  assert.deepEqual(passwords, [
    "kubeadm-ha-join-token-id:6:false:false",
    "kubeadm-ha-join-token-secret:16:false:false",
  ]);
  const bytes = run.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes");
  assert.equal(bytes.length, 1);
  assert.equal(bytes[0].inputs.length, 32);
});

test("outputs: secret kubeconfig and CA hash, endpoint, quorum, nodes, health", async () => {
  const { cluster } = await runCluster(spec);
  assert.equal(await pulumi.isSecret(cluster.kubeconfig), true);
  assert.equal(await pulumi.isSecret(cluster.caCertHash), true);
  assert.equal(await valueOf(cluster.kubeconfig), FAKE.kubeconfig);
  assert.equal(await valueOf(cluster.caCertHash), FAKE.caCertHash);
  assert.equal(await valueOf(cluster.controlPlaneEndpoint), "192.168.1.100:6443");
  assert.deepEqual(cluster.etcdQuorum, { members: 3, quorum: 2, toleratedFailures: 1 });
  assert.deepEqual(
    cluster.nodes.map((n) => `${n.name}:${n.role}:${n.address}`),
    [
      "lb1:loadBalancer:192.168.1.98",
      "lb2:loadBalancer:192.168.1.99",
      "cp1:controlPlane:192.168.1.101",
      "cp2:controlPlane:192.168.1.102",
      "cp3:controlPlane:192.168.1.103",
      "worker1:worker:192.168.1.111",
      "worker2:worker:192.168.1.112",
    ],
  );
  const health = await valueOf(cluster.clusterHealth);
  assert.equal(health.allNodesReady, true);
  assert.equal(health.etcd.hasQuorum, true);
  assert.equal(await pulumi.isSecret(cluster.clusterHealth), false);
});

test("five control planes: quorum 3 of 5, four serial joins", async () => {
  const run = await runCluster(buildSpec(exampleWith({ controlPlanes: hosts("cp", 5, "192.168.1", 101) })));
  assert.deepEqual(run.cluster.etcdQuorum, { members: 5, quorum: 3, toleratedFailures: 2 });
  for (const [n, prev] of [
    ["cp3", "cp2"],
    ["cp4", "cp3"],
    ["cp5", "cp4"],
  ]) {
    assert.ok((await run.options.get(`${n}-join-material`)?.dependsOn)?.includes(`${prev}-kubeadm-join`), n);
  }
});

/** Inputs of every resource by name, as JSON, for diff checks. */
async function inputsByName(s: ReturnType<typeof buildSpec>): Promise<Map<string, string>> {
  const run = await runCluster(s);
  return new Map(run.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
}

test("minimal diffs: the same config twice gives identical inputs (no perpetual diff)", async () => {
  const a = await inputsByName(spec);
  const b = await inputsByName(buildSpec(stackConfig("dev")));
  assert.deepEqual([...b.entries()], [...a.entries()]);
});

test("minimal diffs: adding a worker adds its resources and changes no existing input but the token's triggers and verify's node list", async () => {
  const before = await inputsByName(spec);
  const workers = [
    ...spec.workers.map((w) => ({ name: w.name, address: w.address })),
    { name: "worker3", address: "192.168.1.113" },
  ];
  const after = await inputsByName(buildSpec(exampleWith({ workers })));
  const changed = [...before.keys()].filter((k) => after.get(k) !== before.get(k));
  assert.deepEqual(changed, ["join-token", "verify"]);
  const added = [...after.keys()].filter((k) => !before.has(k));
  assert.deepEqual(added.sort(), [
    "worker3-delete-node",
    "worker3-drain-node",
    "worker3-kubeadm-join",
    "worker3-prepare-node",
    "worker3-upgrade-node",
  ]);
});

test("minimal diffs: adding control planes changes nothing on existing workers", async () => {
  const before = await inputsByName(spec);
  const after = await inputsByName(buildSpec(exampleWith({ controlPlanes: hosts("cp", 5, "192.168.1", 101) })));
  for (const [name, inputs] of before) {
    if (name.startsWith("worker")) assert.equal(after.get(name), inputs, name);
  }
});

test("a pinned hostKey and a bastion reach every connection of that host", async () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
  const controlPlanes = spec.controlPlanes.map((c) => ({
    name: c.name,
    address: c.address,
    ...(c.name === "cp2" ? { hostKey: key } : {}),
  }));
  const run = await runCluster(buildSpec(exampleWith({ controlPlanes, bastion: { host: "203.0.113.5", port: 2222 } })));
  for (const c of commandsOf(run).values()) {
    const connection = plain(c.inputs.connection) as {
      hostKey?: string;
      proxy?: { host: string; port: number; user: string };
    };
    const runsOn = run.cluster.plan.steps.find((s) => s.id === c.name)?.runsOn;
    assert.equal(connection.hostKey, runsOn === "cp2" ? key : undefined, c.name);
    assert.deepEqual(
      [connection.proxy?.host, connection.proxy?.port, connection.proxy?.user],
      ["203.0.113.5", 2222, "ubuntu"],
      c.name,
    );
  }
});

test("a join's stale-material hint names the exact URNs of the token and certificate steps", async () => {
  const run = await runCluster(spec);
  const create = String(commandsOf(run).get("cp2-kubeadm-join")?.inputs.create);
  const token = await run.options.get("join-token")?.urn;
  const material = await run.options.get("cp2-join-material")?.urn;
  assert.equal(token, urnOf("kubeadm-ha:index:ControlPlane", COMMAND, "join-token"));
  assert.ok(create.includes(`TOKEN_URN='${token}'`), "the token step's URN");
  assert.ok(create.includes(`MATERIAL_URN='${material}'`), "the certificate step's URN");
  for (const c of commandsOf(run).values()) assert.doesNotMatch(String(c.inputs.create ?? ""), /@URN:/, c.name);
});
