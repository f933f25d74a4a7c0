/**
 * The lab's external etcd variant (`npm run lab -- --etcd external`, issue 15): its arguments and
 * topology, the stand-in's endpoint failover, and a full run (root only; skipped elsewhere unless
 * KUBEADM_HA_REQUIRE_LAB=1).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseLabArgs } from "../lab/args";
import { REQUIRED_COMMANDS } from "../lab/preflight";
import { LabReport } from "../lab/report";
import { allHosts, buildTopology } from "../lab/net/topology";
import { EtcdGateway } from "../lab/standin/etcd-gateway";
import { FailoverEtcd } from "../lab/standin/failover-etcd";

const ROOT = resolve(__dirname, "..");
const have = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

test("lab args: --etcd stacked (default) or external; anything else, or external with colocated LBs, is refused", () => {
  assert.equal(parseLabArgs([]).etcd, "stacked");
  assert.equal(parseLabArgs(["--etcd", "external"]).etcd, "external");
  assert.throws(() => parseLabArgs(["--etcd", "outside"]), /--etcd outside: give stacked or external/);
  assert.throws(
    () => parseLabArgs(["--etcd", "external", "--lb", "colocated"]),
    /--etcd external runs with the load-balancer pair/,
  );
});

test("lab topology with etcd hosts: own namespaces and addresses in the lab range, the spec's etcdHosts and endpoints", () => {
  const t = buildTopology(3, {}, 3);
  assert.deepEqual(
    t.etcds.map((h) => `${h.name}:${h.ns}:${h.address}:${h.role}`),
    [
      "etcd1:kha-lab-etcd1:198.18.0.31:etcd",
      "etcd2:kha-lab-etcd2:198.18.0.32:etcd",
      "etcd3:kha-lab-etcd3:198.18.0.33:etcd",
    ],
  );
  assert.deepEqual(
    t.spec.etcdHosts.map((h) => h.name),
    ["etcd1", "etcd2", "etcd3"],
  );
  assert.deepEqual(t.spec.etcd, {
    mode: "external",
    endpoints: ["https://198.18.0.31:2379", "https://198.18.0.32:2379", "https://198.18.0.33:2379"],
  });
  assert.equal(new Set(allHosts(t).map((h) => h.ns)).size, allHosts(t).length);
  assert.deepEqual(buildTopology(3).etcds, []);
});

/** A fake etcd gateway: answers /v3/kv/put with revision 7 after `delayMs`. */
function fakeEtcd(delayMs: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end(JSON.stringify({ header: { revision: "7" } })), delayMs).unref();
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}
const portOf = (s: Server): number => (s.address() as AddressInfo).port;

test("stand-in failover: an unreachable endpoint is skipped within the call; a timeout fails it and moves the next call on", async () => {
  const good = await fakeEtcd(0);
  const slow = await fakeEtcd(5_000);
  const closed = await fakeEtcd(0);
  const closedPort = portOf(closed);
  await new Promise((r) => closed.close(r));
  try {
    const etcd = new FailoverEtcd([
      new EtcdGateway("127.0.0.1", closedPort),
      new EtcdGateway("127.0.0.1", portOf(good)),
    ]);
    assert.deepEqual(await etcd.put("k", "v", 2_000), { revision: 7 });
    assert.equal(etcd.endpoint, `127.0.0.1:${portOf(good)}`, "the next call stays on the endpoint that answered");
    const slowFirst = new FailoverEtcd([
      new EtcdGateway("127.0.0.1", portOf(slow)),
      new EtcdGateway("127.0.0.1", portOf(good)),
    ]);
    await assert.rejects(slowFirst.put("k", "v", 300), /no answer within/);
    assert.deepEqual(await slowFirst.put("k", "v", 2_000), { revision: 7 });
  } finally {
    good.closeAllConnections();
    slow.closeAllConnections();
    await Promise.all([good, slow].map((s) => new Promise((r) => s.close(r))));
  }
});

/** Why the lab cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "the HA lab needs root (network namespaces, keepalived)";
  const missing = REQUIRED_COMMANDS.filter((c) => !have(c));
  return missing.length > 0 ? `the HA lab needs ${missing.join(", ")}` : undefined;
}

// About 50 s here.
test(
  "HA lab, --etcd external: control-plane loss without etcd impact, etcd losses by the etcd hosts' quorum, nothing lost",
  { timeout: 5 * 60_000 },
  (t) => {
    const why = cannotRun();
    if (why) {
      if (process.env.KUBEADM_HA_REQUIRE_LAB === "1")
        assert.fail(`KUBEADM_HA_REQUIRE_LAB=1 but the lab cannot run: ${why}`);
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-lab-etcd-"));
    const reportPath = join(dir, "lab-report.json");
    try {
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", "lab/run.ts", "--etcd", "external", "--report", reportPath],
        {
          cwd: ROOT,
          encoding: "utf8",
          timeout: 4 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, "utf8")) as LabReport) : undefined;
      const failed = (report?.checks ?? []).filter((c) => !c.pass).map((c) => `${c.drill}: ${c.measured}`);
      assert.equal(
        r.status,
        0,
        `lab exited ${r.status ?? r.signal}; failed: ${failed.join(" | ")}\n${`${r.stdout}${r.stderr}`.slice(-4000)}`,
      );
      assert.ok(report?.pass);
      const figure = (drill: string, key: string): unknown =>
        report.checks.find((c) => c.drill.startsWith(drill) && key in c.figures)?.figures[key];
      for (const d of ["0 ", "1 ", "E1 ", "E2 ", "E3 ", "6 ", "E4 "])
        assert.ok(
          report.checks.some((c) => c.drill.startsWith(d)),
          d,
        );
      // A control plane lost: etcd untouched.
      assert.equal(figure("E1 ", "etcdHealthy"), 3);
      assert.equal(figure("E1 ", "answered503"), 0);
      // One etcd host of three lost (the leader): quorum 2 holds, writes go on, no control plane marked down.
      assert.equal(figure("E2 ", "membersLeft"), 2);
      assert.ok(Number(figure("E2 ", "writesAfterKill")) > 0);
      assert.equal(figure("E2 ", "controlPlanesMarkedDown"), 0);
      // Two of three lost: below quorum, nothing acknowledged.
      assert.equal(figure("E3 ", "writesAcknowledged"), 0);
      assert.ok(Number(figure("6 ", "checked")) > 100, "acknowledged writes were checked after recovery");
      assert.equal(figure("6 ", "lost"), 0);
      // The plan's leave script: refused below quorum, then the member removed with writes going on, nothing lost.
      assert.equal(figure("E4 ", "refusedExit"), 1);
      assert.equal(figure("E4 ", "leaveExit"), 0);
      assert.equal(figure("E4 ", "healthyLeft"), 2);
      assert.ok(Number(figure("E4 ", "writesDuringRemoval")) > 0);
      assert.equal(figure("E4 ", "lost"), 0);
      assert.ok(report.durationMs < 150_000, `lab took ${report.durationMs} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
