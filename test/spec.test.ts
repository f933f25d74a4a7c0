import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../core/config/keys";
import { ConfigError } from "../core/config/problems";
import { buildSpec } from "../core/config/build-spec";
import { HOST_FIELDS, rawConfigSchema } from "../core/config/schema";
import { exampleWith, hosts, ROOT, stackConfig } from "./support/stack";

test("the example stack gives the classic layout with defaults filled in", () => {
  const spec = buildSpec(stackConfig("dev"));
  assert.equal(spec.controlPlaneEndpoint, "192.168.1.100:6443");
  assert.equal(spec.vipPrefixLength, 24);
  assert.deepEqual(
    spec.controlPlanes.map((c) => [c.name, c.privateAddress, c.interface]),
    [
      ["cp1", "192.168.1.101", "eth0"],
      ["cp2", "192.168.1.102", "eth0"],
      ["cp3", "192.168.1.103", "eth0"],
    ],
  );
  assert.equal(spec.podNetworkCidr, "10.244.0.0/16");
  assert.equal(spec.serviceCidr, "10.96.0.0/12");
  assert.equal(spec.kubeadmApiVersion, "kubeadm.k8s.io/v1beta4");
  assert.deepEqual(spec.etcd, { mode: "stacked" });
  assert.deepEqual(spec.warnings, []);
});

test("Pulumi's allConfig strings parse like typed YAML values", () => {
  const typed = stackConfig("dev");
  const asStrings = Object.fromEntries(
    Object.entries(typed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  // allConfig() hands the secret decrypted; Pulumi marks its key secret (what program.ts passes on).
  assert.deepEqual(buildSpec(asStrings, { secretKeys: new Set(["kubeadm-ha:sshPrivateKey"]) }), buildSpec(typed));
});

test("the kubeadm config API follows the version: v1beta3 below 1.31, v1beta4 from 1.31", () => {
  for (const [version, api, minor] of [
    ["1.28.15", "v1beta3", "1.28"],
    ["1.30.9", "v1beta3", "1.30"],
    ["1.31.0", "v1beta4", "1.31"],
    ["1.35.1", "v1beta4", "1.35"],
  ]) {
    const spec = buildSpec(exampleWith({ kubernetesVersion: version }));
    assert.equal(spec.kubeadmApiVersion, `kubeadm.k8s.io/${api}`, version);
    assert.equal(spec.kubernetesMinor, minor);
  }
});

test("one control plane and one load balancer are allowed, with warnings that say it is not HA", () => {
  const spec = buildSpec(
    exampleWith({ controlPlanes: hosts("cp", 1, "192.168.1", 101), loadBalancers: hosts("lb", 1, "192.168.1", 98) }),
  );
  assert.equal(spec.warnings.length, 2);
  assert.match(spec.warnings.join("\n"), /NOT highly available/);
  assert.match(spec.warnings.join("\n"), /no standby/);
});

test("privateAddress and per-host interface override address and vipInterface", () => {
  const lbs = [
    { name: "lb1", address: "203.0.113.1", privateAddress: "192.168.1.98", interface: "ens5" },
    { name: "lb2", address: "203.0.113.2", privateAddress: "192.168.1.99" },
  ];
  const spec = buildSpec(exampleWith({ loadBalancers: lbs }));
  assert.deepEqual(
    spec.loadBalancers.map((l) => [l.address, l.privateAddress, l.interface]),
    [
      ["203.0.113.1", "192.168.1.98", "ens5"],
      ["203.0.113.2", "192.168.1.99", "eth0"],
    ],
  );
});

/** Each row: a config change, the key the error must name, and text it must contain. */
const BAD_INPUTS: [string, Record<string, unknown>, string, RegExp][] = [
  [
    "even control planes",
    { controlPlanes: hosts("cp", 4, "192.168.1", 101) },
    "kubeadm-ha:controlPlanes",
    /4 hosts; etcd quorum is floor\(N\/2\)\+1 = 3.*use 3 or 5/,
  ],
  ["no control planes", { controlPlanes: [] }, "kubeadm-ha:controlPlanes", /is empty; give an odd number/],
  [
    "three load balancers",
    { loadBalancers: hosts("lb", 3, "192.168.1", 95) },
    "kubeadm-ha:loadBalancers",
    /has 3 hosts; give exactly 2/,
  ],
  [
    "duplicate name",
    { workers: [{ name: "cp1", address: "192.168.1.111" }] },
    "kubeadm-ha:workers[0].name",
    /"cp1" is already used by kubeadm-ha:controlPlanes\[0\]/,
  ],
  [
    "duplicate address",
    { workers: [{ name: "w1", address: "192.168.1.101" }] },
    "kubeadm-ha:workers[0].address",
    /"192.168.1.101" is already used/,
  ],
  [
    "bad node name",
    { workers: [{ name: "Worker_1", address: "192.168.1.111" }] },
    "kubeadm-ha:workers[0].name",
    /"Worker_1" is not a valid Kubernetes node name/,
  ],
  ["VIP equals a host", { vip: "192.168.1.101" }, "kubeadm-ha:controlPlanes[0].address", /equals the VIP/],
  ["VIP outside LB network", { vip: "192.168.2.100/24" }, "kubeadm-ha:vip", /outside load balancer lb1's network/],
  ["bad VIP", { vip: "192.168.1.300" }, "kubeadm-ha:vip", /"192.168.1.300" is not a canonical IPv4 address/],
  ["missing VIP", { vip: undefined }, "kubeadm-ha:vip", /is required on bare metal/],
  ["bad pod CIDR", { podNetworkCidr: "10.244.0.0/33" }, "kubeadm-ha:podNetworkCidr", /is not an IPv4 CIDR/],
  ["pod and service overlap", { serviceCidr: "10.244.128.0/20" }, "kubeadm-ha:serviceCidr", /overlaps podNetworkCidr/],
  [
    "pod CIDR holds hosts",
    { podNetworkCidr: "192.168.0.0/16" },
    "kubeadm-ha:podNetworkCidr",
    /contains host lb1's address/,
  ],
  [
    "pod CIDR too small",
    { podNetworkCidr: "10.244.0.0/26" },
    "kubeadm-ha:podNetworkCidr",
    /smaller than one node's \/24/,
  ],
  [
    "pod CIDR too few /24s",
    { podNetworkCidr: "10.244.0.0/23" },
    "kubeadm-ha:podNetworkCidr",
    /room for 2 node \/24 ranges but the cluster has 5 nodes/,
  ],
  ["malformed version", { kubernetesVersion: "v1.30" }, "kubeadm-ha:kubernetesVersion", /is not a version X.Y.Z/],
  [
    "version too old",
    { kubernetesVersion: "1.27.3" },
    "kubeadm-ha:kubernetesVersion",
    /outside the supported range 1.28.0 to 1.35.x/,
  ],
  ["api port out of range", { apiPort: 70000 }, "kubeadm-ha:apiPort", /70000 is out of range; valid: 1-65535/],
  [
    "router id out of range",
    { virtualRouterId: 256 },
    "kubeadm-ha:virtualRouterId",
    /256 is out of range; valid: 1-255/,
  ],
  ["missing SSH key", { sshPrivateKey: undefined }, "kubeadm-ha:sshPrivateKey", /is required/],
  ["unknown platform", { platform: "gcp" }, "kubeadm-ha:platform", /"gcp" is not a platform/],
  ["unknown CNI", { cni: "weave" }, "kubeadm-ha:cni", /"weave" is not a supported CNI/],
  [
    "typo in a host field",
    { workers: [{ name: "w1", adress: "192.168.1.111" }] },
    "kubeadm-ha:workers[0]",
    /unknown field\(s\) adress/,
  ],
  ["unknown key", { "kubeadm-ha:controlPlane": [] }, "kubeadm-ha:controlPlane", /unknown key/],
  ["wrong type", { apiPort: "https" }, "kubeadm-ha:apiPort", /expected number/],
  ["bad interface", { vipInterface: "eth0; rm -rf /" }, "kubeadm-ha:vipInterface", /is not an interface name/],
  [
    "bad etcd endpoint",
    { externalEtcdEndpoints: ["10.0.0.5:2379"] },
    "kubeadm-ha:externalEtcdEndpoints[0]",
    /is not an etcd client URL/,
  ],
];

for (const [title, change, key, text] of BAD_INPUTS) {
  test(`rejects ${title}, naming ${key}`, () => {
    assert.throws(
      () => buildSpec(exampleWith(change)),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        const problem = err.problems.find((p) => p.key === key && text.test(p.message));
        assert.ok(problem, `no problem for ${key} matching ${text}; got:\n${err.message}`);
        return true;
      },
    );
  });
}

test("every problem is reported at once, in one error", () => {
  const err = (() => {
    try {
      buildSpec(
        exampleWith({
          apiPort: 0,
          virtualRouterId: 0,
          cni: "weave",
          controlPlanes: hosts("cp", 2, "192.168.1", 101),
          sshPrivateKey: undefined,
        }),
      );
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems.map((p) => p.key).sort(), [
    "kubeadm-ha:apiPort",
    "kubeadm-ha:cni",
    "kubeadm-ha:controlPlanes",
    "kubeadm-ha:sshPrivateKey",
    "kubeadm-ha:virtualRouterId",
  ]);
  assert.match(err.message, /5 problems/);
});

test("the SSH key's value never appears in an error", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----SECRETMATERIAL";
  assert.throws(
    () => buildSpec(exampleWith({ sshPrivateKey: key, cni: "bogus" })),
    (err: Error) => !err.message.includes("SECRETMATERIAL"),
  );
});

test("Pulumi.yaml declares every scalar key with the same type and default as the program", () => {
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config: Record<string, { type: string; default?: unknown; secret?: boolean }>;
  };
  assert.equal(project.name, "kubeadm-ha");
  for (const key of CONFIG_KEYS) {
    const declared = project.config[key.name];
    const listOfStrings = key.kind === "array" && key.items === "string";
    const expressible = key.kind !== "object" && (key.kind !== "array" || listOfStrings);
    const declarable = key.default !== undefined || key.required?.length === 2;
    if (!expressible || !declarable) {
      assert.equal(declared, undefined, `${key.name}: Pulumi would require it everywhere or cannot type it`);
      continue;
    }
    assert.ok(declared, `Pulumi.yaml does not declare ${key.name}`);
    const type = {
      string: "string",
      integer: "integer",
      boolean: "boolean",
      secret: "string",
      array: "array",
      object: "object",
    }[key.kind];
    assert.equal(declared.type, type, key.name);
    assert.deepEqual(declared.default, key.default, `default of ${key.name}`);
    assert.equal(declared.secret === true, key.kind === "secret", `secret flag of ${key.name}`);
  }
});

test("CONFIG_KEYS, the zod schema and Pulumi.yaml name the same keys and agree on defaults", () => {
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { default?: unknown }>;
  };
  const names = CONFIG_KEYS.map((k) => k.name);
  const shape: Record<string, { safeParse(value: unknown): { success: boolean } }> = rawConfigSchema.shape;
  assert.deepEqual(Object.keys(shape).sort(), [...names].sort(), "zod schema keys vs CONFIG_KEYS");
  for (const declared of Object.keys(project.config))
    assert.ok(names.includes(declared), `Pulumi.yaml declares ${declared}, which CONFIG_KEYS lacks`);
  for (const key of CONFIG_KEYS) {
    // Defaults are applied before the shape check: only a key without default may be unset.
    assert.equal(
      shape[key.name].safeParse(undefined).success,
      key.default === undefined,
      `zod optionality of ${key.name}`,
    );
    if (key.default !== undefined)
      assert.ok(shape[key.name].safeParse(key.default).success, `zod rejects the default of ${key.name}`);
    const declaredDefault = project.config[key.name]?.default;
    if (declaredDefault !== undefined)
      assert.deepEqual(declaredDefault, key.default, `Pulumi.yaml default of ${key.name}`);
  }
});

test("an unknown field is answered with the fields of the object at fault: a host's, or the bastion's", () => {
  assert.deepEqual(HOST_FIELDS, ["name", "address", "privateAddress", "interface", "hostKey"]);
  assert.throws(
    () => buildSpec(exampleWith({ workers: [{ name: "w1", address: "192.168.1.111", hostkey: "ssh-ed25519 AAAA" }] })),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.message),
        ["unknown field(s) hostkey; valid fields are name, address, privateAddress, interface, hostKey"],
      );
      return true;
    },
  );
  assert.throws(
    () => buildSpec(exampleWith({ bastion: { host: "203.0.113.5", interface: "eth0" } })),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => [p.key, p.message]),
        [["kubeadm-ha:bastion", "unknown field(s) interface; valid fields are host, user, port, hostKey"]],
      );
      return true;
    },
  );
});
