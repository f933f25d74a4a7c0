import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildPlan } from "../core/plan/steps";
import { ConfigError } from "../core/config/problems";
import { buildSpec, SpecContext } from "../core/config/build-spec";
import { instanceTypeShape } from "../core/config/validate-aws-names";
import { loadStackSpec, parseProjectFile } from "../core/render/stack-files";
import { ROOT, stackConfig, stackWith } from "./support/stack";

const awsStack = (changes: Record<string, unknown> = {}): Record<string, unknown> => stackWith("aws-example", changes);

/** An OpenSSH public key line built from wire-format fields (RFC 4253 6.6). */
function sshKey(type: string, ...fields: Buffer[]): string {
  const field = (b: Buffer): Buffer =>
    Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 255)), b]);
  return `${type} ${Buffer.concat([field(Buffer.from(type)), ...fields.map(field)]).toString("base64")} me@laptop`;
}
const ED25519 = sshKey("ssh-ed25519", Buffer.alloc(32, 7));
const RSA_2048 = sshKey(
  "ssh-rsa",
  Buffer.from([1, 0, 1]),
  Buffer.concat([Buffer.from([0, 0xc1]), Buffer.alloc(255, 0x11)]),
);

test("the tests' stack loader hands over config as `pulumi up` does: the Pulumi.yaml defaults are set values", () => {
  const defaults = parseProjectFile(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")).defaults;
  const config = stackConfig("aws-example");
  for (const [key, value] of Object.entries(defaults)) {
    assert.ok(key in config, `${key} is missing: Pulumi hands every declared default to the program`);
    if (!(key in stackFileKeys("aws-example"))) assert.deepEqual(config[key], value, key);
  }
  // Removing a key from the stack file leaves the project default, as `pulumi config rm` does.
  assert.deepEqual(
    stackWith("aws-example", { workerCount: undefined })["kubeadm-ha:workerCount"],
    defaults["kubeadm-ha:workerCount"],
  );
});

/** The keys a stack file sets itself. */
function stackFileKeys(stack: string): Record<string, unknown> {
  const text = readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
  return Object.fromEntries([...text.matchAll(/^ {2}([\w-]+:[\w-]+):/gm)].map((m) => [m[1], true]));
}

test("the render of Pulumi.aws-example.yaml binds keepalived to the instances' interface, never the bare-metal eth0", () => {
  const { spec } = loadStackSpec(ROOT, "aws-example");
  const plan = buildPlan(spec);
  for (const lb of ["lb1", "lb2"]) {
    const conf =
      plan.steps.find((s) => s.id === `${lb}-load-balancer`)?.files.find((f) => f.path.endsWith("keepalived.conf"))
        ?.content ?? "";
    assert.match(conf, /^\s+interface \S+$/m, lb);
    assert.doesNotMatch(conf, /^\s+interface eth0$/m, lb);
    assert.doesNotMatch(conf, /dev eth0$/m, lb);
  }
});

/** Bad aws configs: [change, key, message]; several rows per class. */
const BAD: [Record<string, unknown>, string, RegExp][] = [
  // required and open access
  [{ sshAllowedCidrs: undefined }, "kubeadm-ha:sshAllowedCidrs", /is required on aws and has no default/],
  [{ apiAllowedCidrs: [] }, "kubeadm-ha:apiAllowedCidrs", /is required on aws/],
  [
    { sshAllowedCidrs: ["0.0.0.0/0"] },
    "kubeadm-ha:sshAllowedCidrs[0]",
    /opens this to the whole internet; narrow it, or set kubeadm-ha:allowOpenCidrs/,
  ],
  [
    { apiAllowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] },
    "kubeadm-ha:apiAllowedCidrs",
    /together cover every IPv4 address/,
  ],
  [
    { sshAllowedCidrs: ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8"] },
    "kubeadm-ha:sshAllowedCidrs",
    /together cover every IPv4 address/,
  ],
  [
    { sshAllowedCidrs: ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24"] },
    "kubeadm-ha:sshAllowedCidrs[2]",
    /"203\.0\.113\.0\/24" is the same range as sshAllowedCidrs\[0\]; list each range once/,
  ],
  [{ apiAllowedCidrs: ["10.0.0.0/33"] }, "kubeadm-ha:apiAllowedCidrs[0]", /is not an IPv4 CIDR/],
  // region
  [{ "aws:region": undefined }, "aws:region", /is required on aws/],
  [{ "aws:region": "eu-west-1a" }, "aws:region", /"eu-west-1a" is an availability zone; the region is "eu-west-1"/],
  [{ "aws:region": "us-east-1-bos-1a" }, "aws:region", /is an availability zone; the region is "us-east-1"/],
  [{ "aws:region": "EU-WEST-1" }, "aws:region", /"EU-WEST-1" is not an AWS region name/],
  [{ "aws:region": "eu-west1" }, "aws:region", /is not an AWS region name such as "eu-west-1"/],
  [{ "aws:region": "eu-wset-1" }, "aws:region", /is not an AWS region name/],
  [{ "aws:region": 1 }, "aws:region", /^1 is not an AWS region name/],
  // cluster name
  [{ clusterName: "Demo" }, "kubeadm-ha:clusterName", /"Demo" is not a cluster name: 1-32 lowercase letters/],
  [{ clusterName: "demo-" }, "kubeadm-ha:clusterName", /is not a cluster name/],
  [{ clusterName: "9lives" }, "kubeadm-ha:clusterName", /starting with a letter/],
  [{ clusterName: "de_mo" }, "kubeadm-ha:clusterName", /is not a cluster name/],
  [{ clusterName: "a".repeat(33) }, "kubeadm-ha:clusterName", /is not a cluster name/],
  // instance types
  [
    { instanceTypes: { controlPlane: "t3.mediun" } },
    "kubeadm-ha:instanceTypes.controlPlane",
    /"t3\.mediun" is not an EC2 instance type name/,
  ],
  [{ instanceTypes: { worker: "t3medium" } }, "kubeadm-ha:instanceTypes.worker", /is not an EC2 instance type name/],
  [
    { instanceTypes: { loadBalancer: "T3.small" } },
    "kubeadm-ha:instanceTypes.loadBalancer",
    /is not an EC2 instance type name/,
  ],
  [{ instanceTypes: { worker: "mac2.metal" } }, "kubeadm-ha:instanceTypes.worker", /is a Mac instance/],
  [
    { instanceTypes: { controlPlane: "t3.small" } },
    "kubeadm-ha:instanceTypes.controlPlane",
    /too small for a control plane/,
  ],
  [
    { instanceTypes: { controlPlane: "t4g.micro" } },
    "kubeadm-ha:instanceTypes.controlPlane",
    /too small for a control plane/,
  ],
  [
    { instanceTypes: { controlPlane: "m7g.large" } },
    "kubeadm-ha:instanceTypes",
    /mixes architectures \(loadBalancer "t3\.small" is x86_64, controlPlane "m7g\.large" is arm64/,
  ],
  [
    { instanceTypes: { loadBalancer: "t4g.small", controlPlane: "c6gn.large", worker: "m6i.large" } },
    "kubeadm-ha:instanceTypes",
    /worker "m6i\.large" is x86_64\): one AMI serves every instance/,
  ],
  // SSH public key
  [{ sshPublicKey: "not-a-key" }, "kubeadm-ha:sshPublicKey", /is not an OpenSSH public key/],
  [
    { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5" },
    "kubeadm-ha:sshPublicKey",
    /ssh-ed25519 key data that is not one 32-byte key/,
  ],
  [
    { sshPublicKey: `${ED25519.slice(0, 40)} me@laptop` },
    "kubeadm-ha:sshPublicKey",
    /kubeadm-ha:sshPublicKey|base64|32-byte/,
  ],
  [{ sshPublicKey: `${ED25519}\n${RSA_2048}` }, "kubeadm-ha:sshPublicKey", /is not an OpenSSH public key/],
  [
    { sshPublicKey: ED25519.replace("ssh-ed25519", "ssh-rsa") },
    "kubeadm-ha:sshPublicKey",
    /key data of "ssh-ed25519" type, not ssh-rsa/,
  ],
  [
    {
      sshPublicKey: sshKey(
        "ecdsa-sha2-nistp256",
        Buffer.from("nistp256"),
        Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]),
      ),
    },
    "kubeadm-ha:sshPublicKey",
    /EC2 imports ED25519 and RSA keys/,
  ],
  [{ sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }, "kubeadm-ha:sshPublicKey", /is not an OpenSSH public key/],
  // AMI ids
  [{ ami: "ami-123" }, "kubeadm-ha:ami", /"ami-123" is not an AMI id/],
  [{ ami: "ami-0123456789abcdef" }, "kubeadm-ha:ami", /8 or 17 hex digits/],
  [{ ami: "AMI-01234567" }, "kubeadm-ha:ami", /is not an AMI id/],
  [{ ami: "ami-0123456789abcdefg" }, "kubeadm-ha:ami", /is not an AMI id/],
  // sizing and network
  [{ controlPlaneCount: 4 }, "kubeadm-ha:controlPlaneCount", /4 is not an odd number/],
  [{ loadBalancerMode: "alb" }, "kubeadm-ha:loadBalancerMode", /"alb" is not a mode/],
  [
    { controlPlanes: [{ name: "cp1", address: "10.0.0.5" }] },
    "kubeadm-ha:controlPlanes",
    /on aws the program creates them/,
  ],
  [{ vpcCidr: "10.0.0.0/8" }, "kubeadm-ha:vpcCidr", /from \/16 to \/20/],
  [{ vpcId: "vpc-0abc1234def567890" }, "kubeadm-ha:subnetIds", /is required with vpcId/],
];

/** Asserts that `buildSpec` refuses with a problem at `key` whose message matches `text`. */
function assertRefused(config: Record<string, unknown>, key: string, text: RegExp, context: SpecContext = {}): void {
  assert.throws(
    () => buildSpec(config, context),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(
        err.problems.some((p) => p.key === key && text.test(p.message)),
        err.message,
      );
      return true;
    },
  );
}

for (const [change, key, text] of BAD) {
  test(`aws: refuses ${JSON.stringify(change).slice(0, 100)} naming ${key}`, () =>
    assertRefused(awsStack(change), key, text));
}

test("aws: good names and keys pass: regions of every partition, RSA and ED25519 keys, Graviton everywhere", () => {
  for (const region of [
    "us-east-1",
    "ap-southeast-5",
    "us-gov-west-1",
    "cn-northwest-1",
    "il-central-1",
    "eusc-de-east-1",
  ]) {
    assert.equal(buildSpec(awsStack({ "aws:region": region })).aws?.region, region);
  }
  for (const key of [ED25519, RSA_2048, ED25519.replace(" me@laptop", "")])
    assert.equal(buildSpec(awsStack({ sshPublicKey: key })).aws?.sshPublicKey, key);
  const graviton = buildSpec(
    awsStack({ instanceTypes: { loadBalancer: "t4g.small", controlPlane: "m7g.large", worker: "c6gn.xlarge" } }),
  );
  assert.equal(graviton.aws?.architecture, "arm64");
  // An NLB cluster has no LB instances: the default LB type does not count in the mix.
  assert.equal(
    buildSpec(awsStack({ loadBalancerMode: "nlb", instanceTypes: { controlPlane: "m7g.large", worker: "m7g.large" } }))
      .aws?.architecture,
    "arm64",
  );
});

test("instance type names: architecture from the name (Graviton: a `g` attribute or the a1 family)", () => {
  const arch = (t: string): string => {
    const s = instanceTypeShape(t);
    return "problem" in s ? "refused" : s.architecture;
  };
  assert.deepEqual(
    ["t3.medium", "m7i-flex.large", "g4dn.xlarge", "x2iedn.metal", "u-6tb1.metal", "c5.24xlarge"].map(arch),
    Array(6).fill("x86_64"),
  );
  assert.deepEqual(
    [
      "t4g.small",
      "m7g.large",
      "c6gn.16xlarge",
      "im4gn.large",
      "is4gen.medium",
      "a1.large",
      "g5g.xlarge",
      "r8g.metal-24xl",
    ].map(arch),
    Array(8).fill("arm64"),
  );
  assert.deepEqual(["t3", "t3.huge", "m5.0xlarge", "t3.medium "].map(arch), Array(4).fill("refused"));
});

test("aws: the ami override must exist in the region and match the instance types' architecture", () => {
  const ami = "ami-0123456789abcdef0";
  assertRefused(awsStack({ ami }), "kubeadm-ha:ami", /is an arm64 image but instanceTypes are x86_64/, {
    ami: { id: ami, architecture: "arm64" },
  });
  assertRefused(awsStack({ ami }), "kubeadm-ha:ami", /"ami-0123456789abcdef0" was not found in eu-west-1/, {
    ami: { id: ami },
  });
  assert.equal(buildSpec(awsStack({ ami }), { ami: { id: ami, architecture: "x86_64" } }).aws?.ami, ami);
});

test("aws: 0.0.0.0/0 and covering pieces are accepted with the explicit opt-in", () => {
  assert.deepEqual(buildSpec(awsStack({ apiAllowedCidrs: ["0.0.0.0/0"], allowOpenCidrs: true })).aws?.apiAllowedCidrs, [
    "0.0.0.0/0",
  ]);
  assert.deepEqual(
    buildSpec(awsStack({ sshAllowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"], allowOpenCidrs: true })).aws?.sshAllowedCidrs,
    ["0.0.0.0/1", "128.0.0.0/1"],
  );
});

test("aws: very large allowed ranges are accepted with a warning naming the key, unless allowOpenCidrs", () => {
  for (const [key, cidr, addresses] of [
    ["sshAllowedCidrs", "10.0.0.0/8", "16,777,216"],
    ["apiAllowedCidrs", "64.0.0.0/2", "1,073,741,824"],
    ["apiAllowedCidrs", "0.0.0.0/1", "2,147,483,648"],
  ] as const) {
    const spec = buildSpec(awsStack({ [key]: ["203.0.113.0/24", cidr] }));
    assert.equal(spec.warnings.length, 1, spec.warnings.join("\n"));
    assert.match(spec.warnings[0], new RegExp(`^kubeadm-ha:${key}\\[1\\]: "${cidr}" lets in ${addresses} addresses`));
    assert.match(spec.warnings[0], /set kubeadm-ha:allowOpenCidrs to true if that is meant$/);
    assert.deepEqual(buildSpec(awsStack({ [key]: [cidr], allowOpenCidrs: true })).warnings, [], `${cidr} opted in`);
  }
  // Below a /8 no warning: an office, VPN or VPC range.
  for (const cidr of ["11.0.0.0/9", "172.16.0.0/12", "203.0.113.7/32"])
    assert.deepEqual(buildSpec(awsStack({ sshAllowedCidrs: [cidr] })).warnings, [], cidr);
});

const VPC = "vpc-0abc1234def567890";
const existing = (changes: Record<string, unknown>[] = []): SpecContext => ({
  existingSubnets: [
    {
      id: "subnet-0aaa1111",
      cidr: "10.1.0.0/20",
      vpcId: VPC,
      availabilityZone: "eu-west-1a",
      routesToInternetGateway: true,
      ...changes[0],
    },
    {
      id: "subnet-0bbb2222",
      cidr: "10.1.16.0/20",
      vpcId: VPC,
      availabilityZone: "eu-west-1b",
      routesToInternetGateway: true,
      ...changes[1],
    },
  ],
});
const inVpc = (changes: Record<string, unknown> = {}): Record<string, unknown> =>
  awsStack({ vpcId: VPC, subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"], ...changes });

test("aws: an existing VPC uses the looked-up subnets, in order", () => {
  const s = buildSpec(inVpc(), existing());
  assert.deepEqual(
    s.controlPlanes.map((c) => c.privateAddress),
    ["10.1.0.20", "10.1.16.20", "10.1.0.21"],
  );
  assert.equal(s.vip, "10.1.0.100");
});

test("aws: existing subnets must be in the VPC, in distinct AZs, routed to an internet gateway, and hold none of the fixed addresses", () => {
  assertRefused(
    inVpc(),
    "kubeadm-ha:subnetIds[1]",
    /"subnet-0bbb2222" belongs to vpc-0other111, not to vpcId vpc-0abc1234def567890/,
    existing([{}, { vpcId: "vpc-0other111" }]),
  );
  assertRefused(
    inVpc(),
    "kubeadm-ha:subnetIds[1]",
    /is in eu-west-1a like subnetIds\[0\]; list one subnet per AZ/,
    existing([{}, { availabilityZone: "eu-west-1a" }]),
  );
  assertRefused(
    inVpc(),
    "kubeadm-ha:subnetIds[0]",
    /has no route 0\.0\.0\.0\/0 to an internet gateway/,
    existing([{ routesToInternetGateway: false }]),
  );
  assertRefused(
    inVpc({ subnetIds: ["subnet-0aaa1111", "subnet-0aaa1111"] }),
    "kubeadm-ha:subnetIds[1]",
    /is listed twice/,
    existing(),
  );
  assertRefused(inVpc(), "kubeadm-ha:subnetIds[1]", /"subnet-0bbb2222" was not found in vpc-0abc1234def567890/, {
    existingSubnets: existing().existingSubnets?.slice(0, 1),
  });
  assertRefused(
    inVpc(),
    "kubeadm-ha:subnetIds[0]",
    /is 10\.1\.0\.0\/25; subnets need \/24 or larger/,
    existing([{ cidr: "10.1.0.0/25" }]),
  );
  const held = {
    ...existing(),
    addressesInUse: [
      { address: "10.1.16.20", by: "eni-0busy (NAT gateway)" },
      { address: "10.1.0.100", by: "eni-0other" },
    ],
  };
  assert.throws(
    () => buildSpec(inVpc(), held),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(
        err.problems.some(
          (p) =>
            p.key === "kubeadm-ha:subnetIds[1]" &&
            /10\.1\.16\.20 \(cp2\) is already held by eni-0busy \(NAT gateway\)/.test(p.message),
        ),
        err.message,
      );
      assert.ok(
        err.problems.some((p) => p.key === "kubeadm-ha:subnetIds[0]" && /10\.1\.0\.100 \(the VIP\)/.test(p.message)),
        err.message,
      );
      return true;
    },
  );
  // With a bastion, private subnets (a NAT route for downloads) are fine.
  assert.ok(buildSpec(inVpc({ bastion: { host: "203.0.113.9" } }), existing([{ routesToInternetGateway: false }])));
});

test("aws: a given VIP is a usable secondary IP of the LB subnet", () => {
  assertRefused(
    awsStack({ vip: "10.0.16.100" }),
    "kubeadm-ha:vip",
    /"10\.0\.16\.100" is outside the load balancers' subnet 10\.0\.0\.0\/20/,
  );
  assertRefused(awsStack({ vip: "192.168.1.100" }), "kubeadm-ha:vip", /is outside the load balancers' subnet/);
  for (const reserved of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.15.255"]) {
    assertRefused(
      awsStack({ vip: reserved }),
      "kubeadm-ha:vip",
      /is one of the addresses AWS reserves in 10\.0\.0\.0\/20/,
    );
  }
  assert.equal(buildSpec(awsStack({ vip: "10.0.0.200" })).vip, "10.0.0.200");
});

test("aws: an edit that would move running hosts to other addresses is refused: each would be replaced, several at once", () => {
  const running = {
    runningHosts: [
      { name: "cp1", privateAddress: "10.0.0.20" },
      { name: "cp3", privateAddress: "10.0.32.20" },
      { name: "worker2", privateAddress: "10.0.16.128" },
    ],
  };
  assert.ok(buildSpec(awsStack(), running), "the same layout passes");
  assert.ok(buildSpec(awsStack({ workerCount: 1 }), running), "removing a host is not moving it");
  assertRefused(
    awsStack({ availabilityZoneCount: 2 }),
    "kubeadm-ha:availabilityZoneCount",
    /moves running hosts to other addresses \(cp3 10\.0\.32\.20 → 10\.0\.0\.21\): each would be replaced/,
    running,
  );
  assertRefused(
    awsStack({ vpcCidr: "10.9.0.0/16" }),
    "kubeadm-ha:availabilityZoneCount",
    /cp1 10\.0\.0\.20 → 10\.9\.0\.20, cp3 10\.0\.32\.20 → 10\.9\.32\.20, worker2 10\.0\.16\.128 → 10\.9\.16\.128\).*Keep availabilityZoneCount, vpcCidr as they were/,
    running,
  );
});
