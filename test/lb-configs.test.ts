import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  APISERVER_REQUEST_TIMEOUT_S,
  HAPROXY_HARD_STOP_AFTER,
  HAPROXY_TIMEOUTS,
  haproxyConfig,
  serialiseHaproxy,
} from "../core/plan/haproxy";
import {
  INTERFACE_PLACEHOLDER,
  keepalivedConfig,
  NOTIFY_SCRIPT_PATH,
  serialiseKeepalived,
  SCRIPT_USER,
} from "../core/plan/keepalived";
import { ClusterSpec } from "../core/config/types";
import { buildSpec } from "../core/config/build-spec";
import { assertGolden } from "./support/golden";
import { judgeKeepalivedTest, keepalivedTestArgv } from "../lab/lib/keepalived-check";
import { haproxyMs, renderedTimers } from "../lab/rendered-timers";
import { withInterfaceNamespace } from "./support/netns";
import { exampleWith, hosts, stackConfig } from "./support/stack";
import { check, isRoot, missingTool, tempFile } from "./support/tools";

// The load balancers' haproxy.cfg and keepalived.conf: golden files, the settings that make
// failover fast, and the real daemons' own checks of them.
const example = buildSpec(stackConfig("dev"));
const keepalivedFor = (spec: ClusterSpec, index: number): string =>
  serialiseKeepalived(
    keepalivedConfig(spec, { self: spec.loadBalancers[index], peers: [spec.loadBalancers[1 - index]], index }),
  );

test("haproxy.cfg of the example stack matches its golden file", () => {
  assertGolden("haproxy.cfg", serialiseHaproxy(haproxyConfig(example)));
});

test("haproxy.cfg: TLS /readyz checks, quick active and passive detection, redispatch on every retry, a tunnel timeout", () => {
  const cfg = serialiseHaproxy(haproxyConfig(example));
  const lines = [
    "mode tcp",
    "retries 3",
    "option redispatch 1",
    "timeout connect 1s",
    "timeout check 2s",
    "timeout tunnel 1h",
    "http-check send meth GET uri /readyz",
    "http-check connect ssl",
    "bind :6443",
    "default-server inter 1s fastinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down",
  ];
  for (const line of lines)
    assert.ok(
      cfg.split("\n").some((l) => l.trim() === line),
      `missing ${line}`,
    );
  assert.equal((cfg.match(/^ {4}server /gm) ?? []).length, 3);
  assert.match(cfg, /server cp2 192\.168\.1\.102:6443 check check-ssl verify none/);
  // It would also kill the requests HAProxy is redispatching away from a server marked DOWN (state D-).
  assert.doesNotMatch(cfg, /on-marked-down/);
});

test("haproxy.cfg: a vanished api-server (no RST) is out within 4 s by its rendered timers, a killed one within 2 s", () => {
  const t = renderedTimers(serialiseHaproxy(haproxyConfig(example)), [
    keepalivedFor(example, 0),
    keepalivedFor(example, 1),
  ]);
  // The next check starts inter after the previous one ended; a check to a silent host fails after min(timeout connect, inter).
  const silent =
    t.checkInterMs +
    t.checkFall * Math.min(t.timeoutConnectMs, t.checkInterMs) +
    (t.checkFall - 1) * t.checkFastInterMs;
  assert.equal(silent, 3_500);
  assert.ok(silent < 4_000);
  assert.equal(t.checkInterMs + (t.checkFall - 1) * t.checkFastInterMs, 1_500, "refused checks fail at once");
  assert.equal(t.observeErrorLimit, 1, "one failed connection of real traffic marks the server down");
});

test("haproxy.cfg: workers run as Debian's haproxy user in its chroot; a reload ends old workers after hard-stop-after", () => {
  const global = serialiseHaproxy(haproxyConfig(example))
    .split("\n\n")[0]
    .split("\n")
    .map((l) => l.trim());
  for (const line of [
    "chroot /var/lib/haproxy",
    "user haproxy",
    "group haproxy",
    `hard-stop-after ${HAPROXY_HARD_STOP_AFTER}`,
  ]) {
    assert.ok(global.includes(line), `global lacks ${line}`);
  }
  // Long enough for every ordinary API request (kube-apiserver --request-timeout), far below the tunnel timeout.
  assert.ok(haproxyMs(HAPROXY_HARD_STOP_AFTER) > APISERVER_REQUEST_TIMEOUT_S * 1_000);
  assert.ok(haproxyMs(HAPROXY_HARD_STOP_AFTER) < haproxyMs(HAPROXY_TIMEOUTS.tunnel));
});

for (const cps of [1, 3, 5]) {
  test(`haproxy -c accepts the config for ${cps} control plane(s)`, (t) => {
    const why = missingTool("haproxy");
    if (why) return t.skip(why);
    const spec = buildSpec(exampleWith({ controlPlanes: hosts("cp", cps, "192.168.1", 101), apiPort: 8443 }));
    const r = check("haproxy", ["-c", "-f", tempFile("haproxy.cfg", serialiseHaproxy(haproxyConfig(spec)))]);
    assert.equal(r.status, 0, r.output);
    assert.doesNotMatch(r.output, /WARNING|ALERT/, "haproxy -c accepts it without a warning");
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
  const differing = lb1
    .split("\n")
    .filter((line, i) => line !== lb2.split("\n")[i])
    .map((l) => l.trim().split(" ")[0]);
  assert.deepEqual(differing, ["router_id", "priority", "unicast_src_ip", "192.168.1.99"]);
  for (const conf of [lb1, lb2]) {
    assert.match(conf, /enable_script_security/);
    assert.match(conf, /192\.168\.1\.100\/24 dev eth0/);
  }
});

test("keepalived.conf: VRRPv3 on both LBs, sub-second adverts, no authentication block, unicast with source check", () => {
  for (const conf of [keepalivedFor(example, 0), keepalivedFor(example, 1)]) {
    assert.match(conf, /^ {4}vrrp_version 3$/m);
    assert.match(conf, /^ {4}advert_int 0\.3$/m, "the default advert interval");
    // VRRPv3 has no authentication: keepalived ignores the block with a warning.
    assert.doesNotMatch(conf, /authentication|auth_type|auth_pass/);
    assert.match(conf, /check_unicast_src/);
  }
  assert.match(keepalivedFor(buildSpec(exampleWith({ vrrpAdvertInterval: "2.5" })), 0), /^ {4}advert_int 2\.5$/m);
  assert.match(keepalivedFor(buildSpec(exampleWith({ vrrpAdvertInterval: 1 })), 0), /^ {4}advert_int 1$/m);
});

test("keepalived.conf: the HAProxy process is followed (process events), besides the port check", () => {
  const conf = keepalivedFor(example, 0);
  assert.match(conf, /^vrrp_track_process chk_haproxy \{\n {4}process haproxy\n {4}quorum 1\n\}$/m);
  assert.match(conf, /track_process \{\n\s+chk_haproxy\n\s+\}/);
  assert.match(conf, /track_script \{\n\s+chk_apiserver_frontend\n\s+\}/);
  // weight 0 (keepalived's default): losing the process puts the instance in FAULT, whatever the priorities.
  assert.doesNotMatch(conf.split("vrrp_track_process")[1].split("}")[0], /weight/);
});

test("keepalived.conf with vipInterface auto: the interface is a placeholder the load-balancer step fills", () => {
  const spec = buildSpec(exampleWith({ vipInterface: undefined }));
  assert.equal(spec.loadBalancers[0].interface, "auto", "vipInterface defaults to auto");
  const conf = keepalivedFor(spec, 0);
  assert.match(conf, new RegExp(`^ {4}interface ${INTERFACE_PLACEHOLDER}$`, "m"));
  assert.match(conf, new RegExp(`192\\.168\\.1\\.100/24 dev ${INTERFACE_PLACEHOLDER}$`, "m"));
  assert.match(conf, new RegExp(`# ${INTERFACE_PLACEHOLDER}: the interface that holds 192\\.168\\.1\\.98`));
  // A host's own interface still wins over auto.
  const own = buildSpec(
    exampleWith({
      vipInterface: undefined,
      loadBalancers: [
        { name: "lb1", address: "192.168.1.98", interface: "bond0" },
        { name: "lb2", address: "192.168.1.99" },
      ],
    }),
  );
  assert.match(keepalivedFor(own, 0), /^ {4}interface bond0$/m);
  assert.doesNotMatch(keepalivedFor(own, 0), new RegExp(INTERFACE_PLACEHOLDER));
});

/** keepalived -t, judged by the lab's one rule for 2.2.7's SIGTERM after a valid check (lab/lib/keepalived-check.ts). */
function keepalivedCheck(
  address: string,
  conf: string,
  iface = "eth0",
): { ok: boolean; knownBug: boolean; output: string } {
  return withInterfaceNamespace(
    address,
    (exec) => {
      const verdict = judgeKeepalivedTest(exec(keepalivedTestArgv(tempFile("keepalived.conf", conf))));
      return { ok: verdict.ok, knownBug: verdict.knownBug, output: verdict.text };
    },
    iface,
  );
}

/**
 * The config without the scripts keepalived would run (vrrp_script blocks, track_script, notify
 * lines): keepalived 2.2.7's -t then reports every warning (exit 5) instead of ending with a silent
 * SIGTERM, so "no warning" can be checked.
 */
function withoutScripts(conf: string): string {
  return conf
    .replace(/^vrrp_script [^\n]*\{\n(?: {4}[^\n]*\n)*\}\n\n/gm, "")
    .replace(/^ {4}track_script \{\n(?: {8}[^\n]*\n)* {4}\}\n/m, "")
    .replace(/^ {4}notify_\w+ "[^"]*"\n/gm, "");
}

function ensureScriptUser(): void {
  if (spawnSync("id", [SCRIPT_USER], { stdio: "ignore" }).status !== 0) {
    spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SCRIPT_USER]);
  }
}

test("keepalived -t accepts both LBs' configs, without a warning, in a namespace that has their interface", (t) => {
  const why = missingTool("keepalived", "ip");
  if (why) return t.skip(why);
  if (!isRoot) {
    if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") assert.fail("keepalived -t needs root for a network namespace");
    return t.skip("keepalived -t needs root (network namespace with eth0)");
  }
  ensureScriptUser();
  // On AWS the interface is found on the host (auto): filled as the load-balancer step fills it.
  const aws = buildSpec(stackConfig("aws-example"));
  const awsConf = serialiseKeepalived(
    keepalivedConfig(aws, {
      self: aws.loadBalancers[0],
      peers: [aws.loadBalancers[1]],
      index: 0,
      notifyMaster: NOTIFY_SCRIPT_PATH,
      vipGuard: NOTIFY_SCRIPT_PATH,
    }),
  ).replaceAll(INTERFACE_PLACEHOLDER, "ens5");
  const cases = [
    ...example.loadBalancers.map((lb, index) => ({
      what: lb.name,
      address: lb.privateAddress,
      conf: keepalivedFor(example, index),
      iface: "eth0",
    })),
    { what: "aws lb1", address: aws.loadBalancers[0].privateAddress, conf: awsConf, iface: "ens5" },
  ];
  for (const c of cases) {
    const whole = keepalivedCheck(c.address, c.conf, c.iface);
    assert.ok(whole.ok, `${c.what}: ${whole.output}`);
    const rest = keepalivedCheck(c.address, withoutScripts(c.conf), c.iface);
    assert.ok(rest.ok && !rest.knownBug, `${c.what} (scripts left out, so -t reports warnings): ${rest.output}`);
  }
  // The check can fail: an authentication block under VRRPv3, sub-second adverts under VRRPv2, a bad keyword.
  const conf = withoutScripts(keepalivedFor(example, 0));
  const bad = [
    conf.replace(
      "    check_unicast_src\n",
      "    check_unicast_src\n    authentication {\n        auth_type PASS\n        auth_pass Ab3dEf7h\n    }\n",
    ),
    conf.replace("vrrp_version 3", "vrrp_version 2"),
    conf.replace("    quorum 1\n", "    quorum 1\n    bogus_keyword 1\n"),
  ];
  for (const b of bad) assert.equal(keepalivedCheck(example.loadBalancers[0].privateAddress, b).ok, false, b);
});
