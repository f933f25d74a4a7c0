import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../core/config/problems";
import { FAKE, installMocks, recorded, settle, valueOf } from "./support/mocks";
import { exampleWith, hosts } from "./support/stack";

installMocks();
/** Runs the program (what index.ts exports) with `config` as the stack configuration (strings, as Pulumi passes them). */
async function loadProgram(config: Record<string, unknown>): Promise<Record<string, unknown>> {
  const strings = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  pulumi.runtime.setAllConfig(strings, ["kubeadm-ha:sshPrivateKey"]);
  recorded.length = 0;
  // index.ts is `export = main`: the CommonJS export is the function Pulumi calls.
  const main = require("../index") as () => Promise<Record<string, unknown>>;
  return main();
}

test("index.ts reads the stack config and exports the documented outputs", async () => {
  const outputs = await loadProgram(exampleWith({ sshPrivateKey: FAKE.sshPrivateKey }));
  await settle();
  assert.deepEqual(Object.keys(outputs).sort(), ["caCertHash", "clusterHealth", "controlPlaneEndpoint", "etcdQuorum", "kubeconfig", "nodes"]);
  assert.equal(await valueOf(outputs.controlPlaneEndpoint as pulumi.Output<string>), "192.168.1.100:6443");
  const kubeconfig = outputs.kubeconfig as pulumi.Output<string>;
  assert.equal(await pulumi.isSecret(kubeconfig), true);
  assert.match(await valueOf(kubeconfig), /server: https:\/\/192\.168\.1\.100:6443/);
  assert.equal(await pulumi.isSecret(outputs.caCertHash as pulumi.Output<string>), true);
  assert.ok(recorded.some((r) => r.type === "command:remote:Command"));

  // Every output: secret ones are marked secret; the others hold none of the fake secrets.
  const needles = [FAKE.tokenSecret, FAKE.certificateKey, FAKE.authPass, FAKE.caCertHash, "FAKEKUBECONFIGKEYDATA", "FAKESSHKEYMATERIAL"];
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
  ["even control planes", { controlPlanes: hosts("cp", 2, "192.168.1", 101) }, /kubeadm-ha:controlPlanes: has 2 hosts; etcd quorum/],
  ["missing SSH key", { sshPrivateKey: undefined }, /kubeadm-ha:sshPrivateKey: is required/],
  ["VIP on a host", { vip: "192.168.1.111" }, /kubeadm-ha:workers\[0\]\.address: "192\.168\.1\.111" equals the VIP/],
  ["overlapping networks", { serviceCidr: "10.244.0.0/12" }, /kubeadm-ha:serviceCidr: "10\.244\.0\.0\/12" overlaps podNetworkCidr/],
  ["unsupported version", { kubernetesVersion: "1.20.0" }, /kubeadm-ha:kubernetesVersion: "1\.20\.0" is outside the supported range/],
  ["unknown CNI", { cni: "cilium" }, /kubeadm-ha:cni: "cilium" is not a supported CNI/],
  ["port out of range", { apiPort: 0 }, /kubeadm-ha:apiPort: 0 is out of range; valid: 1-65535/],
  ["duplicate host", { workers: [{ name: "cp2", address: "192.168.1.120" }] }, /kubeadm-ha:workers\[0\]\.name: "cp2" is already used/],
  ["aws without CIDRs", { platform: "aws", loadBalancers: undefined, controlPlanes: undefined, workers: undefined, vip: undefined, "aws:region": "eu-west-1", sshPublicKey: "ssh-ed25519 AAAAC3Nza" }, /kubeadm-ha:sshAllowedCidrs: is required on aws/],
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
    assert.deepEqual(recorded.map((r) => r.name), []);
  });
}
