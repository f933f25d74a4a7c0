import { mock, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../core/config/problems";
import { FAKE, installMocks, recorded, SECRET_SIG, settle, valueOf } from "./support/mocks";
import { secretConfigKeys } from "../program";
import { exampleWith, hosts } from "./support/stack";

installMocks();
/**
 * Runs the program (what index.ts exports) with `config` as the stack configuration (strings, as
 * Pulumi passes them) and `secretKeys` as the keys set with `pulumi config set --secret`.
 */
async function loadProgram(
  config: Record<string, unknown>,
  secretKeys: string[] = ["kubeadm-ha:sshPrivateKey"],
): Promise<Record<string, unknown>> {
  const strings = Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  pulumi.runtime.setAllConfig(strings, secretKeys);
  recorded.length = 0;
  // index.ts is `export = main`: the CommonJS export is the function Pulumi calls.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the entry point is CommonJS (`export =`)
  const main = require("../index") as () => Promise<Record<string, unknown>>;
  return main();
}

test("index.ts reads the stack config and exports the documented outputs", async () => {
  const outputs = await loadProgram(exampleWith({ sshPrivateKey: FAKE.sshPrivateKey }));
  await settle();
  assert.deepEqual(Object.keys(outputs).sort(), [
    "caCertHash",
    "clusterHealth",
    "controlPlaneEndpoint",
    "etcdQuorum",
    "kubeconfig",
    "nodes",
  ]);
  assert.equal(await valueOf(outputs.controlPlaneEndpoint as pulumi.Output<string>), "192.168.1.100:6443");
  const kubeconfig = outputs.kubeconfig as pulumi.Output<string>;
  assert.equal(await pulumi.isSecret(kubeconfig), true);
  assert.match(await valueOf(kubeconfig), /server: https:\/\/192\.168\.1\.100:6443/);
  assert.equal(await pulumi.isSecret(outputs.caCertHash as pulumi.Output<string>), true);
  assert.ok(recorded.some((r) => r.type === "command:remote:Command"));

  // Every output: secret ones are marked secret; the others hold none of the fake secrets.
  const needles = [
    FAKE.tokenSecret,
    FAKE.certificateKey,
    FAKE.caCertHash,
    "FAKEKUBECONFIGKEYDATA",
    "FAKESSHKEYMATERIAL",
  ];
  for (const [name, value] of Object.entries(outputs)) {
    const output = pulumi.output(value);
    const secret = await pulumi.isSecret(output);
    assert.equal(secret, ["kubeconfig", "caCertHash"].includes(name), `${name} secret flag`);
    if (!secret) {
      const text = JSON.stringify(await valueOf(output));
      for (const n of needles) assert.ok(!text.includes(n), `${name} leaks ${n.slice(0, 8)}...`);
    }
  }
});

/** Bad configs the program must refuse before registering anything: [title, change, message]. */
const BAD: [string, Record<string, unknown>, RegExp][] = [
  [
    "even control planes",
    { controlPlanes: hosts("cp", 2, "192.168.1", 101) },
    /kubeadm-ha:controlPlanes: has 2 hosts; etcd quorum/,
  ],
  ["missing SSH key", { sshPrivateKey: undefined }, /kubeadm-ha:sshPrivateKey: is required/],
  ["VIP on a host", { vip: "192.168.1.111" }, /kubeadm-ha:workers\[0\]\.address: "192\.168\.1\.111" equals the VIP/],
  [
    "overlapping networks",
    { serviceCidr: "10.240.0.0/12" },
    /kubeadm-ha:serviceCidr: "10\.240\.0\.0\/12" overlaps podNetworkCidr/,
  ],
  [
    "unsupported version",
    { kubernetesVersion: "1.20.0" },
    /kubeadm-ha:kubernetesVersion: "1\.20\.0" is outside the supported range/,
  ],
  ["unknown CNI", { cni: "cilium" }, /kubeadm-ha:cni: "cilium" is not a supported CNI/],
  ["port out of range", { apiPort: 0 }, /kubeadm-ha:apiPort: 0 is out of range; valid: 1-65535/],
  [
    "duplicate host",
    { workers: [{ name: "cp2", address: "192.168.1.120" }] },
    /kubeadm-ha:workers\[0\]\.name: "cp2" is already used/,
  ],
  [
    "aws without CIDRs",
    {
      platform: "aws",
      loadBalancers: undefined,
      controlPlanes: undefined,
      workers: undefined,
      vip: undefined,
      "aws:region": "eu-west-1",
      sshPublicKey: "ssh-ed25519 AAAAC3Nza",
    },
    /kubeadm-ha:sshAllowedCidrs: is required on aws/,
  ],
];

for (const [title, change, message] of BAD) {
  test(`bad config (${title}) fails with its message before any resource is registered`, async () => {
    await assert.rejects(loadProgram(exampleWith({ sshPrivateKey: FAKE.sshPrivateKey, ...change })), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      assert.ok(!err.message.includes("FAKESSHKEYMATERIAL"), "the SSH key never appears in an error");
      return true;
    });
    await settle();
    assert.deepEqual(
      recorded.map((r) => r.name),
      [],
    );
  });
}

/** The connection input of every recorded Command, unwrapped from its secret marker. */
function connections(): { secret: boolean; value: Record<string, unknown> }[] {
  return recorded
    .filter((r) => r.type === "command:remote:Command")
    .map((r) => {
      const c = r.inputs.connection as Record<string, unknown>;
      const secret = c !== null && typeof c === "object" && SECRET_SIG in c;
      return { secret, value: (secret ? c.value : c) as Record<string, unknown> };
    });
}

test("11: the installed @pulumi/pulumi still tells which config keys are secret (allConfig() does not)", () => {
  pulumi.runtime.setAllConfig({ "kubeadm-ha:vip": "192.168.1.100", "kubeadm-ha:sshPrivateKey": "k" }, [
    "kubeadm-ha:sshPrivateKey",
  ]);
  assert.equal(
    typeof (pulumi.runtime as { isConfigSecret?: unknown }).isConfigSecret,
    "function",
    "isConfigSecret is gone: secret flags can no longer be read",
  );
  assert.deepEqual([...secretConfigKeys(pulumi.runtime.allConfig())], ["kubeadm-ha:sshPrivateKey"]);
});

test("11: a key set with --secret that the program would use in clear is refused before any resource, without its value", async () => {
  await assert.rejects(
    loadProgram(exampleWith({ sshPrivateKey: FAKE.sshPrivateKey, vip: "192.168.1.177/24" }), [
      "kubeadm-ha:sshPrivateKey",
      "kubeadm-ha:vip",
    ]),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.deepEqual(
        err.problems.map((p) => p.key),
        ["kubeadm-ha:vip"],
      );
      assert.match(err.message, /kubeadm-ha:vip: is set as a secret/);
      assert.ok(!err.message.includes("192.168.1.177"), "the secret value stays out of the error");
      return true;
    },
  );
  await settle();
  assert.deepEqual(
    recorded.map((r) => r.name),
    [],
  );
});

test("11: a private key stored in plain text is used (still as a secret input) with a warning", async () => {
  const warn = mock.method(pulumi.log, "warn", () => Promise.resolve());
  try {
    await loadProgram(exampleWith({ sshPrivateKey: FAKE.sshPrivateKey }), []);
    await settle();
    const warnings = warn.mock.calls.map((c) => String(c.arguments[0]));
    assert.ok(
      warnings.some((w) => /^kubeadm-ha:sshPrivateKey is stored in plain text/.test(w)),
      warnings.join("\n"),
    );
    assert.ok(warnings.every((w) => !w.includes("FAKESSHKEYMATERIAL")));
  } finally {
    warn.mock.restore();
  }
  const all = connections();
  assert.ok(all.length > 0);
  for (const c of all) assert.equal(c.secret, true, "every connection (it holds the key) is a secret input");
});

test("2: bastion.hostKey is pinned on the proxy of every connection", async () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaWAdtfQ25FwMXPBwXM3S4xht+SGGa/lHOmA1IDz+d8";
  await loadProgram(
    exampleWith({ sshPrivateKey: FAKE.sshPrivateKey, bastion: { host: "203.0.113.5", user: "jump", hostKey: key } }),
  );
  await settle();
  const all = connections();
  assert.ok(all.length > 0);
  for (const c of all) {
    const proxy = c.value.proxy as Record<string, unknown>;
    assert.deepEqual([proxy.host, proxy.user, proxy.port, proxy.hostKey], ["203.0.113.5", "jump", 22, key]);
    assert.equal(c.value.hostKey, undefined, "the hosts' own keys are not pinned by the bastion's");
  }
});

test("9: subnetIds given as a plain string is a config problem, not a SyntaxError", async () => {
  const aws = {
    platform: "aws",
    loadBalancers: undefined,
    controlPlanes: undefined,
    workers: undefined,
    vip: undefined,
    "aws:region": "eu-west-1",
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaWAdtfQ25FwMXPBwXM3S4xht+SGGa/lHOmA1IDz+d8",
    sshAllowedCidrs: ["203.0.113.0/24"],
    apiAllowedCidrs: ["203.0.113.0/24"],
  };
  for (const subnetIds of ["subnet-0abc1234", "[subnet-0abc1234", "{}"]) {
    await assert.rejects(
      loadProgram(
        exampleWith({ ...aws, sshPrivateKey: FAKE.sshPrivateKey, vpcId: "vpc-0abc1234def567890", subnetIds }),
      ),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${subnetIds}: ${String(err)}`);
        assert.ok(
          err.problems.some((p) => p.key === "kubeadm-ha:subnetIds"),
          err.message,
        );
        return true;
      },
    );
  }
  await settle();
  assert.deepEqual(
    recorded.map((r) => r.name),
    [],
  );
});
