/**
 * `etcdCount` on aws (issue 15): dedicated etcd instances, spread over the AZs, in their own
 * security group, running the same etcd-host plan as bare metal's `etcdHosts`, under the mocks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AwsFacts } from "../core/config/aws";
import { buildSpec } from "../core/config/build-spec";
import { ConfigError, Problem } from "../core/config/problems";
import { allHosts } from "../core/config/types";
import { addressAt, contains, networkOf, parseIpv4Cidr } from "../core/lib/net";
import { awsLayout } from "../core/plan/aws-layout";
import { rolloutPredecessors } from "../core/plan/aws-rollout";
import { serialiseInitConfig } from "../core/plan/kubeadm";
import { installMocks, SECRET_SIG } from "./support/mocks";
import { Run, runCluster } from "./support/program";
import { stackWith } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2"], "10.0.0.100:6443");

const awsStack = (changes: Record<string, unknown> = {}): Record<string, unknown> => stackWith("aws-example", changes);
const ofType = (run: Run, type: string) => run.resources.filter((r) => r.type === type);
const plain = (v: unknown): unknown =>
  v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
const INSTANCE = "aws:ec2/instance:Instance";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

function problemsOf(config: Record<string, unknown>, facts: AwsFacts = {}): readonly Problem[] {
  try {
    buildSpec(config, facts);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

/** `<group> <proto>/<from>-<to> from <source>` for every ingress rule, sorted. */
function ingressRulesOf(run: Run): string[] {
  const groups = new Map(ofType(run, SG).map((g) => [`${g.name}-id`, g.name.replace("kubeadm-ha-sg-", "")]));
  return ofType(run, RULE)
    .map((r) => {
      const to = groups.get(String(r.inputs.securityGroupId));
      const from = r.inputs.cidrIpv4 ?? `sg:${groups.get(String(r.inputs.referencedSecurityGroupId))}`;
      return `${to} ${String(r.inputs.ipProtocol)}/${String(r.inputs.fromPort ?? "-")}-${String(r.inputs.toPort ?? "-")} from ${String(from)}`;
    })
    .sort();
}

test("aws etcdCount 3: etcd1-3 at .40 of each AZ's subnet, role etcd; the other hosts and the VIP keep their addresses", () => {
  const stacked = buildSpec(awsStack());
  const s = buildSpec(awsStack({ etcdCount: 3 }));
  assert.deepEqual(
    s.etcdHosts.map((h) => [h.name, h.privateAddress, h.role, s.aws?.subnetOf[h.name]]),
    [
      ["etcd1", "10.0.0.40", "etcd", 0],
      ["etcd2", "10.0.16.40", "etcd", 1],
      ["etcd3", "10.0.32.40", "etcd", 2],
    ],
  );
  const others = (x: typeof s) => [
    ...[...x.loadBalancers, ...x.controlPlanes, ...x.workers].map((h) => `${h.name} ${h.privateAddress}`),
    x.vip,
  ];
  assert.deepEqual(others(s), others(stacked));
  assert.deepEqual(s.etcd, {
    mode: "external",
    endpoints: ["https://10.0.0.40:2379", "https://10.0.16.40:2379", "https://10.0.32.40:2379"],
  });
  assert.equal(stacked.etcd.mode, "stacked");
  assert.deepEqual(stacked.etcdHosts, []);
  // The control planes' kubeadm config uses the etcd instances.
  assert.match(serialiseInitConfig(s), /external:\n\s+endpoints:\n\s+- https:\/\/10\.0\.0\.40:2379/);
});

test("aws etcdCount 5 over 3 AZs: 2/2/1 per AZ, so losing any one AZ keeps the etcd quorum (3 of 5)", () => {
  const s = buildSpec(awsStack({ etcdCount: 5 }));
  const perAz = [0, 1, 2].map((az) => s.etcdHosts.filter((h) => s.aws?.subnetOf[h.name] === az).length);
  assert.deepEqual(perAz, [2, 2, 1]);
  assert.ok(Math.max(...perAz) <= 5 - 3);
  assert.deepEqual(
    s.etcdHosts.map((h) => h.privateAddress),
    ["10.0.0.40", "10.0.16.40", "10.0.32.40", "10.0.0.41", "10.0.16.41"],
  );
});

test("aws layout: the largest counts in one /24 subnet (7 control planes, 7 etcd, 100 workers) fit, distinct, off the VIP and AWS's reserved addresses", () => {
  const cidr = "10.4.0.0/24";
  const layout = awsLayout({
    subnets: [{ cidr, azIndex: 0 }],
    loadBalancerMode: "keepalived",
    controlPlaneCount: 7,
    workerCount: 100,
    etcdCount: 7,
    interface: "ens5",
  });
  const net = parseIpv4Cidr(cidr);
  assert.ok(net);
  const addresses = allHosts(layout).map((h) => h.privateAddress);
  assert.equal(addresses.length, 2 + 7 + 100 + 7);
  assert.equal(new Set([...addresses, layout.vip]).size, addresses.length + 1, "every address once, none the VIP");
  const reserved = [0, 1, 2, 3, 255].map((o) => addressAt(networkOf(net), o));
  for (const a of addresses) {
    assert.ok(contains(net, a), a);
    assert.ok(!reserved.includes(a), a);
  }
  assert.deepEqual(
    layout.etcdHosts.map((h) => h.privateAddress),
    ["10.4.0.40", "10.4.0.41", "10.4.0.42", "10.4.0.43", "10.4.0.44", "10.4.0.45", "10.4.0.46"],
  );
});

test("aws etcdCount: 1, 2, 4, 9 or -1 refused with the quorum arithmetic; with externalEtcdEndpoints refused; 0 is stacked; all at once", () => {
  for (const [n, why] of [
    [1, /^1 etcd instances; fewer than 3 members tolerate no failure: give 3, 5 or 7 \(or 0 for stacked etcd/],
    [2, /^2 etcd instances; etcd quorum is floor\(N\/2\)\+1 = 2, so 2 tolerate 0 failure\(s\)/],
    [4, /^4 etcd instances; etcd quorum is floor\(N\/2\)\+1 = 3, so 4 tolerate 1 failure\(s\), no more than 3/],
    [9, /^9 etcd instances; etcd recommends at most 7 members/],
    [-1, /^-1 etcd instances: give 3, 5 or 7/],
  ] as const) {
    const p = problemsOf(awsStack({ etcdCount: n })).filter((x) => x.key === "kubeadm-ha:etcdCount");
    assert.equal(p.length, 1, `${n}`);
    assert.match(p[0].message, why);
  }
  const both = problemsOf(
    awsStack({ etcdCount: 3, externalEtcdEndpoints: ["https://10.9.0.1:2379"], workerCount: -1 }),
  );
  assert.match(
    both.find((x) => x.key === "kubeadm-ha:etcdCount")?.message ?? "",
    /^3 etcd instances are set together with externalEtcdEndpoints; give one of them/,
  );
  assert.ok(
    both.some((x) => x.key === "kubeadm-ha:workerCount"),
    "the other problems are reported too",
  );
  assert.equal(buildSpec(awsStack({ etcdCount: 0 })).etcd.mode, "stacked");
  // Bad etcd instance type, named with its key.
  const type = problemsOf(awsStack({ etcdCount: 3, instanceTypes: { etcd: "t3-medium" } }));
  assert.ok(
    type.some((x) => x.key === "kubeadm-ha:instanceTypes.etcd" && x.message.includes("t3-medium")),
    JSON.stringify(type),
  );
});

test("aws etcdCount: any count of control planes will do (they hold no etcd member); stacked still wants an odd one", () => {
  assert.equal(buildSpec(awsStack({ etcdCount: 3, controlPlaneCount: 2 })).controlPlanes.length, 2);
  const p = problemsOf(awsStack({ controlPlaneCount: 2 })).find((x) => x.key === "kubeadm-ha:controlPlaneCount");
  assert.match(p?.message ?? "", /not an odd number/);
});

test("aws etcdCount 3 under mocks: three etcd instances (instanceTypes.etcd, own group only), the etcd-host steps on them", async () => {
  const run = await runCluster(buildSpec(awsStack({ etcdCount: 3, instanceTypes: { etcd: "m6i.large" } })));
  const instances = ofType(run, INSTANCE);
  assert.equal(instances.length, 2 + 3 + 2 + 3);
  const groupsById = new Map(ofType(run, SG).map((g) => [`${g.name}-id`, g.name.replace("kubeadm-ha-sg-", "")]));
  for (const name of ["etcd1", "etcd2", "etcd3"]) {
    const inst = instances.find((r) => r.name === `demo-${name}`);
    assert.ok(inst, name);
    assert.equal(inst.inputs.instanceType, "m6i.large");
    assert.deepEqual(
      (inst.inputs.vpcSecurityGroupIds as string[]).map((id) => groupsById.get(id)),
      ["etcd"],
      name,
    );
    assert.equal(inst.inputs.iamInstanceProfile, undefined, name);
    for (const phase of ["prepare-node", "etcd-member"])
      assert.ok(
        run.resources.some((r) => r.name === `${name}-${phase}`),
        `${name}-${phase}`,
      );
  }
  assert.ok(run.resources.some((r) => r.name === "etcd-ca"));
  // The default type when instanceTypes leaves etcd out.
  const defaults = await runCluster(buildSpec(awsStack({ etcdCount: 3 })));
  assert.equal(defaults.resources.find((r) => r.name === "demo-etcd1")?.inputs.instanceType, "t3.medium");
  assert.deepEqual(
    run.cluster.nodes.filter((n) => n.role === "etcd").map((n) => `${n.name} ${n.address}`),
    ["etcd1 10.0.0.40", "etcd2 10.0.16.40", "etcd3 10.0.32.40"],
  );
});

test("aws etcdCount 3: the etcd group admits 2379 from the control planes, 2379-2380 between members and SSH; the control planes no etcd port", async () => {
  const rules = ingressRulesOf(await runCluster(buildSpec(awsStack({ etcdCount: 3 }))));
  assert.deepEqual(
    rules.filter((r) => r.startsWith("etcd ") || r.includes("sg:etcd")),
    [
      "etcd tcp/22-22 from 203.0.113.0/24",
      "etcd tcp/2379-2379 from sg:control-plane",
      "etcd tcp/2379-2380 from sg:etcd",
    ],
  );
  assert.ok(!rules.some((r) => /2379|2380/.test(r) && !r.startsWith("etcd ")), rules.join("\n"));
  // The rest is the stacked design less the control planes' etcd rule.
  const stacked = ingressRulesOf(await runCluster(buildSpec(awsStack())));
  assert.deepEqual(
    rules.filter((r) => !r.startsWith("etcd ")),
    stacked.filter((r) => r !== "control-plane tcp/2379-2380 from sg:control-plane"),
  );
});

test("aws etcdCount 0 changes nothing: the same resources, inputs and options as a stack without the key", async () => {
  const unset = await runCluster(buildSpec(awsStack()));
  const zero = await runCluster(buildSpec(awsStack({ etcdCount: 0 })));
  const shape = (r: Run): string[] => r.resources.map((x) => `${x.type}::${x.name} ${JSON.stringify(x.inputs)}`);
  assert.deepEqual(shape(zero), shape(unset));
  assert.ok(!unset.resources.some((r) => /etcd(\d|-ca)|sg-etcd/.test(r.name)), "no etcd instance, group or step");
});

test("aws etcdCount: an instance change rolls over the etcd instances one at a time, each waiting for a healthy member", async () => {
  const s = buildSpec(awsStack({ etcdCount: 3 }));
  const before = rolloutPredecessors(s);
  assert.deepEqual(
    ["etcd1", "etcd2", "etcd3"].map((n) => before.get(n)?.name),
    [undefined, "etcd1", "etcd2"],
  );
  const run = await runCluster(s);
  assert.deepEqual(await run.options.get("demo-etcd2")?.dependsOn, ["etcd1-aws-instance-ready"]);
  const gate = run.resources.find((r) => r.name === "etcd1-aws-instance-ready");
  assert.equal(gate?.inputs.create, undefined);
  assert.match(String(plain(gate?.inputs.update)), /OWN_CLIENT_URL='https:\/\/10\.0\.0\.40:2379'/);
  assert.match(String(plain(gate?.inputs.update)), /member_healthy/);
});

test("aws etcdCount on a running cluster: 3 ↔ 5 is an edit; stacked ↔ dedicated (0 ↔ 3+) is refused before anything is created", () => {
  const stacked = { runningHosts: [{ name: "cp1", privateAddress: "10.0.0.20" }] };
  const dedicated = {
    runningHosts: [
      { name: "cp1", privateAddress: "10.0.0.20" },
      { name: "etcd1", privateAddress: "10.0.0.40" },
    ],
  };
  assert.equal(buildSpec(awsStack({ etcdCount: 5 }), dedicated).etcdHosts.length, 5);
  assert.equal(buildSpec(awsStack(), stacked).etcd.mode, "stacked");
  assert.equal(buildSpec(awsStack({ etcdCount: 3 })).etcdHosts.length, 3, "a new stack may start with etcd instances");
  const toDedicated = problemsOf(awsStack({ etcdCount: 3 }), stacked).find((p) => p.key === "kubeadm-ha:etcdCount");
  assert.match(
    toDedicated?.message ?? "",
    /^3 etcd instances for a running cluster whose etcd is stacked on its control planes \(cp1\)/,
  );
  const toStacked = problemsOf(awsStack({ etcdCount: 0 }), dedicated).find((p) => p.key === "kubeadm-ha:etcdCount");
  assert.match(toStacked?.message ?? "", /^0 would remove every etcd member of the running cluster \(etcd1\)/);
});
