import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { awsLayout } from "../core/plan/aws-layout";
import { rolloutPredecessors } from "../core/plan/aws-rollout";
import { buildPlan } from "../core/plan/steps";
import { buildSpec } from "../core/config/build-spec";
import { calls, FAKE, installMocks, SECRET_SIG, valueOf } from "./support/mocks";
import { Run, runCluster } from "./support/program";
import { stackWith } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2"], "10.0.0.100:6443");

const awsStack = (changes: Record<string, unknown> = {}): Record<string, unknown> => stackWith("aws-example", changes);
const spec = buildSpec(awsStack());
const ofType = (run: Run, type: string) => run.resources.filter((r) => r.type === type);
const plain = (v: unknown): unknown =>
  v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
const INSTANCE = "aws:ec2/instance:Instance";
const createOf = (run: Run, name: string): string =>
  String(plain(run.resources.find((r) => r.name === name)?.inputs.create));
/** The resource name of the kubeadm init step (a stack-level step). */
const initOf = (run: Run): string =>
  run.cluster.plan.steps.find((s) => s.phase === "kubeadm-init")?.id ?? "no init step";

test("aws layout: fixed private IPs, LBs and VIP in the first subnet, control planes spread over the AZs", () => {
  assert.equal(spec.platform, "aws");
  assert.deepEqual(
    spec.aws?.subnets.map((s) => s.cidr),
    ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
  );
  assert.deepEqual(
    spec.loadBalancers.map((h) => h.privateAddress),
    ["10.0.0.10", "10.0.0.11"],
  );
  assert.equal(spec.vip, "10.0.0.100");
  assert.equal(spec.controlPlaneEndpoint, "10.0.0.100:6443");
  assert.deepEqual(
    spec.controlPlanes.map((h) => h.privateAddress),
    ["10.0.0.20", "10.0.16.20", "10.0.32.20"],
  );
  assert.deepEqual(
    spec.workers.map((h) => h.privateAddress),
    ["10.0.0.128", "10.0.16.128"],
  );
  // Nitro instances have no eth0: the interface is ens5 or found on the host ("auto"), never the bare-metal eth0.
  assert.notEqual(spec.loadBalancers[0].interface, "eth0");
});

for (const [count, perAz] of [
  [3, [1, 1, 1]],
  [5, [2, 2, 1]],
] as const) {
  test(`${count} control planes over 3 AZs: ${perAz.join("/")} per AZ, so losing any one AZ keeps etcd quorum`, async () => {
    const s = buildSpec(awsStack({ controlPlaneCount: count }));
    const run = await runCluster(s);
    assert.equal(ofType(run, INSTANCE).length, 2 + count + 2);
    const subnetOfCp = s.controlPlanes.map((cp) => s.aws?.subnetOf[cp.name] ?? -1);
    const counts = [0, 1, 2].map((az) => subnetOfCp.filter((x) => x === az).length);
    assert.deepEqual(counts, [...perAz]);
    assert.ok(
      Math.max(...counts) <= count - (Math.floor(count / 2) + 1),
      "the largest AZ holds no more than the tolerated failures",
    );
    assert.equal(ofType(run, "aws:ec2/subnet:Subnet").length, 3);
  });
}

test("AZs: only regular zones are looked up, and each subnet's zone is pinned once created", async () => {
  calls.length = 0;
  const run = await runCluster(spec);
  const lookup = calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
  assert.deepEqual(lookup?.inputs.filters, [{ name: "zone-type", values: ["availability-zone"] }]);
  for (const subnet of ofType(run, "aws:ec2/subnet:Subnet")) {
    assert.deepEqual(
      run.typedOptions.get(`aws:ec2/subnet:Subnet::${subnet.name}`)?.ignoreChanges,
      ["availabilityZone"],
      subnet.name,
    );
  }
  assert.deepEqual(
    ofType(run, "aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone),
    ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  );
});

test("every instance: IMDSv2, encrypted gp3, key pair, tags; replaced delete-first; no launch-time VIP", async () => {
  const run = await runCluster(spec);
  for (const i of ofType(run, INSTANCE)) {
    assert.equal((i.inputs.metadataOptions as Record<string, unknown>).httpTokens, "required", i.name);
    assert.deepEqual(
      [
        (i.inputs.rootBlockDevice as Record<string, unknown>).encrypted,
        (i.inputs.rootBlockDevice as Record<string, unknown>).volumeType,
      ],
      [true, "gp3"],
    );
    assert.equal((i.inputs.tags as Record<string, string>)["kubeadm-ha:cluster"], "demo");
    assert.ok(i.inputs.keyName, i.name);
    // A fixed private IP cannot exist twice: the old instance goes first.
    assert.equal(run.options.get(i.name)?.deleteBeforeReplace, true, i.name);
    // A new key pair or a newer AMI must not replace running nodes.
    assert.ok(
      ["ami", "keyName"].every((k) => run.options.get(i.name)?.ignoreChanges.includes(k)),
      i.name,
    );
    // The VIP is assigned by keepalived's MASTER: a new lb1 must not ask for an address lb2 may hold.
    assert.equal(i.inputs.secondaryPrivateIps, undefined, i.name);
  }
  assert.deepEqual(run.options.get("demo-lb1")?.ignoreChanges, ["ami", "keyName", "secondaryPrivateIps"]);
  assert.equal(ofType(run, INSTANCE).find((i) => i.name === "demo-lb1")?.inputs.instanceType, "t3.small");
});

test("the init node's instance is protected: replacing or deleting it is refused, never a silent second kubeadm init", async () => {
  const run = await runCluster(spec);
  const protectedOnes = ofType(run, INSTANCE)
    .filter((i) => run.options.get(i.name)?.protect)
    .map((i) => i.name);
  assert.deepEqual(protectedOnes, ["demo-cp1"]);
});

test("a replaced instance replaces the steps about its host (removal scripts first), never the init node's", async () => {
  const run = await runCluster(spec);
  const commands = ofType(run, "command:remote:Command");
  const replacedWith = async (name: string): Promise<string[]> => (await run.options.get(name)?.replaceWith) ?? [];
  for (const c of commands) {
    const host = /^(lb\d|cp\d|worker\d)-/.exec(c.name)?.[1];
    if (!host || c.name.endsWith("-aws-instance-ready")) continue;
    assert.deepEqual(await replacedWith(c.name), host === "cp1" ? [] : [`demo-${host}`], c.name);
  }
  assert.ok(
    commands.some((c) => c.name === "cp2-kubeadm-join"),
    "the join step exists",
  );
  assert.equal(
    run.options.get("cp2-kubeadm-join")?.deleteBeforeReplace,
    true,
    "kubeadm reset runs before the new machine joins",
  );
});

test("an instanceTypes edit rolls: LBs and control planes one at a time, each waiting until the previous one serves again", async () => {
  const run = await runCluster(spec);
  const waitsFor = async (name: string): Promise<string[]> => (await run.options.get(name)?.dependsOn) ?? [];
  assert.deepEqual(await waitsFor("demo-lb1"), []);
  assert.deepEqual(await waitsFor("demo-lb2"), ["lb1-aws-instance-ready"]);
  assert.deepEqual(await waitsFor("demo-cp2"), ["cp1-aws-instance-ready"]);
  assert.deepEqual(await waitsFor("demo-cp3"), ["cp2-aws-instance-ready"]);
  assert.deepEqual(await waitsFor("demo-worker2"), ["worker1-aws-instance-ready"]);
  const gate = run.resources.find((r) => r.name === "cp1-aws-instance-ready");
  assert.equal(gate?.inputs.create, undefined, "nothing runs when the instance is created");
  assert.match(String(plain(gate?.inputs.update)), /INSTANCE_TYPE='t3\.medium'/);
  assert.match(String(plain(gate?.inputs.update)), /readyz/);
  assert.ok(!run.resources.some((r) => r.name === "cp3-aws-instance-ready"), "the last of a chain waits for nobody");

  const bigger = await runCluster(
    buildSpec(
      awsStack({ instanceTypes: { loadBalancer: "t3.small", controlPlane: "m6i.large", worker: "t3.medium" } }),
    ),
  );
  assert.match(
    String(plain(bigger.resources.find((r) => r.name === "cp1-aws-instance-ready")?.inputs.update)),
    /INSTANCE_TYPE='m6i\.large'/,
  );
  assert.equal(
    String(plain(bigger.resources.find((r) => r.name === "lb1-aws-instance-ready")?.inputs.update)),
    String(plain(run.resources.find((r) => r.name === "lb1-aws-instance-ready")?.inputs.update)),
  );
});

/** `type::name` of every resource whose inputs differ between two runs (both having it). */
function changedBetween(a: Run, b: Run): string[] {
  const inputs = (run: Run) => new Map(run.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
  const after = inputs(b);
  return [...inputs(a)].filter(([k, v]) => after.has(k) && after.get(k) !== v).map(([k]) => k);
}

test("edits on AWS touch only what they must: a new worker changes no instance and no other host's step; a type edit only its role", async () => {
  const base = await runCluster(spec);
  const withWorker = await runCluster(buildSpec(awsStack({ workerCount: 3 })));
  // Stack-level steps (no host in their name, e.g. verify's node list) may change; nothing about another host.
  assert.deepEqual(
    changedBetween(base, withWorker).filter((k) => /::(lb|cp|worker)\d|Instance::/.test(k)),
    [],
  );
  const resized = await runCluster(buildSpec(awsStack({ instanceTypes: { controlPlane: "m6i.large" } })));
  assert.deepEqual(changedBetween(base, resized).sort(), [
    "aws:ec2/instance:Instance::demo-cp1",
    "aws:ec2/instance:Instance::demo-cp2",
    "aws:ec2/instance:Instance::demo-cp3",
    "command:remote:Command::cp1-aws-instance-ready",
    "command:remote:Command::cp2-aws-instance-ready",
  ]);
});

test("rollout order: at most one LB, one control plane and a quarter of the workers change at once", () => {
  const s = buildSpec(awsStack({ controlPlaneCount: 5, workerCount: 8 }));
  const before = rolloutPredecessors(s);
  const of = (name: string): string | undefined => before.get(name)?.name;
  assert.deepEqual(["lb1", "lb2", "cp1", "cp2", "cp5"].map(of), [undefined, "lb1", undefined, "cp1", "cp4"]);
  assert.deepEqual(["worker1", "worker2", "worker3", "worker8"].map(of), [undefined, undefined, "worker1", "worker6"]);
});

test("security groups: every rule and its only source (no scheduler/controller-manager ports: they listen on 127.0.0.1)", async () => {
  const rules = await ingressRulesOf(await runCluster(spec));
  assert.deepEqual(rules, [
    "control-plane tcp/2379-2380 from sg:control-plane",
    "control-plane tcp/6443-6443 from sg:lb",
    "control-plane tcp/6443-6443 from sg:node",
    "lb 112/--- from sg:lb",
    "lb tcp/22-22 from 203.0.113.0/24",
    "lb tcp/6443-6443 from 203.0.113.0/24",
    "lb tcp/6443-6443 from sg:node",
    "node tcp/10250-10250 from sg:node",
    "node tcp/22-22 from 203.0.113.0/24",
    "node udp/8472-8472 from sg:node",
  ]);
});

/** `<group> <proto>/<from>-<to> from <source>` for every ingress rule, sorted. */
async function ingressRulesOf(run: Run): Promise<string[]> {
  const groups = new Map(
    ofType(run, "aws:ec2/securityGroup:SecurityGroup").map((g) => [
      `${g.name}-id`,
      g.name.replace("kubeadm-ha-sg-", ""),
    ]),
  );
  return ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    .map((r) => {
      const to = groups.get(String(r.inputs.securityGroupId));
      const from = r.inputs.cidrIpv4 ?? `sg:${groups.get(String(r.inputs.referencedSecurityGroupId))}`;
      return `${to} ${String(r.inputs.ipProtocol)}/${String(r.inputs.fromPort ?? "-")}-${String(r.inputs.toPort ?? "-")} from ${String(from)}`;
    })
    .sort();
}

test("the LB role: move the VIP on the two LB interfaces and associate the API address, in the account's partition", async () => {
  const run = await runCluster(spec);
  const [policy] = ofType(run, "aws:iam/rolePolicy:RolePolicy");
  const doc = JSON.parse(String(policy.inputs.policy)) as { Statement: { Action: string[]; Resource: string[] }[] };
  const eni = (lb: string): string => `arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-demo-${lb}`;
  assert.deepEqual(
    doc.Statement.map((s) => [s.Action, s.Resource]),
    [
      [
        ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        [eni("lb1"), eni("lb2")],
      ],
      [
        ["ec2:AssociateAddress"],
        ["arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-0demo", eni("lb1"), eni("lb2")],
      ],
      [["ec2:DescribeAddresses"], ["*"]],
    ],
  );
  const role = ofType(run, "aws:iam/role:Role")[0];
  assert.match(String(role.inputs.assumeRolePolicy), /"Service":"ec2\.amazonaws\.com"/);
  assert.deepEqual(
    ofType(run, INSTANCE)
      .filter((i) => i.inputs.iamInstanceProfile)
      .map((i) => i.name)
      .sort(),
    ["demo-lb1", "demo-lb2"],
  );
});

test("keepalived on AWS: unicast peers, the move on becoming MASTER, and a tracked check that re-assigns until the ENI holds the VIP", () => {
  const plan = buildPlan(spec);
  const lb1 = plan.steps.find((s) => s.id === "lb1-load-balancer");
  const conf = lb1?.files.find((f) => f.path === "/etc/keepalived/keepalived.conf")?.content ?? "";
  assert.match(conf, /unicast_src_ip 10\.0\.0\.10\n\s+unicast_peer \{\n\s+10\.0\.0\.11\n/);
  assert.match(conf, /notify_master "\/etc\/keepalived\/aws_move_vip\.sh"/);
  assert.match(conf, /notify_master_rx_lower_pri "\/etc\/keepalived\/aws_move_vip\.sh"/);
  assert.match(
    conf,
    /vrrp_script chk_vip_on_eni \{\n\s+script "\/etc\/keepalived\/aws_move_vip\.sh --check"\n\s+interval 5\n\s+timeout 4\n\s+weight -1\n/,
  );
  assert.match(conf, /track_script \{\n\s+chk_apiserver_frontend\n\s+chk_vip_on_eni\n/);
  const mover = plan.steps.find((s) => s.id === "lb1-aws-vip-mover");
  assert.ok(lb1?.after.includes("lb1-aws-vip-mover"));
  const moveScript = mover?.files[0].content ?? "";
  assert.match(moveScript, /^VIP='10\.0\.0\.100'$/m);
  assert.match(moveScript, /^PUBLIC_IP='@PUBLIC_API_ADDRESS@'$/m, "the Elastic IP is filled in once it exists");
  assert.match(moveScript, /--allow-reassignment/);
  assert.match(mover?.script ?? "", /apply_full_imds_network_config: false/, "the VIP leaves cloud-init's netplan");
});

test("public API: an unassociated Elastic IP (the move script associates it), in the SANs, and the kubeconfig points at it", async () => {
  const run = await runCluster(spec);
  const [eip] = ofType(run, "aws:ec2/eip:Eip");
  assert.equal(eip.inputs.networkInterface, undefined);
  assert.equal(eip.inputs.associateWithPrivateIp, undefined);
  assert.match(createOf(run, "lb1-aws-vip-mover"), /PUBLIC_IP='\\''198\.51\.100\.7'\\''|PUBLIC_IP='198\.51\.100\.7'/);
  assert.match(createOf(run, initOf(run)), /certSANs:\n\s+- 10\.0\.0\.100\n\s+- "?198\.51\.100\.7"?\n/);
  assert.match(await valueOf(run.cluster.kubeconfig), /server: https:\/\/198\.51\.100\.7:6443/);
  assert.equal(await pulumi.isSecret(run.cluster.kubeconfig), true);
  assert.equal(await valueOf(run.cluster.controlPlaneEndpoint), "198.51.100.7:6443");
  assert.ok(
    (await run.options.get("cp1-prepare-node")?.dependsOn)?.includes("kubeadm-ha-lb-move-vip"),
    "SSH gates (a node's preparation opens with its gate) wait for the VIP mover policy",
  );
  const connection = plain(run.resources.find((r) => r.name === "cp1-prepare-node")?.inputs.connection) as {
    host: string;
  };
  assert.match(connection.host, /^203\.0\.113\./, "SSH goes to the public IP");
  assert.ok(!JSON.stringify(run.resources.map((r) => r.inputs.create)).includes(FAKE.tokenSecret));
});

test("nlb mode with publicApi: nodes use an internal NLB, users a public one, and the certificate names both", async () => {
  const s = buildSpec(awsStack({ loadBalancerMode: "nlb" }));
  assert.deepEqual(s.loadBalancers, []);
  const run = await runCluster(s);
  const nlbs = ofType(run, "aws:lb/loadBalancer:LoadBalancer");
  assert.deepEqual(
    nlbs.map((n) => [n.name, n.inputs.internal, (n.inputs.subnets as string[]).length]),
    [
      ["kubeadm-ha-api-int", true, 3],
      ["kubeadm-ha-api-pub", false, 3],
    ],
  );
  for (const tg of ofType(run, "aws:lb/targetGroup:TargetGroup")) {
    assert.deepEqual(
      [tg.inputs.preserveClientIp, tg.inputs.protocol, (tg.inputs.healthCheck as Record<string, unknown>).path],
      ["false", "TCP", "/readyz"],
    );
  }
  assert.equal(ofType(run, "aws:lb/targetGroupAttachment:TargetGroupAttachment").length, 6);
  const init = createOf(run, initOf(run));
  assert.match(init, /controlPlaneEndpoint: "?kubeadm-ha-api-int\.example\.elb\.amazonaws\.com:6443"?\n/);
  assert.match(init, /certSANs:\n(\s+- .*\n)*\s+- "?kubeadm-ha-api-pub\.example\.elb\.amazonaws\.com"?\n/);
  // kubeadm init connects through the name: the listener and the targets must exist first.
  const initWaits = (await run.options.get(initOf(run))?.dependsOn) ?? [];
  assert.ok(
    ["kubeadm-ha-api-int", "kubeadm-ha-api-int-cp1", "kubeadm-ha-api-int-cp2", "kubeadm-ha-api-int-cp3"].every((n) =>
      initWaits.includes(n),
    ),
    initWaits.join(", "),
  );
  assert.equal(await valueOf(run.cluster.controlPlaneEndpoint), "kubeadm-ha-api-pub.example.elb.amazonaws.com:6443");
  const rules = await ingressRulesOf(run);
  assert.ok(
    rules.includes("nlb tcp/6443-6443 from sg:node"),
    "nodes reach the internal NLB from their private addresses",
  );
  assert.ok(rules.includes("nlb-public tcp/6443-6443 from 203.0.113.0/24"));
  assert.ok(
    rules.includes("control-plane tcp/6443-6443 from sg:nlb") &&
      rules.includes("control-plane tcp/6443-6443 from sg:nlb-public"),
  );
  assert.ok(!rules.some((r) => r.startsWith("nlb tcp/6443-6443 from 203.")), "users are not let into the internal NLB");
  assert.ok(!rules.some((r) => r.includes(" 112/")), "no VRRP in nlb mode");
});

test("nlb mode without publicApi: one internal NLB for nodes and the listed clients", async () => {
  const run = await runCluster(buildSpec(awsStack({ loadBalancerMode: "nlb", publicApi: false })));
  assert.deepEqual(
    ofType(run, "aws:lb/loadBalancer:LoadBalancer").map((n) => [n.name, n.inputs.internal]),
    [["kubeadm-ha-api-int", true]],
  );
  assert.equal(await valueOf(run.cluster.controlPlaneEndpoint), "kubeadm-ha-api-int.example.elb.amazonaws.com:6443");
  const rules = await ingressRulesOf(run);
  assert.ok(
    rules.includes("nlb tcp/6443-6443 from 203.0.113.0/24") && rules.includes("nlb tcp/6443-6443 from sg:node"),
  );
});

test("the aws layout is pure arithmetic: LB pair and VIP in the first subnet, the rest round-robin", () => {
  const input = {
    subnets: [
      { cidr: "10.2.0.0/24", azIndex: 0 },
      { cidr: "10.2.1.0/24", azIndex: 1 },
    ],
    loadBalancerMode: "keepalived",
    controlPlaneCount: 3,
    workerCount: 1,
    interface: "ens5",
  } as const;
  const layout = awsLayout(input);
  assert.deepEqual(
    layout.loadBalancers.map((h) => h.privateAddress),
    ["10.2.0.10", "10.2.0.11"],
  );
  assert.deepEqual(
    layout.controlPlanes.map((h) => h.privateAddress),
    ["10.2.0.20", "10.2.1.20", "10.2.0.21"],
  );
  assert.deepEqual(layout.subnetOf, { lb1: 0, lb2: 0, cp1: 0, cp2: 1, cp3: 0, worker1: 0 });
  assert.equal(layout.vip, "10.2.0.100");
  assert.deepEqual(awsLayout({ ...input, loadBalancerMode: "nlb" }).loadBalancers, []);
});
