import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../core/spec/problems";
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

/** Bad configs the program must refuse before registering anything. */
const BAD: [string, Record<string, unknown>][] = [
  ["even control planes", { controlPlanes: hosts("cp", 2, "192.168.1", 101) }],
  ["missing SSH key", { sshPrivateKey: undefined }],
  ["VIP on a host", { vip: "192.168.1.111" }],
  ["overlapping networks", { serviceCidr: "10.244.0.0/12" }],
  ["unsupported version", { kubernetesVersion: "1.20.0" }],
  ["unknown CNI", { cni: "cilium" }],
  ["port out of range", { apiPort: 0 }],
  ["duplicate host", { workers: [{ name: "cp2", address: "192.168.1.120" }] }],
];

for (const [title, change] of BAD) {
  test(`bad config (${title}) fails before any resource is registered`, async () => {
    await assert.rejects(loadProgram(exampleWith({ sshPrivateKey: FAKE.sshPrivateKey, ...change })), ConfigError);
    await settle();
    assert.deepEqual(recorded.map((r) => r.name), []);
  });
}
