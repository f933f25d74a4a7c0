import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { buildPlan, SecretName } from "../core/plan/steps";
import { buildSpec } from "../core/config/build-spec";
import { HostSim, SimResult, simUnavailable } from "./support/host-sim";
import { stackConfig } from "./support/stack";

const TOKEN = "abcdef.0123456789abcdef";
const HASH = `sha256:${"d".repeat(64)}`;
const plan = buildPlan(buildSpec(stackConfig("dev")));
const step = (id: string): { script: string; runsOn: string; stdin: readonly SecretName[] } => {
  const s = plan.steps.find((x) => x.id === id);
  assert.ok(s?.script, `no step ${id} with a script`);
  return { script: s.script, runsOn: s.runsOn, stdin: s.stdin };
};
/** Fake secret values, by name. */
const FAKE: Readonly<Record<SecretName, string>> = {
  bootstrapToken: TOKEN,
  caCertHash: HASH,
  certificateKey: "c".repeat(64),
  // Base64 tar bundles (etcdHosts only): not read by the dev stack's steps.
  etcdCa: "ZXRjZC1jYQ==",
  etcdClientCerts: "ZXRjZC1jbGllbnQ=",
};
/** The stdin a step gets, in the order its plan entry (checked against the script) gives. */
const stdinOf = (id: string): string =>
  step(id)
    .stdin.map((n) => `${FAKE[n]}\n`)
    .join("");
const sims: HostSim[] = [];
after(() => {
  for (const s of sims) s.cleanup();
});

/**
 * Runs a rendered step for real in the host simulator (test/support/host-sim.ts), after the steps
 * in `before`; returns its result, the config files the fake tools saw (mode, content) and what is
 * left in the folder where secret files are written.
 */
function runStep(
  t: { skip: (why: string) => void },
  id: string,
  opts: { before?: string[]; stdin?: string; fault?: string } = {},
): (SimResult & { seen: string; leftovers: string[] }) | undefined {
  const why = simUnavailable();
  if (why) {
    t.skip(why);
    return undefined;
  }
  const sim = new HostSim();
  sims.push(sim);
  for (const b of opts.before ?? []) assert.equal(sim.run(step(b).runsOn, step(b).script, stdinOf(b)).status, 0, b);
  const seenBefore = sim.seen().length;
  if (opts.fault) sim.fault(opts.fault);
  const r = sim.run(step(id).runsOn, step(id).script, opts.stdin ?? stdinOf(id));
  const leftovers = readdirSync(sim.hostPath(step(id).runsOn, "/etc/kubernetes/kubeadm-ha")).filter(
    (f) => f !== "member",
  );
  return { ...r, seen: sim.seen().slice(seenBefore), leftovers };
}

test("join: the config with the token and CA hash exists only while kubeadm runs, 0600, then is removed", (t) => {
  const r = runStep(t, "worker1-kubeadm-join", { before: ["kubeadm-init"] });
  if (!r) return;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.seen, /^mode=600\n/);
  assert.match(r.seen, new RegExp(`token: "${TOKEN.replace(".", "\\.")}"`));
  assert.match(r.seen, new RegExp(`- "${HASH}"`));
  assert.doesNotMatch(r.seen, /@BOOTSTRAP_TOKEN@|@CA_CERT_HASH@/);
  assert.deepEqual(r.leftovers, [], "no secret config file is left behind");
});

test("control-plane join: the three secrets, fed in the plan's order, all land in the 0600 config", (t) => {
  const r = runStep(t, "cp2-kubeadm-join", { before: ["kubeadm-init", "cp2-join-material"] });
  if (!r) return;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.seen, /^mode=600\n/);
  for (const value of [TOKEN, HASH, FAKE.certificateKey]) assert.ok(r.seen.includes(value), value);
  assert.doesNotMatch(r.seen, /@[A-Z_]+@/);
  assert.deepEqual(r.leftovers, []);
});

test("a failing kubeadm: the script fails, its error masks the token, and the config is still removed", (t) => {
  const r = runStep(t, "kubeadm-init", { fault: "init-fails" });
  if (!r) return;
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /kubeadm-ha: 'kubeadm init' failed/);
  assert.match(r.stderr, /token <redacted>/);
  assert.ok(!r.stderr.includes(TOKEN), "the token never reaches the error output");
  assert.deepEqual(r.leftovers, []);
});

test("token refresh: the bootstrap-token manifest is applied from a 0600 file that is then removed", (t) => {
  const r = runStep(t, "join-token", { before: ["kubeadm-init"] });
  if (!r) return;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.seen, /^mode=600\n/);
  assert.match(r.seen, /name: bootstrap-token-abcdef\n/);
  assert.match(r.seen, /token-secret: "0123456789abcdef"/);
  assert.deepEqual(r.leftovers, []);
});

test("certificate upload: the key travels in a 0600 InitConfiguration with the cluster's own ClusterConfiguration", (t) => {
  const r = runStep(t, "cp2-join-material", { before: ["kubeadm-init"] });
  if (!r) return;
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.seen,
    new RegExp(
      `^mode=600\\napiVersion: kubeadm\\.k8s\\.io/v1beta4\\nkind: InitConfiguration\\ncertificateKey: "${FAKE.certificateKey}"\\n---\\napiVersion: kubeadm\\.k8s\\.io/v1beta4\\nkind: ClusterConfiguration\\n`,
    ),
  );
  assert.match(
    r.stdout,
    /control-plane certificates for cp2 \(192\.168\.1\.102\) uploaded on cp1 at .*; kubeadm deletes them after 2 h/,
  );
  assert.deepEqual(r.leftovers, []);
});

test("a malformed secret on stdin is refused without being echoed", (t) => {
  const r = runStep(t, "worker1-kubeadm-join", { before: ["kubeadm-init"], stdin: "NOT-A-TOKEN-SECRETVALUE\n" });
  if (!r) return;
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /BOOTSTRAP_TOKEN on stdin is missing or malformed \(value not shown\)/);
  assert.ok(!r.stderr.includes("SECRETVALUE"));
  assert.equal(r.seen, "", "kubeadm never ran");
});
