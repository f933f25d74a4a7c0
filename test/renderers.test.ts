import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { KUBERNETES_VERSION_PLACEHOLDER, serialiseInitConfig, serialiseJoinConfig } from "../core/plan/kubeadm";
import { SECRETS } from "../core/plan/placeholders";
import { declaredStdin, fillTemplate, stepScript } from "../core/plan/template";
import { buildSpec } from "../core/config/build-spec";
import { assertGolden } from "./support/golden";
import { exampleWith, stackConfig } from "./support/stack";

const example = buildSpec(stackConfig("dev"));

/** What lib/kubeadm-config.sh makes of a rendered config on a host whose kubeadm reports `version`. */
function onHost(rendered: string, version: string): string {
  const lib = join(__dirname, "..", "core", "scripts", "lib", "kubeadm-config.sh");
  const r = spawnSync(
    "bash",
    ["-c", `set -euo pipefail; kubeadm() { echo "${version}"; }; source "${lib}"; kubeadm_config "$1"`, "x", rendered],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("kubeadm init config: v1beta4 golden on the host, endpoint, advertise address, subnets, placeholders for secrets", () => {
  const rendered = serialiseInitConfig(example);
  // The version is the host's kubeadm's: a kubernetesVersion change leaves the init script as it is.
  assert.match(rendered, new RegExp(`kubernetesVersion: "${KUBERNETES_VERSION_PLACEHOLDER}"`));
  assert.equal(rendered, serialiseInitConfig(buildSpec(exampleWith({ kubernetesVersion: "1.33.1" }))));
  const yaml = onHost(rendered, "v1.32.3");
  assertGolden("kubeadm-init-v1beta4.yaml", yaml);
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);
  assert.deepEqual(
    docs.map((d) => d.kind),
    ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"],
  );
  const [init, cluster] = docs as [Record<string, never>, Record<string, never>];
  assert.equal(cluster["controlPlaneEndpoint"], "192.168.1.100:6443");
  assert.deepEqual(cluster["networking"], { podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12" });
  assert.equal(init["certificateKey"], SECRETS.certificateKey.placeholder);
  assert.deepEqual((init["nodeRegistration"] as { kubeletExtraArgs: unknown }).kubeletExtraArgs, [
    { name: "node-ip", value: "192.168.1.101" },
  ]);
  assert.equal((init["localAPIEndpoint"] as { advertiseAddress: string }).advertiseAddress, "192.168.1.101");
});

test("kubeadm init config on a host with kubeadm 1.30: v1beta3 with map-style extra args (the same rendered config)", () => {
  const rendered = serialiseInitConfig(buildSpec(exampleWith({ kubernetesVersion: "1.30.9" })));
  assert.equal(rendered, serialiseInitConfig(example));
  const yaml = onHost(rendered, "v1.30.9");
  assertGolden("kubeadm-init-v1beta3.yaml", yaml);
  assert.match(yaml, /apiVersion: kubeadm.k8s.io\/v1beta3/);
  assert.match(yaml, /kubeletExtraArgs:\n\s+node-ip: 192.168.1.101/);
});

test("kubeadm join configs: control plane carries certificateKey and its own advertise address, worker does not", () => {
  const cp2 = onHost(serialiseJoinConfig(example, example.controlPlanes[1]), "v1.32.3");
  const w1 = onHost(serialiseJoinConfig(example, example.workers[0]), "v1.32.3");
  assertGolden("kubeadm-join-cp2.yaml", cp2);
  assertGolden("kubeadm-join-worker1.yaml", w1);
  assert.match(cp2, /advertiseAddress: 192.168.1.102/);
  assert.match(cp2, new RegExp(`certificateKey: "?${SECRETS.certificateKey.placeholder}`));
  assert.doesNotMatch(w1, /certificateKey|controlPlane:/);
  for (const y of [cp2, w1]) {
    assert.match(y, /apiServerEndpoint: 192.168.1.100:6443/);
    assert.match(y, /caCertHashes:\n\s+- "?@CA_CERT_HASH@/);
    assert.doesNotMatch(y, /unsafeSkipCAVerification/);
  }
});

test("external etcd puts the endpoints and client cert paths in ClusterConfiguration", () => {
  const yaml = serialiseInitConfig(
    buildSpec(
      exampleWith({
        externalEtcdEndpoints: ["https://192.168.1.21:2379", "https://192.168.1.22:2379", "https://192.168.1.23:2379"],
      }),
    ),
  );
  assert.match(yaml, /external:\n\s+endpoints:\n\s+- https:\/\/192.168.1.21:2379/);
  assert.doesNotMatch(yaml, /dataDir/);
});

test("script templates refuse missing or unexpected variables", () => {
  assert.throws(() => fillTemplate("wait-vip", { VIP: "1.2.3.4" }), /missing variables \[API_PORT, ATTEMPTS\]/);
  assert.throws(() => fillTemplate("admin-kubeconfig", { EXTRA: "x" }), /unexpected \[EXTRA\]/);
  assert.match(fillTemplate("wait-vip", { VIP: "1.2.3.4", API_PORT: 6443, ATTEMPTS: 3 }), /^VIP='1\.2\.3\.4'$/m);
});

test("a step's stdin must be what its template's `# stdin:` line reads, in order", () => {
  const guards = {
    NODE_NAME: "cp1",
    ETCD_MODE: "stacked",
    PEER_URL: "https://10.0.0.1:2380",
    ENDPOINT: "10.0.0.9:6443",
    API_ATTEMPTS: 1,
  };
  const init = {
    INIT_CONFIG: "x",
    TOKEN_PLACEHOLDER: "@T@",
    CERT_KEY_PLACEHOLDER: "@K@",
    ROLE: "controlPlane",
    OTHER_API_SERVERS: "none",
    ...guards,
  };
  assert.match(
    fillTemplate("kubeadm-init", init, ["bootstrapToken", "certificateKey"]),
    /^# stdin: bootstrapToken certificateKey$/m,
  );
  assert.throws(
    () => fillTemplate("kubeadm-init", init, ["certificateKey", "bootstrapToken"]),
    /kubeadm-init\.sh reads stdin as \[bootstrapToken certificateKey\], the step feeds \[certificateKey bootstrapToken\]/,
  );
  assert.throws(() => fillTemplate("kubeadm-init", init), /the step feeds \[\]/);
  assert.throws(
    () => fillTemplate("wait-ssh", {}, ["bootstrapToken"]),
    /wait-ssh\.sh reads stdin as \[\], the step feeds \[bootstrapToken\]/,
  );
  // [certificateKey] is read by joining control planes only: with or without it, nothing else.
  const join = {
    JOIN_CONFIG: "x",
    ROLE: "worker",
    TOKEN_PLACEHOLDER: "@T@",
    CA_HASH_PLACEHOLDER: "@H@",
    CERT_KEY_PLACEHOLDER: "@K@",
    TOKEN_URN: "u",
    MATERIAL_URN: "none",
    JOIN_ATTEMPTS: 1,
    ...guards,
  };
  assert.deepEqual(stepScript("kubeadm-join", join, ["bootstrapToken", "caCertHash"]).stdin, [
    "bootstrapToken",
    "caCertHash",
  ]);
  assert.doesNotThrow(() => fillTemplate("kubeadm-join", join, ["bootstrapToken", "caCertHash", "certificateKey"]));
  assert.throws(
    () => fillTemplate("kubeadm-join", join, ["bootstrapToken", "certificateKey"]),
    /reads stdin as \[bootstrapToken caCertHash \[certificateKey\]\]/,
  );
});

test("`# stdin:` lines name secrets, at most once per template, in the order read_secret reads them", () => {
  assert.deepEqual(declaredStdin("#!/bin/bash\n# stdin: bootstrapToken [certificateKey]\n"), [
    { name: "bootstrapToken", optional: false },
    { name: "certificateKey", optional: true },
  ]);
  assert.deepEqual(declaredStdin("#!/bin/bash\nset -euo pipefail\n"), []);
  assert.throws(() => declaredStdin("# stdin: bootstrap token\n"), /names "bootstrap", not one of/);
  assert.throws(() => declaredStdin("# stdin: [caCertHash\n"), /names "\[caCertHash", not one of/);
  assert.throws(() => declaredStdin("# stdin: caCertHash\n# stdin: caCertHash\n"), /2 "# stdin:" lines/);
  const reader = "# stdin: bootstrapToken caCertHash\nread_secret CA_CERT_HASH '.'\nread_secret BOOTSTRAP_TOKEN '.'\n";
  assert.throws(
    () => declaredStdin(reader, "x"),
    /x\.sh: "# stdin: bootstrapToken caCertHash" but its read_secret calls read CA_CERT_HASH BOOTSTRAP_TOKEN/,
  );
});

test("kubelet node-ip is the host's privateAddress, not the SSH address (pod network and node traffic on the cluster NIC)", () => {
  const spec = buildSpec(
    exampleWith({ workers: [{ name: "worker1", address: "203.0.113.11", privateAddress: "192.168.1.111" }] }),
  );
  const join = parseAllDocuments(serialiseJoinConfig(spec, spec.workers[0]))[0].toJS() as {
    nodeRegistration: { kubeletExtraArgs: unknown };
  };
  assert.deepEqual(join.nodeRegistration.kubeletExtraArgs, [{ name: "node-ip", value: "192.168.1.111" }]);
});
