/**
 * etcd built by the program on dedicated hosts (`etcdHosts`, issue 15): the spec, the plan's etcd
 * phase, its scripts, and the program under mocks (secrets, outputs, ordering).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildSpec } from "../core/config/build-spec";
import { serialiseInitConfig } from "../core/plan/kubeadm";
import { buildPlan, PlanStep } from "../core/plan/steps";
import { FAKE, installMocks, SECRET_SIG, valueOf } from "./support/mocks";
import { commandsOf, runCluster } from "./support/program";
import { exampleWith, hosts } from "./support/stack";

installMocks(["cp1", "cp2", "worker1", "worker2"]);

const etcdHosts = hosts("etcd", 3, "192.168.1", 121);
/** The dev stack with two control planes (an even count is fine without stacked etcd) and three etcd hosts. */
const config = exampleWith({ controlPlanes: hosts("cp", 2, "192.168.1", 101), etcdHosts });
const spec = buildSpec(config);
const plan = buildPlan(spec);
const byId = new Map(plan.steps.map((s) => [s.id, s]));
const get = (id: string): PlanStep => {
  const s = byId.get(id);
  assert.ok(s, `no step ${id}`);
  return s;
};
const plain = (v: unknown): unknown =>
  v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
const isSecretInput = (v: unknown): boolean => v !== null && typeof v === "object" && SECRET_SIG in v;

test("spec: etcdHosts are hosts of role etcd, the external endpoints are their client URLs, two control planes pass", () => {
  assert.deepEqual(
    spec.etcdHosts.map((h) => `${h.name}:${h.role}:${h.privateAddress}`),
    ["etcd1:etcd:192.168.1.121", "etcd2:etcd:192.168.1.122", "etcd3:etcd:192.168.1.123"],
  );
  assert.deepEqual(spec.etcd, {
    mode: "external",
    endpoints: ["https://192.168.1.121:2379", "https://192.168.1.122:2379", "https://192.168.1.123:2379"],
  });
  assert.deepEqual(spec.warnings, []);
  // Without etcdHosts the same two control planes are refused (stacked quorum).
  assert.throws(() => buildSpec(exampleWith({ controlPlanes: hosts("cp", 2, "192.168.1", 101) })), /controlPlanes/);
});

test("kubeadm: ClusterConfiguration.etcd.external names the etcd hosts and kubeadm's client file paths", () => {
  const init = serialiseInitConfig(spec);
  assert.match(
    init,
    /external:\n\s+endpoints:\n\s+- https:\/\/192\.168\.1\.121:2379\n\s+- https:\/\/192\.168\.1\.122:2379/,
  );
  assert.match(init, /caFile: \/etc\/kubernetes\/pki\/etcd\/ca\.crt/);
  assert.match(init, /certFile: \/etc\/kubernetes\/pki\/apiserver-etcd-client\.crt/);
  assert.match(init, /keyFile: \/etc\/kubernetes\/pki\/apiserver-etcd-client\.key/);
  assert.doesNotMatch(init, /local:/);
});

test("plan: CA on etcdHosts[0], members one at a time, client certificate once they run, before kubeadm on every control plane", () => {
  assert.deepEqual(get("etcd-ca").after, ["etcd1-prepare-node"]);
  assert.equal(get("etcd-ca").runsOn, "etcd1");
  assert.deepEqual(get("etcd1-etcd-member").after, ["etcd1-prepare-node", "etcd-ca"]);
  assert.deepEqual(get("etcd2-etcd-member").after, ["etcd2-prepare-node", "etcd-ca", "etcd1-etcd-member"]);
  assert.deepEqual(get("etcd3-etcd-member").after, ["etcd3-prepare-node", "etcd-ca", "etcd2-etcd-member"]);
  assert.ok(get("etcd-client-cert").after.includes("etcd3-etcd-member"));
  for (const cp of ["cp1", "cp2"]) assert.ok(get(`${cp}-etcd-client`).after.includes("etcd-client-cert"), cp);
  assert.ok(get("kubeadm-init").after.includes("cp1-etcd-client"));
  assert.ok(get("cp2-kubeadm-join").after.includes("cp2-etcd-client"));
  // After the joins, one control plane at a time: the api-servers' etcd endpoints follow etcdHosts.
  assert.deepEqual(get("cp1-etcd-endpoints").after, ["cp1-kubeadm-join"]);
  assert.deepEqual(get("cp2-etcd-endpoints").after, ["cp2-kubeadm-join", "cp1-etcd-endpoints"]);
  assert.match(
    get("cp2-etcd-endpoints").script ?? "",
    /ENDPOINTS='https:\/\/192\.168\.1\.121:2379,https:\/\/192\.168\.1\.122:2379,https:\/\/192\.168\.1\.123:2379'/,
  );
  // Steps come after what they wait for.
  const at = new Map(plan.steps.map((s, i) => [s.id, i]));
  for (const s of plan.steps)
    for (const a of s.after) assert.ok((at.get(a) ?? 99999) < (at.get(s.id) ?? -1), `${s.id} after ${a}`);
  // Control planes hold no etcd: the snapshot timers run on the etcd hosts, each after its member
  // (local snapshots, no restore script); no etcd step on a worker.
  const snapshots = plan.steps.filter((s) => s.phase === "etcd-snapshot");
  assert.deepEqual(
    snapshots.map((s) => [s.runsOn, s.after]),
    etcdHosts.map((h) => [h.name, [`${h.name}-etcd-member`]]),
  );
  for (const s of snapshots) {
    const save = s.files.find((f) => f.path === "/usr/local/sbin/kubeadm-ha-save-etcd-snapshot")?.content ?? "";
    assert.match(save, /S3_URI='none'/, s.id);
    assert.match(save, /ETCD_ENDPOINT='https:\/\/127\.0\.0\.1:2379'/, s.id);
    assert.match(s.script ?? "", /^RESTORE_SCRIPT_PATH='none'$/m, s.id);
  }
  assert.ok(!plan.steps.some((s) => s.host.startsWith("worker") && s.phase.startsWith("etcd")));
});

test("plan: the CA (with its key) reaches only the etcd hosts; control planes get the client bundle; both are secret stdout", () => {
  for (const s of plan.steps) {
    if (s.stdin.includes("etcdCa")) assert.match(s.runsOn, /^etcd\d$/, `${s.id} reads the etcd CA`);
    if (s.stdin.includes("etcdClientCerts")) assert.match(s.runsOn, /^cp\d$/, s.id);
  }
  assert.deepEqual(
    plan.steps.filter((s) => s.provides).map((s) => `${s.id}:${s.provides}:${s.secretStdout}`),
    ["etcd-ca:etcdCa:true", "etcd-client-cert:etcdClientCerts:true", "ca-cert-hash:caCertHash:true"],
  );
  // Every installed key file is 0600, and the review shows placeholders, not material.
  for (const s of plan.steps)
    for (const f of s.files.filter((f) => /pki/.test(f.path))) {
      assert.equal(f.mode, "0600", f.path);
      assert.match(f.content, /^@ETCD_(CA|CLIENT_CERTS)@/, f.path);
    }
  // The client bundle holds no CA key: the script extracts exactly three names.
  assert.match(
    get("cp1-etcd-client").script ?? "",
    /files=\(etcd\/ca\.crt apiserver-etcd-client\.crt apiserver-etcd-client\.key\)/,
  );
  assert.doesNotMatch(get("etcd-client-cert").script ?? "", /ca\.key/);
});

test("plan: a member is replaced (removed, then added) only when its address changes, deleting before, giving up dialing soon", () => {
  const m = get("etcd2-etcd-member");
  assert.deepEqual(m.replaceOn, ["192.168.1.122"]);
  assert.equal(m.deleteBeforeReplace, true);
  assert.equal(m.dialAttempts, 4);
  assert.match(m.deleteScript ?? "", /member\/remove/);
  assert.match(m.deleteScript ?? "", /below their quorum/);
});

test("scripts: every etcd step's create and delete scripts pass shellcheck and bash -n", (t) => {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
  } catch {
    t.skip("shellcheck is not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "etcd-hosts-"));
  try {
    const files: string[] = [];
    for (const s of plan.steps.filter((s) => s.phase.startsWith("etcd-"))) {
      for (const [suffix, text] of [
        ["", s.script],
        ["-delete", s.deleteScript],
      ] as const) {
        if (!text) continue;
        const file = join(dir, `${s.id}${suffix}.sh`);
        writeFileSync(file, text);
        files.push(file);
        execFileSync("bash", ["-n", file]);
      }
    }
    // CA, 3 members (create and delete), client certificate, 2 × (client files, endpoints).
    // CA, members (create + delete), client cert, control planes' client and endpoints, snapshot timers (create + delete).
    assert.equal(files.length, 1 + 3 * 2 + 1 + 2 * 2 + 3 * 2, files.join(" "));
    execFileSync("shellcheck", ["-S", "style", ...files]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("program: etcd steps under the EtcdHosts component; secrets travel only on stdin; outputs count the etcd hosts", async () => {
  const run = await runCluster(spec);
  const commands = commandsOf(run);
  for (const id of ["etcd-ca", "etcd1-etcd-member", "etcd-client-cert", "cp1-etcd-client"])
    assert.ok(commands.get(id), id);
  assert.match(
    await run.options.get("etcd1-etcd-member")!.urn,
    /kubeadm-ha:index:EtcdHosts\$command:remote:Command::etcd1-etcd-member$/,
  );
  assert.equal(plain(commands.get("etcd2-etcd-member")?.inputs.stdin), `${FAKE.etcdCa}\n`);
  assert.ok(isSecretInput(commands.get("etcd2-etcd-member")?.inputs.stdin));
  assert.equal(plain(commands.get("cp2-etcd-client")?.inputs.stdin), `${FAKE.etcdClientCerts}\n`);
  assert.ok(isSecretInput(commands.get("cp2-etcd-client")?.inputs.stdin));
  for (const id of ["etcd-ca", "etcd-client-cert"]) {
    assert.ok(run.options.get(id)?.additionalSecretOutputs.includes("stdout"), id);
    assert.equal(commands.get(id)?.inputs.logging, "stderr", id);
  }
  // No etcd secret in clear anywhere: not in a create, a delete, a trigger or any other plain input.
  const walk = (value: unknown, path: string): void => {
    if (isSecretInput(value)) return;
    if (typeof value === "string")
      for (const n of [FAKE.etcdCa, FAKE.etcdClientCerts]) assert.ok(!value.includes(n), `${n} in clear at ${path}`);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  for (const r of run.resources) walk(r.inputs, r.name);
  const { cluster } = run;
  assert.deepEqual(cluster.etcdQuorum, { members: 3, quorum: 2, toleratedFailures: 1 });
  assert.deepEqual(
    cluster.nodes.filter((n) => n.role === "etcd").map((n) => `${n.name}:${n.address}`),
    ["etcd1:192.168.1.121", "etcd2:192.168.1.122", "etcd3:192.168.1.123"],
  );
  assert.equal(await pulumi.isSecret(cluster.clusterHealth), false);
  assert.equal((await valueOf(cluster.clusterHealth)).etcd.hasQuorum, true);
  // The member steps wait for the one before them in the program too.
  assert.ok((await run.options.get("etcd2-etcd-member")!.dependsOn).includes("etcd1-etcd-member"));
});

test("one control plane: the warning says what is lost for the topology (stacked: the API and etcd; etcdHosts or an external etcd: the API only)", () => {
  const one = { controlPlanes: hosts("cp", 1, "192.168.1", 101) };
  const warningOf = (extra: Record<string, unknown>): string =>
    buildSpec(exampleWith({ ...one, ...extra })).warnings.find((w) => /NOT highly available/.test(w)) ?? "";
  const stacked = warningOf({});
  assert.match(stacked, /loses the API and etcd/);
  assert.match(stacked, /use 3 or 5/);
  const own = warningOf({ etcdHosts });
  assert.match(own, /losing it loses the API; etcd and its data stay on the etcdHosts/);
  assert.doesNotMatch(own, /and etcd/);
  assert.match(own, /use 2 or more/);
  const external = warningOf({ externalEtcdEndpoints: ["https://192.168.1.140:2379"] });
  assert.match(external, /losing it loses the API; etcd and its data stay on the externalEtcdEndpoints/);
  assert.doesNotMatch(external, /and etcd/);
});
