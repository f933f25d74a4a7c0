import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterHealthError, parseClusterHealth } from "../core/plan/cluster-health";

/** A report as core/scripts/verify.sh prints it (one line, trailing newline). */
const REPORT = '{"nodes":[{"name":"cp1","ready":true},{"name":"worker1","ready":false}],"allNodesReady":false,'
  + '"etcd":{"mode":"stacked","members":3,"healthyEndpoints":2,"quorum":2,"hasQuorum":true}}\n';

/** Asserts that parsing `stdout` fails with a ClusterHealthError naming cp1-verify and matching `fault`. */
function assertRejected(stdout: string, fault: RegExp): void {
  assert.throws(() => parseClusterHealth(stdout, "cp1-verify"), (err: unknown) => {
    assert.ok(err instanceof ClusterHealthError, `got ${String(err)}`);
    assert.equal(err.stepId, "cp1-verify");
    assert.match(err.message, /^cp1-verify printed /);
    assert.match(err.message, fault);
    assert.match(err.message, /expected the clusterHealth JSON of core\/scripts\/verify\.sh/);
    return true;
  });
}

test("cluster health: the verify step's report is read as printed", () => {
  assert.deepEqual(parseClusterHealth(REPORT, "cp1-verify"), {
    nodes: [{ name: "cp1", ready: true }, { name: "worker1", ready: false }],
    allNodesReady: false,
    etcd: { mode: "stacked", members: 3, healthyEndpoints: 2, quorum: 2, hasQuorum: true },
  });
  const etcd = { mode: "external", members: 0, healthyEndpoints: 0, quorum: 2, hasQuorum: true };
  const external = { nodes: [], allNodesReady: true, etcd };
  assert.equal(parseClusterHealth(JSON.stringify(external), "cp1-verify").etcd.mode, "external");
});

test("cluster health: empty or non-JSON output fails naming the step, not with a bare SyntaxError", () => {
  assertRejected("", /printed nothing;/);
  assertRejected("  \n", /printed nothing;/);
  assertRejected("ok\n", /output that is not JSON: "ok\\n";/);
  assertRejected(REPORT.slice(0, 40), /output that is not JSON: "\{\\"nodes/);
  assertRejected("x".repeat(500), /not JSON: "x{80}\.\.\.";/);
  assert.throws(() => parseClusterHealth("ok", "cp1-verify"), (err: unknown) => !(err instanceof SyntaxError));
});

test("cluster health: a report of the wrong shape names every faulty field", () => {
  const wrong = JSON.parse(REPORT) as { etcd: Record<string, unknown>; nodes: Record<string, unknown>[] };
  wrong.etcd.hasQuorum = "yes";
  wrong.etcd.members = -1;
  wrong.nodes[1].ready = "True";
  assertRejected(JSON.stringify(wrong), /a report of the wrong shape \(.*etcd\.members: .*; .*etcd\.hasQuorum: .*boolean.*\)/);
  assertRejected(JSON.stringify(wrong), /nodes\[1\]\.ready: .*boolean/);
  assertRejected('{"nodes":[]}', /allNodesReady: .*; etcd: /);
  assertRejected("[]", /the report: .*object/);
  const raft = { ...(JSON.parse(REPORT) as object), etcd: { mode: "raft", members: 0, healthyEndpoints: 0, quorum: 2, hasQuorum: true } };
  assertRejected(JSON.stringify(raft), /etcd\.mode: /);
});

test("cluster health: the message is one sentence, not a zod dump", () => {
  try {
    parseClusterHealth('{"nodes":"cp1"}', "cp1-verify");
    assert.fail("expected an error");
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.doesNotMatch(err.message, /\n|"code"|"path"|ZodError/);
  }
});
