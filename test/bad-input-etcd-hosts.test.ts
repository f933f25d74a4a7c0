/**
 * Bad input for `etcdHosts` (issue 15): counts, clashes with the other roles, the mutual exclusion
 * with externalEtcdEndpoints and aws, each refused before anything is created, all at once, naming
 * the key, the value and what is valid.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { buildPlan } from "../core/plan/steps";
import { Problem } from "../core/config/problems";
import { problemsOf } from "./support/problems";
import { exampleWith, hosts, stackWith } from "./support/stack";

const shown = (problems: readonly Problem[]): string[] => problems.map((p) => `${p.key}: ${p.message}`);
const etcd = (n: number): { name: string; address: string }[] => hosts("etcd", n, "192.168.1", 121);

test("etcdHosts: 1, 2, 4, 6, 8 or 9 hosts are refused with the quorum arithmetic; 3, 5 and 7 pass", () => {
  for (const [n, text] of [
    [1, /has 1 hosts; fewer than 3 members tolerate no failure: give 3, 5 or 7/],
    [
      2,
      /has 2 hosts; etcd quorum is floor\(N\/2\)\+1 = 2, so 2 tolerate 0 failure\(s\), no more than 1: give 3, 5 or 7/,
    ],
    [4, /has 4 hosts; etcd quorum is floor\(N\/2\)\+1 = 3, so 4 tolerate 1 failure\(s\), no more than 3/],
    [6, /has 6 hosts;.* = 4, so 6 tolerate 2/],
    [8, /has 8 hosts; etcd recommends at most 7 members/],
    [9, /has 9 hosts; etcd recommends at most 7 members/],
  ] as const) {
    const problems = problemsOf(exampleWith({ etcdHosts: etcd(n) }));
    assert.deepEqual(
      problems.map((p) => p.key),
      ["kubeadm-ha:etcdHosts"],
      shown(problems).join("\n"),
    );
    assert.match(problems[0].message, text, `${n} hosts`);
  }
  for (const n of [3, 5, 7]) assert.equal(buildSpec(exampleWith({ etcdHosts: etcd(n) })).etcdHosts.length, n);
  // Empty means stacked, as unset.
  assert.equal(buildSpec(exampleWith({ etcdHosts: [] })).etcd.mode, "stacked");
});

test("etcdHosts: names and addresses are unique across every role; each host is checked like the others", () => {
  const problems = problemsOf(
    exampleWith({
      etcdHosts: [
        { name: "cp1", address: "192.168.1.121" },
        { name: "etcd2", address: "192.168.1.111" },
        { name: "Etcd_3", address: "010.0.0.3", hostKey: "ssh-ed25519 nope" },
      ],
    }),
  );
  const at = (key: string): string => {
    const p = problems.find((x) => x.key === `kubeadm-ha:etcdHosts[${key}`);
    assert.ok(p, `no problem at etcdHosts[${key}; got\n${shown(problems).join("\n")}`);
    return p.message;
  };
  assert.match(at("0].name"), /"cp1" is already used by kubeadm-ha:controlPlanes\[0\]; every host needs its own name/);
  assert.match(at("1].address"), /"192\.168\.1\.111" is already used by kubeadm-ha:workers\[0\]/);
  assert.match(at("2].name"), /"Etcd_3" is not a valid Kubernetes node name/);
  assert.match(at("2].address"), /"010\.0\.0\.3"/);
  assert.match(at("2].hostKey"), /"ssh-ed25519 nope"/);
});

test("etcdHosts and externalEtcdEndpoints are exclusive; every problem is reported at once", () => {
  const problems = problemsOf(
    exampleWith({
      etcdHosts: [...etcd(2), { name: "cp2", address: "192.168.1.200" }, { name: "etcd4", address: "192.168.1.124" }],
      externalEtcdEndpoints: ["https://10.0.0.20:2379", "http://10.0.0.21:2379"],
      controlPlanes: hosts("cp", 2, "192.168.1", 101),
    }),
  );
  const lines = shown(problems);
  assert.ok(
    lines.some((l) => /^kubeadm-ha:etcdHosts: is set together with externalEtcdEndpoints; give one of them/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /^kubeadm-ha:etcdHosts: has 4 hosts/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /^kubeadm-ha:etcdHosts\[2\]\.name: "cp2" is already used/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) =>
      /^kubeadm-ha:externalEtcdEndpoints\[1\]: "http:\/\/10\.0\.0\.21:2379" is not an etcd client URL/.test(l),
    ),
    lines.join("\n"),
  );
  // Two control planes are fine with etcdHosts: nothing about controlPlanes.
  assert.ok(!lines.some((l) => l.startsWith("kubeadm-ha:controlPlanes")), lines.join("\n"));
});

test("etcdHosts on aws is refused with what to do instead (the program creates aws hosts: etcdCount)", () => {
  const problems = problemsOf(stackWith("aws-example", { etcdHosts: etcd(3) }));
  const p = problems.find((x) => x.key === "kubeadm-ha:etcdHosts");
  assert.ok(p, shown(problems).join("\n"));
  assert.match(
    p.message,
    /on aws the program creates every host: set etcdCount to 3 instead.*or use platform baremetal/,
  );
});

test("etcdCount on bare metal is refused, saying to list the etcd hosts; 0 (stacked) is accepted", () => {
  const bare = problemsOf(exampleWith({ etcdCount: 3 })).find((p) => p.key === "kubeadm-ha:etcdCount");
  assert.match(bare?.message ?? "", /^3: etcdCount is an aws key .*list the etcd hosts in etcdHosts/);
  assert.equal(buildSpec(exampleWith({ etcdCount: 0 })).etcd.mode, "stacked");
});

test("externalEtcdEndpoints: the control planes hold no etcd member, so 2 or 4 of them pass (bare metal and aws); stacked 2 is still refused", () => {
  const endpoints = ["https://10.0.0.20:2379", "https://10.0.0.21:2379", "https://10.0.0.22:2379"];
  for (const n of [2, 4]) {
    const spec = buildSpec(
      exampleWith({ externalEtcdEndpoints: endpoints, controlPlanes: hosts("cp", n, "192.168.1", 101) }),
    );
    assert.equal(spec.controlPlanes.length, n);
    assert.equal(spec.etcd.mode, "external");
    assert.equal(buildPlan(spec).steps.filter((s) => s.phase === "kubeadm-join").length, n + spec.workers.length);
  }
  const aws = stackWith("aws-example", { externalEtcdEndpoints: endpoints, controlPlaneCount: 2 });
  assert.equal(buildSpec(aws).controlPlanes.length, 2);
  const awsStacked = problemsOf(stackWith("aws-example", { controlPlaneCount: 2 }));
  assert.deepEqual(
    awsStacked.map((p) => p.key),
    ["kubeadm-ha:controlPlaneCount"],
  );
  assert.match(awsStacked[0].message, /2 is not an odd number >= 1; etcd quorum/);
  const stacked = problemsOf(exampleWith({ controlPlanes: hosts("cp", 2, "192.168.1", 101) }));
  assert.deepEqual(
    stacked.map((p) => p.key),
    ["kubeadm-ha:controlPlanes"],
  );
  assert.match(stacked[0].message, /has 2 hosts; etcd quorum/);
});
