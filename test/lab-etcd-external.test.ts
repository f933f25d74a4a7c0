/**
 * The lab's external etcd variant (`npm run lab -- --etcd external`, issue 15): its arguments and
 * topology, the stand-in's endpoint failover, and a full run (root only; skipped elsewhere unless
 * KUBEADM_HA_REQUIRE_LAB=1).
 */
import { test } from "node:test";
import { labCanRun, runLab } from "./support/lab-run";
import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { parseLabArgs } from "../lab/args";
import { allHosts, buildTopology } from "../lab/net/topology";
import { EtcdGateway } from "../lab/standin/etcd-gateway";
import { FailoverEtcd } from "../lab/standin/failover-etcd";

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

// About 50 s here.
test(
  "HA lab, --etcd external: control-plane loss without etcd impact, etcd losses by the etcd hosts' quorum, nothing lost",
  { timeout: 5 * 60_000 },
  (t) => {
    if (!labCanRun(t, "sudo npm run lab -- --etcd external")) return;
    const report = runLab(["--etcd", "external"], 4 * 60_000);
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
  },
);
