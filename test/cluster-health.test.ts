import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterHealthError, parseClusterHealth } from "../core/plan/cluster-health";

/** A report as core/scripts/verify.sh prints it (one line, trailing newline). */
const REPORT =
  '{"nodes":[{"name":"cp1","ready":true},{"name":"worker1","ready":false}],"allNodesReady":false,"cniManaged":true,' +
  '"etcd":{"mode":"stacked","members":3,"expectedMembers":3,"healthyEndpoints":2,"quorum":2,"hasQuorum":true,' +
  '"missingMembers":[],"unexpectedMembers":["cp9 https://10.0.0.9:2380"]}}\n';

/** Asserts that parsing `stdout` fails with a ClusterHealthError naming cp1-verify and matching `fault`. */
function assertRejected(stdout: string, fault: RegExp): void {
  assert.throws(
    () => parseClusterHealth(stdout, "cp1-verify"),
    (err: unknown) => {
      assert.ok(err instanceof ClusterHealthError, `got ${String(err)}`);
      assert.equal(err.stepId, "cp1-verify");
      assert.match(err.message, /^cp1-verify printed /);
      assert.match(err.message, fault);
      assert.match(err.message, /expected the clusterHealth JSON of core\/scripts\/verify\.sh/);
      return true;
    },
  );
}

test("cluster health: the verify step's report is read as printed", () => {
  assert.deepEqual(parseClusterHealth(REPORT, "cp1-verify"), {
    nodes: [
      { name: "cp1", ready: true },
      { name: "worker1", ready: false },
    ],
    allNodesReady: false,
    cniManaged: true,
    etcd: {
      mode: "stacked",
      members: 3,
      expectedMembers: 3,
      healthyEndpoints: 2,
      quorum: 2,
      hasQuorum: true,
      missingMembers: [],
      unexpectedMembers: ["cp9 https://10.0.0.9:2380"],
    },
  });
  const etcd = {
    mode: "external",
    members: 3,
    expectedMembers: 3,
    healthyEndpoints: 3,
    quorum: 2,
    hasQuorum: true,
    missingMembers: [],
    unexpectedMembers: [],
  };
  const external = { nodes: [], allNodesReady: true, cniManaged: false, etcd };
  assert.equal(parseClusterHealth(JSON.stringify(external), "cp1-verify").etcd.mode, "external");
});

test("cluster health: empty or non-JSON output fails naming the step, not with a bare SyntaxError", () => {
  assertRejected("", /printed nothing;/);
  assertRejected("  \n", /printed nothing;/);
  assertRejected("ok\n", /output that is not JSON: "ok\\n";/);
  assertRejected(REPORT.slice(0, 40), /output that is not JSON: "\{\\"nodes/);
  assertRejected("x".repeat(500), /not JSON: "x{80}\.\.\.";/);
  assert.throws(
    () => parseClusterHealth("ok", "cp1-verify"),
    (err: unknown) => !(err instanceof SyntaxError),
  );
});

test("cluster health: a report of the wrong shape names every faulty field", () => {
  const wrong = JSON.parse(REPORT) as { etcd: Record<string, unknown>; nodes: Record<string, unknown>[] };
  wrong.etcd.hasQuorum = "yes";
  wrong.etcd.members = -1;
  wrong.nodes[1].ready = "True";
  assertRejected(
    JSON.stringify(wrong),
    /a report of the wrong shape \(.*etcd\.members: .*; .*etcd\.hasQuorum: .*boolean.*\)/,
  );
  assertRejected(JSON.stringify(wrong), /nodes\[1\]\.ready: .*boolean/);
  assertRejected('{"nodes":[]}', /allNodesReady: .*; etcd: /);
  assertRejected("[]", /the report: .*object/);
  const raft = {
    ...(JSON.parse(REPORT) as object),
    etcd: { ...(JSON.parse(REPORT) as { etcd: object }).etcd, mode: "raft" },
  };
  assertRejected(JSON.stringify(raft), /etcd\.mode: /);
  // The fields verify added for cni: none and the member check are required too.
  const { cniManaged: _cni, ...withoutCni } = JSON.parse(REPORT) as Record<string, unknown>;
  assertRejected(JSON.stringify(withoutCni), /cniManaged: missing \(expected boolean\)/);
  wrong.etcd.missingMembers = "cp3";
  assertRejected(JSON.stringify(wrong), /etcd\.missingMembers: /);
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
