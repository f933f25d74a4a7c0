import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stepOf } from "../core/plan/lookup";
import { ETCD_RESTORE_PATH, SAVE_SNAPSHOT_PATH } from "../core/plan/phases/etcd-snapshots";
import { buildPlan } from "../core/plan/steps";
import { etcdArgv, drillTopology, memberRoot } from "../lab/etcd-restore/members";
import { DRILL_COMMANDS } from "../lab/etcd-restore/preflight";
import { DRILL_NET, DRILL_NS_PREFIX } from "../lab/etcd-restore/settings";
import { buildTopology } from "../lab/net/topology";
import { LabReport } from "../lab/report";
import { NS_PREFIX } from "../lab/settings";

const ROOT = resolve(__dirname, "..");
const have = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** Why the drill cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0)
    return "the etcd restore drill needs root (network and mount namespaces): run `sudo npm run lab:etcd-restore` or the tests as root";
  const missing = DRILL_COMMANDS.filter((c) => !have(c));
  if (missing.length > 0)
    return `the etcd restore drill needs ${missing.join(", ")} (apt-get install etcd-server etcd-client openssl iproute2)`;
  return undefined;
}

test("drill topology: kha-lab-er-* namespaces apart from the HA lab's, addresses in 198.19.0.0/16, spec from buildSpec", () => {
  const t = drillTopology();
  const main = buildTopology(3);
  const mainNames = new Set([main.bridgeNs, ...[...main.lbs, ...main.cps, main.client].map((h) => h.ns)]);
  for (const h of [...t.members, t.client]) {
    assert.ok(h.ns.startsWith(DRILL_NS_PREFIX) && DRILL_NS_PREFIX.startsWith(NS_PREFIX), h.ns);
    assert.ok(!mainNames.has(h.ns), `${h.ns} is also an HA lab namespace`);
    assert.match(h.address, /^198\.19\.\d+\.\d+$/);
    assert.ok(h.bridgePort.length <= 15, h.bridgePort);
  }
  assert.ok(t.bridgeNs.startsWith(DRILL_NS_PREFIX) && !mainNames.has(t.bridgeNs));
  assert.equal(DRILL_NET.range, "198.19.0.0/16");
  assert.deepEqual(
    t.spec.controlPlanes.map((c) => `${c.name}@${c.privateAddress}`),
    t.members.map((m) => `${m.name}@${m.address}`),
  );
  assert.equal(t.spec.etcd.mode, "stacked");
});

test("drill members run kubeadm's etcd command line (local.go getEtcdCommand), with TLS on client and peer ports", () => {
  const t = drillTopology();
  const m = t.members[1];
  const argv = etcdArgv(t, m, memberRoot("/d", m.name));
  const flags = new Map(argv.slice(1).map((a) => a.replace(/^--/, "").split(/=(.*)/s).slice(0, 2) as [string, string]));
  assert.equal(flags.get("name"), "cp2");
  assert.equal(flags.get("listen-client-urls"), `https://127.0.0.1:2379,https://${m.address}:2379`);
  assert.equal(flags.get("initial-advertise-peer-urls"), `https://${m.address}:2380`);
  for (const f of ["client-cert-auth", "peer-client-cert-auth"]) assert.equal(flags.get(f), "true", f);
  for (const f of [
    "cert-file",
    "key-file",
    "trusted-ca-file",
    "peer-cert-file",
    "peer-key-file",
    "peer-trusted-ca-file",
  ]) {
    assert.match(flags.get(f) ?? "", /\/d\/members\/cp2\/etc\/kubernetes\/pki\/etcd\/(server|peer|ca)\.(crt|key)$/, f);
  }
  assert.equal(flags.get("data-dir"), "/d/members/cp2/var/lib/etcd", "the folder the sandbox binds at /var/lib/etcd");
  assert.equal(flags.get("listen-metrics-urls"), "http://127.0.0.1:2381");
});

test("the drill runs the plan's own rendered scripts for its members", () => {
  const t = drillTopology();
  const plan = buildPlan(t.spec);
  for (const m of t.members) {
    const step = stepOf(plan, "etcd-snapshot", m.name);
    const restore = step.files.find((f) => f.path === ETCD_RESTORE_PATH)?.content ?? "";
    assert.match(restore, new RegExp(`^MEMBER_NAME='${m.name}'$`, "m"));
    assert.match(restore, new RegExp(`^PEER_URL='https://${m.address.replace(/\./g, "\\.")}:2380'$`, "m"));
    assert.ok(step.files.some((f) => f.path === SAVE_SNAPSHOT_PATH));
  }
});

test(
  "etcd restore drill: snapshot, quorum destroyed, restore; every write acknowledged before the snapshot reads back",
  { timeout: 3 * 60_000 },
  (t) => {
    const why = cannotRun();
    if (why) {
      if (process.env.KUBEADM_HA_REQUIRE_LAB === "1")
        assert.fail(`KUBEADM_HA_REQUIRE_LAB=1 but the etcd restore drill cannot run: ${why}`);
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-etcd-restore-test-"));
    const reportPath = join(dir, "report.json");
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", "lab/etcd-restore/run.ts", "--report", reportPath], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      const output = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, `drill exited ${r.status ?? r.signal}:\n${output.slice(-6000)}`);
      const report = JSON.parse(readFileSync(reportPath, "utf8")) as LabReport;
      assert.deepEqual(
        report.checks.filter((c) => !c.pass).map((c) => `${c.drill}: ${c.measured}`),
        [],
      );
      const row = (name: string): LabReport["checks"][number] => {
        const found = report.checks.find((c) => c.drill.startsWith(name));
        assert.ok(found, `no ${name} row`);
        return found;
      };
      assert.equal(row("snapshot").figures.saved, 3);
      assert.ok(
        Number(row("snapshot").figures.ackedBeforeSnapshot) > 10,
        "writes were acknowledged before the snapshot",
      );
      const restore = row("restore: rendered script").figures;
      assert.equal(restore.lost, 0, "no write acknowledged before the snapshot is lost");
      assert.ok(Number(restore.checked) > 10);
      assert.ok(Number(restore.lostAfterSnapshot) > 0, "writes after the snapshot went on (and are reported lost)");
      assert.equal(restore.presentAfterSnapshot, 0);
      assert.equal(restore.newClusterId, true);
      assert.equal(restore.membersAsRendered, true);
      assert.equal(row("restore: quorum destroyed").figures.writeRefused, true);
      assert.ok(report.durationMs < 60_000, `drill took ${report.durationMs} ms (budget ~60 s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
