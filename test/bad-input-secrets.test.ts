/**
 * Bad input, round two (issue 11), secrets and key names: a value the user made secret keeps its
 * secret or is refused, a private key in plain text is warned about, and keys that look meant for
 * this program but are not read get a "did you mean".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { ConfigError, Problem } from "../core/config/problems";
import { closest, editDistance } from "../core/lib/edit-distance";
import { exampleWith } from "./support/stack";

/** The problems of `config` read with `secretKeys`; fails if it is accepted or throws anything else. */
function problemsOf(config: Record<string, unknown>, secretKeys: readonly string[] = []): readonly Problem[] {
  try {
    buildSpec(config, { secretKeys: new Set(secretKeys) });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("the config was accepted");
}

const SSH_KEY = "kubeadm-ha:sshPrivateKey";

test("11: a value set with --secret for a key used in clear is refused, without showing the value", () => {
  const rows: [string, unknown][] = [
    ["vip", "192.168.1.100/24"],
    ["sshUser", "s3cr3t-user"],
    ["apiPort", "6443"],
    ["bastion", JSON.stringify({ host: "203.0.113.99" })],
    ["workers", JSON.stringify([{ name: "worker1", address: "192.168.1.111" }])],
    ["kubernetesVersion", "1.32.3"],
  ];
  for (const [name, value] of rows) {
    const key = `kubeadm-ha:${name}`;
    const problems = problemsOf(exampleWith({ [key]: value, sshPrivateKey: "-----BEGIN KEY-----" }), [key, SSH_KEY]);
    assert.deepEqual(
      problems.map((p) => p.key),
      [key],
      problems.map((p) => p.message).join("\n"),
    );
    assert.match(
      problems[0].message,
      /^is set as a secret, but its value goes into scripts, resource inputs and outputs in clear, so it cannot stay secret; only sshPrivateKey can\. Set it again without --secret/,
    );
    const shown = String(value)
      .replace(/[[\]{}"]/g, "")
      .split(/[,:]/)
      .filter((part) => part.length > 3);
    for (const part of shown) assert.ok(!problems[0].message.includes(part), `${name}: the message shows ${part}`);
  }
});

test("11: an encrypted stack-file value ({secure: ...}) for a key used in clear is refused the same way", () => {
  for (const name of ["vip", "sshUser", "loadBalancers", "apiAllowedCidrs"]) {
    const problems = problemsOf(exampleWith({ [name]: { secure: "AAABAExampleCiphertext==" } }));
    assert.deepEqual(
      problems.map((p) => p.key),
      [`kubeadm-ha:${name}`],
      problems.map((p) => `${p.key}: ${p.message}`).join("\n"),
    );
    assert.match(problems[0].message, /^is set as a secret/);
  }
});

test("11: sshPrivateKey stays accepted as a secret; in plain text it is accepted with a warning", () => {
  // From Pulumi: the decrypted value, its key marked secret.
  assert.deepEqual(
    buildSpec(exampleWith({ sshPrivateKey: "-----BEGIN KEY-----" }), { secretKeys: new Set([SSH_KEY]) }).warnings,
    [],
  );
  // From a stack file: still encrypted.
  assert.deepEqual(buildSpec(exampleWith({})).warnings, []);
  for (const secretKeys of [new Set<string>(), undefined]) {
    const spec = buildSpec(exampleWith({ sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nPLAINMATERIAL" }), {
      secretKeys,
    });
    assert.equal(spec.warnings.length, 1);
    assert.match(
      spec.warnings[0],
      /^kubeadm-ha:sshPrivateKey is stored in plain text in the stack configuration; store it encrypted: pulumi config set --secret kubeadm-ha:sshPrivateKey/,
    );
    assert.ok(!spec.warnings[0].includes("PLAINMATERIAL"));
  }
});

test("11: keys in a namespace one slip away from kubeadm-ha are warned about, with the key they probably meant", () => {
  const rows: [string, string][] = [
    ["kubeadmha:bastion", "kubeadm-ha:bastion"],
    ["kubeadm_ha:vip", "kubeadm-ha:vip"],
    ["Kubeadm-HA:workers", "kubeadm-ha:workers"],
    ["kubeadm-hq:sshUser", "kubeadm-ha:sshUser"],
    ["kubeadm.ha:bastoin", "kubeadm-ha:bastion"],
    ["kubeadmha:zzzzzzzzzz", "a key of the kubeadm-ha namespace"],
  ];
  for (const [key, meant] of rows) {
    const spec = buildSpec(exampleWith({ [key]: "x" }));
    assert.equal(spec.warnings.length, 1, `${key}: ${spec.warnings.join("\n")}`);
    assert.ok(
      spec.warnings[0].startsWith(
        `${key} is ignored: its namespace "${key.split(":")[0]}" is not "kubeadm-ha". Did you mean ${meant}?`,
      ),
      spec.warnings[0],
    );
  }
  for (const key of ["aws:region", "pulumi:tags", "kubernetes:context", "command:x", "kubeadm:vip"]) {
    assert.deepEqual(buildSpec(exampleWith({ [key]: "eu-west-1" })).warnings, [], key);
  }
});

test("11: an unknown key of the namespace is refused with the closest known key first", () => {
  const rows: [string, string | undefined][] = [
    ["controlPlane", "controlPlanes"],
    ["wokers", "workers"],
    ["apiport", "apiPort"],
    ["bastoin", "bastion"],
    ["sshuser", "sshUser"],
    ["vipInterfce", "vipInterface"],
    ["zzzzzzzz", undefined],
  ];
  for (const [name, meant] of rows) {
    const problems = problemsOf(exampleWith({ [`kubeadm-ha:${name}`]: "x" }));
    assert.deepEqual(
      problems.map((p) => p.key),
      [`kubeadm-ha:${name}`],
    );
    assert.match(
      problems[0].message,
      meant
        ? new RegExp(`^unknown key; did you mean kubeadm-ha:${meant}\\? valid keys are platform, `)
        : /^unknown key; valid keys are platform, /,
    );
  }
});

test("11: edit distance counts insertions, deletions, substitutions and swaps, and gives up past its limit", () => {
  assert.equal(editDistance("bastion", "bastion"), 0);
  assert.equal(editDistance("bastoin", "bastion"), 1);
  assert.equal(editDistance("wokers", "workers"), 1);
  assert.equal(editDistance("vip", "vips"), 1);
  assert.equal(editDistance("abc", "xyz"), 3);
  assert.equal(editDistance("a".repeat(1000), "b".repeat(1000), 2), 3);
  assert.equal(closest("CONTROLPLANES", ["workers", "controlPlanes"]), "controlPlanes");
  assert.equal(closest("qqqq", ["workers", "controlPlanes"]), undefined);
});
