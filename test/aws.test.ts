import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { awsLayout } from "../core/plan/aws-layout";
import { buildPlan } from "../core/plan/steps";
import { ConfigError } from "../core/config/problems";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { FAKE, installMocks, SECRET_SIG, valueOf } from "./support/mocks";
import { Run, runCluster } from "./support/program";
import { stackWith } from "./support/stack";

installMocks(["cp1", "cp2", "cp3", "worker1", "worker2"], "10.0.0.100:6443");

const awsStack = (changes: Record<string, unknown> = {}): Record<string, unknown> => stackWith("aws-example", changes);
const spec = buildSpec(awsStack());
const ofType = (run: Run, type: string) => run.resources.filter((r) => r.type === type);
const plain = (v: unknown): unknown => (v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v);

test("aws layout: fixed private IPs, LBs and VIP in the first subnet, control planes spread over the AZs", () => {
  assert.equal(spec.platform, "aws");
  assert.deepEqual(spec.aws?.subnets.map((s) => s.cidr), ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]);
  assert.deepEqual(spec.loadBalancers.map((h) => h.privateAddress), ["10.0.0.10", "10.0.0.11"]);
  assert.equal(spec.vip, "10.0.0.100");
  assert.equal(spec.controlPlaneEndpoint, "10.0.0.100:6443");
  assert.deepEqual(spec.controlPlanes.map((h) => h.privateAddress), ["10.0.0.20", "10.0.16.20", "10.0.32.20"]);
  assert.deepEqual(spec.workers.map((h) => h.privateAddress), ["10.0.0.128", "10.0.16.128"]);
  assert.equal(spec.loadBalancers[0].interface, "ens5");
});

for (const [count, perAz] of [[3, [1, 1, 1]], [5, [2, 2, 1]]] as const) {
  test(`${count} control planes over 3 AZs: ${perAz.join("/")} per AZ, so losing any one AZ keeps etcd quorum`, async () => {
    const s = buildSpec(awsStack({ controlPlaneCount: count }));
    const run = await runCluster(s);
    const instances = ofType(run, "aws:ec2/instance:Instance");
    assert.equal(instances.length, 2 + count + 2);
    const subnetOfCp = s.controlPlanes.map((cp) => s.aws?.subnetOf[cp.name] ?? -1);
    const counts = [0, 1, 2].map((az) => subnetOfCp.filter((x) => x === az).length);
    assert.deepEqual(counts, [...perAz]);
    const quorum = Math.floor(count / 2) + 1;
    assert.ok(Math.max(...counts) <= count - quorum, "the largest AZ holds no more than the tolerated failures");
    assert.equal(ofType(run, "aws:ec2/subnet:Subnet").length, 3);
    assert.equal(ofType(run, "aws:ec2/vpc:Vpc").length, 1);
  });
}

test("every instance: IMDSv2 required, encrypted gp3 root volume, key pair, cluster tags", async () => {
  const run = await runCluster(spec);
  for (const i of ofType(run, "aws:ec2/instance:Instance")) {
    const meta = i.inputs.metadataOptions as Record<string, unknown>;
    const root = i.inputs.rootBlockDevice as Record<string, unknown>;
    assert.equal(meta.httpTokens, "required", i.name);
    assert.equal(root.encrypted, true, i.name);
    assert.equal(root.volumeType, "gp3", i.name);
    assert.equal((i.inputs.tags as Record<string, string>)["kubeadm-ha:cluster"], "demo");
    assert.ok(i.inputs.keyName, i.name);
  }
  const lb1 = ofType(run, "aws:ec2/instance:Instance").find((i) => i.name === "demo-lb1");
  assert.deepEqual(lb1?.inputs.secondaryPrivateIps, ["10.0.0.100"]);
  assert.equal(lb1?.inputs.instanceType, "t3.small");
});

test("security groups: every rule and its only source", async () => {
  const run = await runCluster(spec);
  const groups = new Map(ofType(run, "aws:ec2/securityGroup:SecurityGroup").map((g) => [`${g.name}-id`, g.name.replace("kubeadm-ha-sg-", "")]));
  const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => {
    const to = groups.get(String(r.inputs.securityGroupId));
    const from = r.inputs.cidrIpv4 ?? `sg:${groups.get(String(r.inputs.referencedSecurityGroupId))}`;
    return `${to} ${String(r.inputs.ipProtocol)}/${String(r.inputs.fromPort ?? "-")}-${String(r.inputs.toPort ?? "-")} from ${String(from)}`;
  }).sort();
  assert.deepEqual(rules, [
    "control-plane tcp/10257-10259 from sg:node",
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
  assert.ok(!rules.some((r) => r.includes("0.0.0.0/0")));
});

test("the LB role may only move private IPs on the two LB interfaces", async () => {
  const run = await runCluster(spec);
  const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy");
  assert.equal(policies.length, 1);
  const doc = JSON.parse(String(policies[0].inputs.policy)) as { Statement: { Action: string[]; Resource: string[]; Effect: string }[] };
  assert.deepEqual(doc.Statement.map((s) => [s.Effect, s.Action, s.Resource]), [[
    "Allow",
    ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
    ["arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-demo-lb1", "arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-demo-lb2"],
  ]]);
  const profiles = ofType(run, "aws:iam/instanceProfile:InstanceProfile");
  assert.equal(profiles.length, 1);
  const withProfile = ofType(run, "aws:ec2/instance:Instance").filter((i) => i.inputs.iamInstanceProfile);
  assert.deepEqual(withProfile.map((i) => i.name).sort(), ["demo-lb1", "demo-lb2"]);
});

test("keepalived on AWS: both LB private IPs as unicast peers, the notify script moves the VIP", () => {
  const plan = buildPlan(spec);
  const lb1 = plan.steps.find((s) => s.id === "lb1-load-balancer");
  const conf = lb1?.files.find((f) => f.path === "/etc/keepalived/keepalived.conf")?.content ?? "";
  assert.match(conf, /unicast_src_ip 10\.0\.0\.10\n\s+unicast_peer \{\n\s+10\.0\.0\.11\n/);
  assert.match(conf, /notify_master "\/etc\/keepalived\/aws_move_vip\.sh"/);
  assert.match(conf, /notify_master_rx_lower_pri "\/etc\/keepalived\/aws_move_vip\.sh"/);
  assert.match(conf, /10\.0\.0\.100\/20 dev ens5/);
  const mover = plan.steps.find((s) => s.id === "lb1-aws-vip-mover");
  assert.ok(lb1?.after.includes("lb1-aws-vip-mover"));
  assert.match(mover?.files[0].content ?? "", /assign-private-ip-addresses --region "\$REGION" --network-interface-id "\$eni"/);
  assert.match(mover?.files[0].content ?? "", /--allow-reassignment/);
  assert.match(mover?.files[0].content ?? "", /^VIP='10\.0\.0\.100'$/m);
});

test("public API: an Elastic IP on the VIP, in the certificate SANs, and the kubeconfig points at it", async () => {
  const run = await runCluster(spec);
  const eips = ofType(run, "aws:ec2/eip:Eip");
  assert.equal(eips.length, 1);
  assert.equal(eips[0].inputs.associateWithPrivateIp, "10.0.0.100");
  const init = run.resources.find((r) => r.name === "cp1-kubeadm-init");
  assert.match(String(plain(init?.inputs.create)), /certSANs:\n\s+- 10\.0\.0\.100\n\s+- "?198\.51\.100\.7"?\n/);
  assert.match(await valueOf(run.cluster.kubeconfig), /server: https:\/\/198\.51\.100\.7:6443/);
  assert.equal(await pulumi.isSecret(run.cluster.kubeconfig), true);
  assert.equal(await valueOf(run.cluster.controlPlaneEndpoint), "198.51.100.7:6443");
  const gate = run.options.get("cp1-wait-ssh");
  assert.ok((await gate?.dependsOn)?.includes("kubeadm-ha-lb-move-vip"), "SSH gates wait for the VIP mover policy");
  const connection = plain(run.resources.find((r) => r.name === "cp1-wait-ssh")?.inputs.connection) as { host: string };
  assert.match(connection.host, /^203\.0\.113\./, "SSH goes to the public IP");
  assert.ok(!JSON.stringify(run.resources.map((r) => r.inputs.create)).includes(FAKE.tokenSecret));
});

test("nlb mode: an NLB across the AZs, TCP listener, HTTPS /readyz checks, client IP preservation off", async () => {
  const s = buildSpec(awsStack({ loadBalancerMode: "nlb" }));
  assert.deepEqual(s.loadBalancers, []);
  const run = await runCluster(s);
  const [nlb] = ofType(run, "aws:lb/loadBalancer:LoadBalancer");
  assert.equal(nlb.inputs.loadBalancerType, "network");
  assert.equal((nlb.inputs.subnets as string[]).length, 3);
  const [tg] = ofType(run, "aws:lb/targetGroup:TargetGroup");
  assert.equal(tg.inputs.preserveClientIp, "false");
  assert.equal(tg.inputs.protocol, "TCP");
  assert.deepEqual(
    { protocol: (tg.inputs.healthCheck as Record<string, unknown>).protocol, path: (tg.inputs.healthCheck as Record<string, unknown>).path },
    { protocol: "HTTPS", path: "/readyz" },
  );
  assert.equal(ofType(run, "aws:lb/targetGroupAttachment:TargetGroupAttachment").length, 3);
  assert.equal(ofType(run, "aws:lb/listener:Listener")[0].inputs.protocol, "TCP");
  assert.ok(!run.resources.some((r) => r.name.startsWith("lb1-")), "no LB hosts in nlb mode");
  const init = run.resources.find((r) => r.name === "cp1-kubeadm-init");
  assert.match(String(plain(init?.inputs.create)), /controlPlaneEndpoint: "?api-nlb\.example\.elb\.amazonaws\.com:6443"?\n/);
  assert.deepEqual(await run.options.get("cp1-kubeadm-init")?.dependsOn, ["cp1-prepare-node"]);
  assert.equal(await valueOf(run.cluster.controlPlaneEndpoint), "api-nlb.example.elb.amazonaws.com:6443");
  const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
  assert.ok(rules.some((r) => r.inputs.description === "api-server from the load balancers"));
  assert.ok(!rules.some((r) => r.inputs.ipProtocol === "112"), "no VRRP in nlb mode");
});

/** Bad aws configs: [change, key, text]. */
const BAD: [Record<string, unknown>, string, RegExp][] = [
  [{ sshAllowedCidrs: undefined }, "kubeadm-ha:sshAllowedCidrs", /is required on aws and has no default/],
  [{ apiAllowedCidrs: [] }, "kubeadm-ha:apiAllowedCidrs", /is required on aws/],
  [{ sshAllowedCidrs: ["0.0.0.0/0"] }, "kubeadm-ha:sshAllowedCidrs[0]", /opens this to the whole internet; narrow it, or set kubeadm-ha:allowOpenCidrs/],
  [{ apiAllowedCidrs: ["10.0.0.0/33"] }, "kubeadm-ha:apiAllowedCidrs[0]", /is not an IPv4 CIDR/],
  [{ "aws:region": undefined }, "aws:region", /is required on aws/],
  [{ controlPlaneCount: 4 }, "kubeadm-ha:controlPlaneCount", /4 is not an odd number/],
  [{ sshPublicKey: "not-a-key" }, "kubeadm-ha:sshPublicKey", /is not an OpenSSH public key/],
  [{ loadBalancerMode: "alb" }, "kubeadm-ha:loadBalancerMode", /"alb" is not a mode/],
  [{ instanceTypes: { controlPlane: "t3.small" } }, "kubeadm-ha:instanceTypes.controlPlane", /less than 2 vCPU \/ 2 GiB/],
  [{ controlPlanes: [{ name: "cp1", address: "10.0.0.5" }] }, "kubeadm-ha:controlPlanes", /on aws the program creates them/],
  [{ vpcCidr: "10.0.0.0/8" }, "kubeadm-ha:vpcCidr", /from \/16 to \/20/],
  [{ vpcId: "vpc-0abc1234def567890" }, "kubeadm-ha:subnetIds", /is required with vpcId/],
];
for (const [change, key, text] of BAD) {
  test(`aws: refuses ${JSON.stringify(change)} naming ${key}`, () => {
    assert.throws(() => buildSpec(awsStack(change)), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.problems.some((p) => p.key === key && text.test(p.message)), err.message);
      return true;
    });
  });
}

test("aws: 0.0.0.0/0 is accepted with the explicit opt-in", () => {
  const s: ClusterSpec = buildSpec(awsStack({ apiAllowedCidrs: ["0.0.0.0/0"], allowOpenCidrs: true }));
  assert.deepEqual(s.aws?.apiAllowedCidrs, ["0.0.0.0/0"]);
});

test("aws: an existing VPC uses the looked-up subnet CIDRs", () => {
  const s = buildSpec(awsStack({ vpcId: "vpc-0abc1234def567890", subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"] }), {
    existingSubnets: [{ id: "subnet-0aaa1111", cidr: "10.1.0.0/20" }, { id: "subnet-0bbb2222", cidr: "10.1.16.0/20" }],
  });
  assert.deepEqual(s.controlPlanes.map((c) => c.privateAddress), ["10.1.0.20", "10.1.16.20", "10.1.0.21"]);
  assert.equal(s.vip, "10.1.0.100");
});

test("the aws layout is pure arithmetic: LB pair and VIP in the first subnet, the rest round-robin", () => {
  const input = {
    subnets: [{ cidr: "10.2.0.0/24", azIndex: 0 }, { cidr: "10.2.1.0/24", azIndex: 1 }],
    loadBalancerMode: "keepalived", controlPlaneCount: 3, workerCount: 1, interface: "ens5",
  } as const;
  const layout = awsLayout(input);
  assert.deepEqual(layout.loadBalancers.map((h) => h.privateAddress), ["10.2.0.10", "10.2.0.11"]);
  assert.deepEqual(layout.controlPlanes.map((h) => h.privateAddress), ["10.2.0.20", "10.2.1.20", "10.2.0.21"]);
  assert.deepEqual(layout.subnetOf, { lb1: 0, lb2: 0, cp1: 0, cp2: 1, cp3: 0, worker1: 0 });
  assert.equal(layout.vip, "10.2.0.100");
  assert.equal(layout.vipPrefixLength, 24);
  assert.deepEqual(awsLayout({ ...input, loadBalancerMode: "nlb" }).loadBalancers, []);
});
