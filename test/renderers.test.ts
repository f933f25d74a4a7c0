import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parseAllDocuments } from "yaml";
import { haproxyConfig, serialiseHaproxy } from "../core/plan/haproxy";
import { keepalivedConfig, NOTIFY_SCRIPT_PATH, serialiseKeepalived, SCRIPT_USER } from "../core/plan/keepalived";
import { serialiseInitConfig, serialiseJoinConfig } from "../core/plan/kubeadm";
import { SECRETS } from "../core/plan/placeholders";
import { declaredStdin, fillTemplate, stepScript } from "../core/plan/template";
import { ClusterSpec } from "../core/config/types";
import { buildSpec } from "../core/config/build-spec";
import { assertGolden } from "./support/golden";
import { judgeKeepalivedTest, keepalivedTestArgv } from "../lab/lib/keepalived-check";
import { withInterfaceNamespace } from "./support/netns";
import { exampleWith, hosts, stackConfig } from "./support/stack";
import { check, isRoot, missingTool, tempFile } from "./support/tools";

const example = buildSpec(stackConfig("dev"));
const keepalivedFor = (spec: ClusterSpec, index: number, authPass = "Ab3dEf7h"): string =>
  serialiseKeepalived(keepalivedConfig(spec, { self: spec.loadBalancers[index], peer: spec.loadBalancers[1 - index], index, authPass }));

test("haproxy.cfg of the example stack matches its golden file", () => {
  assertGolden("haproxy.cfg", serialiseHaproxy(haproxyConfig(example)));
});

test("haproxy.cfg: TLS /readyz checks, quick detection, redispatch and a tunnel timeout", () => {
  const cfg = serialiseHaproxy(haproxyConfig(example));
  for (const line of ["mode tcp", "option redispatch", "retries 3", "timeout tunnel 1h", "http-check send meth GET uri /readyz", "http-check connect ssl", "inter 2s fall 2 rise 2", "bind :6443"]) {
    assert.ok(cfg.includes(line), `missing ${line}`);
  }
  assert.equal((cfg.match(/^ {4}server /gm) ?? []).length, 3);
  assert.match(cfg, /server cp2 192\.168\.1\.102:6443 check check-ssl verify none/);
});

for (const cps of [1, 3, 5]) {
  test(`haproxy -c accepts the config for ${cps} control plane(s)`, (t) => {
    const why = missingTool("haproxy");
    if (why) return t.skip(why);
    const spec = buildSpec(exampleWith({ controlPlanes: hosts("cp", cps, "192.168.1", 101), apiPort: 8443 }));
    const r = check("haproxy", ["-c", "-f", tempFile("haproxy.cfg", serialiseHaproxy(haproxyConfig(spec)))]);
    assert.equal(r.status, 0, r.output);
  });
}

test("haproxy -c rejects a broken config (the check can fail)", (t) => {
  const why = missingTool("haproxy");
  if (why) return t.skip(why);
  const broken = serialiseHaproxy(haproxyConfig(example)).replace("balance leastconn", "balance nosuchalgo");
  assert.notEqual(check("haproxy", ["-c", "-f", tempFile("haproxy.cfg", broken)]).status, 0);
});

test("keepalived.conf of both LBs match their golden files and differ only where they must", () => {
  const lb1 = keepalivedFor(example, 0);
  const lb2 = keepalivedFor(example, 1);
  assertGolden("keepalived-lb1.conf", lb1);
  assertGolden("keepalived-lb2.conf", lb2);
  assert.match(lb1, /unicast_src_ip 192\.168\.1\.98\n\s+unicast_peer \{\n\s+192\.168\.1\.99\n/);
  assert.match(lb2, /unicast_src_ip 192\.168\.1\.99\n\s+unicast_peer \{\n\s+192\.168\.1\.98\n/);
  assert.match(lb1, /priority 101/);
  assert.match(lb2, /priority 100/);
  for (const conf of [lb1, lb2]) {
    assert.match(conf, /enable_script_security/);
    assert.match(conf, /192\.168\.1\.100\/24 dev eth0/);
    assert.match(conf, /auth_pass Ab3dEf7h\n/);
  }
});

/** keepalived -t, judged by the lab's one rule for 2.2.7's SIGTERM after a valid check (lab/lib/keepalived-check.ts). */
function keepalivedCheck(address: string, conf: string, iface = "eth0"): { ok: boolean; output: string } {
  return withInterfaceNamespace(address, (exec) => {
    const verdict = judgeKeepalivedTest(exec(keepalivedTestArgv(tempFile("keepalived.conf", conf))));
    return { ok: verdict.ok, output: verdict.text };
  }, iface);
}

function ensureScriptUser(): void {
  if (spawnSync("id", [SCRIPT_USER], { stdio: "ignore" }).status !== 0) {
    spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SCRIPT_USER]);
  }
}

test("keepalived -t accepts both LBs' configs in a namespace that has their interface", (t) => {
  const why = missingTool("keepalived", "ip");
  if (why) return t.skip(why);
  if (!isRoot) {
    if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") assert.fail("keepalived -t needs root for a network namespace");
    return t.skip("keepalived -t needs root (network namespace with eth0)");
  }
  ensureScriptUser();
  for (const [index, lb] of example.loadBalancers.entries()) {
    const r = keepalivedCheck(lb.privateAddress, keepalivedFor(example, index));
    assert.ok(r.ok, `${lb.name}: ${r.output}`);
  }
  const aws = buildSpec(stackConfig("aws-example"));
  const awsConf = serialiseKeepalived(keepalivedConfig(aws, { self: aws.loadBalancers[0], peer: aws.loadBalancers[1], index: 0, authPass: "Ab3dEf7h", notifyMaster: NOTIFY_SCRIPT_PATH }));
  const awsCheck = keepalivedCheck(aws.loadBalancers[0].privateAddress, awsConf, "ens5");
  assert.ok(awsCheck.ok, `aws lb1: ${awsCheck.output}`);
  const bad = keepalivedFor(example, 0).replace("auth_type PASS", "auth_type NOPE");
  assert.equal(keepalivedCheck(example.loadBalancers[0].privateAddress, bad).ok, false, "a broken config must be rejected");
});

test("kubeadm init config: v1beta4 golden, endpoint, advertise address, subnets, placeholders for secrets", () => {
  const yaml = serialiseInitConfig(example);
  assertGolden("kubeadm-init-v1beta4.yaml", yaml);
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);
  assert.deepEqual(docs.map((d) => d.kind), ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"]);
  const [init, cluster] = docs as [Record<string, never>, Record<string, never>];
  assert.equal(cluster["controlPlaneEndpoint"], "192.168.1.100:6443");
  assert.deepEqual(cluster["networking"], { podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12" });
  assert.equal(init["certificateKey"], SECRETS.certificateKey.placeholder);
  assert.deepEqual((init["nodeRegistration"] as { kubeletExtraArgs: unknown }).kubeletExtraArgs, [{ name: "node-ip", value: "192.168.1.101" }]);
  assert.equal((init["localAPIEndpoint"] as { advertiseAddress: string }).advertiseAddress, "192.168.1.101");
});

test("kubeadm init config for 1.30 uses v1beta3 with map-style extra args", () => {
  const yaml = serialiseInitConfig(buildSpec(exampleWith({ kubernetesVersion: "1.30.9" })));
  assertGolden("kubeadm-init-v1beta3.yaml", yaml);
  assert.match(yaml, /apiVersion: kubeadm.k8s.io\/v1beta3/);
  assert.match(yaml, /kubeletExtraArgs:\n\s+node-ip: 192.168.1.101/);
});

test("kubeadm join configs: control plane carries certificateKey and its own advertise address, worker does not", () => {
  const cp2 = serialiseJoinConfig(example, example.controlPlanes[1]);
  const w1 = serialiseJoinConfig(example, example.workers[0]);
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
  const yaml = serialiseInitConfig(buildSpec(exampleWith({ externalEtcdEndpoints: ["https://192.168.1.21:2379", "https://192.168.1.22:2379", "https://192.168.1.23:2379"] })));
  assert.match(yaml, /external:\n\s+endpoints:\n\s+- https:\/\/192.168.1.21:2379/);
  assert.doesNotMatch(yaml, /dataDir/);
});

test("script templates refuse missing or unexpected variables", () => {
  assert.throws(() => fillTemplate("wait-vip", { VIP: "1.2.3.4" }), /missing variables \[API_PORT, ATTEMPTS\]/);
  assert.throws(() => fillTemplate("admin-kubeconfig", { EXTRA: "x" }), /unexpected \[EXTRA\]/);
  assert.match(fillTemplate("wait-vip", { VIP: "1.2.3.4", API_PORT: 6443, ATTEMPTS: 3 }), /^VIP='1\.2\.3\.4'$/m);
});

test("a step's stdin must be what its template's `# stdin:` line reads, in order", () => {
  const init = { INIT_CONFIG: "x", TOKEN_PLACEHOLDER: "@T@", CERT_KEY_PLACEHOLDER: "@K@" };
  assert.match(fillTemplate("kubeadm-init", init, ["bootstrapToken", "certificateKey"]), /^# stdin: bootstrapToken certificateKey$/m);
  assert.throws(() => fillTemplate("kubeadm-init", init, ["certificateKey", "bootstrapToken"]),
    /kubeadm-init\.sh reads stdin as \[bootstrapToken certificateKey\], the step feeds \[certificateKey bootstrapToken\]/);
  assert.throws(() => fillTemplate("kubeadm-init", init), /the step feeds \[\]/);
  assert.throws(() => fillTemplate("wait-ssh", {}, ["bootstrapToken"]), /wait-ssh\.sh reads stdin as \[\], the step feeds \[bootstrapToken\]/);
  // [certificateKey] is read by joining control planes only: with or without it, nothing else.
  const join = { JOIN_CONFIG: "x", ROLE: "worker", TOKEN_PLACEHOLDER: "@T@", CA_HASH_PLACEHOLDER: "@H@", CERT_KEY_PLACEHOLDER: "@K@" };
  assert.deepEqual(stepScript("kubeadm-join", join, ["bootstrapToken", "caCertHash"]).stdin, ["bootstrapToken", "caCertHash"]);
  assert.doesNotThrow(() => fillTemplate("kubeadm-join", join, ["bootstrapToken", "caCertHash", "certificateKey"]));
  assert.throws(() => fillTemplate("kubeadm-join", join, ["bootstrapToken", "certificateKey"]),
    /reads stdin as \[bootstrapToken caCertHash \[certificateKey\]\]/);
});

test("`# stdin:` lines name secrets, at most once per template, in the order read_secret reads them", () => {
  assert.deepEqual(declaredStdin("#!/bin/bash\n# stdin: bootstrapToken [certificateKey]\n"), [
    { name: "bootstrapToken", optional: false }, { name: "certificateKey", optional: true },
  ]);
  assert.deepEqual(declaredStdin("#!/bin/bash\nset -euo pipefail\n"), []);
  assert.throws(() => declaredStdin("# stdin: bootstrap token\n"), /names "bootstrap", not one of/);
  assert.throws(() => declaredStdin("# stdin: [caCertHash\n"), /names "\[caCertHash", not one of/);
  assert.throws(() => declaredStdin("# stdin: caCertHash\n# stdin: caCertHash\n"), /2 "# stdin:" lines/);
  const reader = "# stdin: bootstrapToken caCertHash\nread_secret CA_CERT_HASH '.'\nread_secret BOOTSTRAP_TOKEN '.'\n";
  assert.throws(() => declaredStdin(reader, "x"),
    /x\.sh: "# stdin: bootstrapToken caCertHash" but its read_secret calls read CA_CERT_HASH BOOTSTRAP_TOKEN/);
});
