import { after, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSpec } from "../core/config/build-spec";
import { parseClusterHealth } from "../core/plan/cluster-health";
import { buildPlan, PlanStep } from "../core/plan/steps";
import { DEV_BRING_UP, HostSim, simUnavailable } from "./support/host-sim";
import { stackConfig } from "./support/stack";

const plan = buildPlan(buildSpec(stackConfig("dev")));
const sims: HostSim[] = [];
after(() => {
  for (const s of sims) s.cleanup();
});

/** Fake secrets the bring-up steps read (their shapes only matter). */
const SECRETS: Readonly<Record<string, string>> = {
  bootstrapToken: "abcdef.0123456789abcdef",
  caCertHash: `sha256:${"d".repeat(64)}`,
  certificateKey: "c".repeat(64),
};

/** Runs a step's create script where Pulumi would, with its stdin; it must succeed. */
function run(sim: HostSim, id: string): string {
  const s = plan.steps.find((x) => x.id === id) as PlanStep;
  const stdin = s.stdin.map((n) => `${SECRETS[n]}\n`).join("") + (s.stdinData ?? "");
  const r = sim.run(s.runsOn, s.script ?? "", stdin);
  assert.equal(r.status, 0, `${id}: ${r.stderr}`);
  return r.stdout;
}

/** `kubeadm certs check-expiration` as kubeadm 1.32 prints it (columns cut short where they do not matter). */
const CHECK_EXPIRATION = [
  "[check-expiration] Reading configuration from the cluster...",
  "",
  "CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED",
  "admin.conf                 Mar 01, 2027 10:00 UTC   364d            ca                      no",
  "apiserver                  Feb 27, 2027 09:30 UTC   362d            ca                      no",
  "apiserver-etcd-client      Jan 05, 2027 08:00 UTC   300d            etcd-ca                 yes",
  "front-proxy-client         Mar 01, 2027 10:00 UTC   364d            front-proxy-ca          no",
  "",
  "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED",
  "ca                      Jan 01, 2027 00:00 UTC   9y              no",
  "",
].join("\n");

test("verify reports the admin host's earliest certificate expiry in clusterHealth (externally managed ones left out), else null", (t) => {
  const why = simUnavailable();
  if (why) return t.skip(why);
  const sim = new HostSim();
  sims.push(sim);
  for (const id of DEV_BRING_UP) run(sim, id);
  // kubeadm printed nothing it could read: null, and verify does not fail for it.
  assert.equal(parseClusterHealth(run(sim, "verify"), "verify").certificates, null);
  writeFileSync(join(sim.cluster, "check-expiration"), CHECK_EXPIRATION);
  const health = parseClusterHealth(run(sim, "verify"), "verify");
  assert.deepEqual(health.certificates, { earliestExpiry: "2027-02-27T09:30:00Z", certificate: "apiserver" });
  assert.ok(sim.callsOf("cp1", "kubeadm").includes("certs check-expiration"), "asked on the admin host");
});

test("clusterHealth: certificates may be absent (an older verify), null, or the earliest expiry and its name", () => {
  const report = (certificates: string): string =>
    '{"nodes":[],"allNodesReady":true,"cniManaged":true,"etcd":{"mode":"stacked","members":1,"expectedMembers":1,' +
    `"healthyEndpoints":1,"quorum":1,"hasQuorum":true,"missingMembers":[],"unexpectedMembers":[]}${certificates}}`;
  assert.equal(parseClusterHealth(report(""), "verify").certificates, undefined);
  assert.equal(parseClusterHealth(report(',"certificates":null'), "verify").certificates, null);
  assert.deepEqual(
    parseClusterHealth(
      report(',"certificates":{"earliestExpiry":"2027-02-27T09:30:00Z","certificate":"apiserver"}'),
      "verify",
    ).certificates,
    { earliestExpiry: "2027-02-27T09:30:00Z", certificate: "apiserver" },
  );
  assert.throws(() => parseClusterHealth(report(',"certificates":{"earliestExpiry":1}'), "verify"), /certificates/);
});
