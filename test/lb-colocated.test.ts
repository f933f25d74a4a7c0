/**
 * loadBalancerMode colocated: HAProxy and keepalived on every control plane. The spec, the plan's
 * load-balancer steps and their order, the port scheme (HAProxy on apiPort, api-servers on the next
 * port) through every config and script that names a port, the rendered configs checked by the
 * real daemons, and the delete script a leaving control plane runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec } from "../core/config/build-spec";
import { ClusterSpec } from "../core/config/types";
import { reachAddress } from "../core/plan/cni";
import { haproxyConfig, serialiseHaproxy } from "../core/plan/haproxy";
import { INTERFACE_PLACEHOLDER, SCRIPT_USER } from "../core/plan/keepalived";
import { PlanStep } from "../core/plan/plan-step";
import { buildPlan } from "../core/plan/steps";
import { PLAN_FILE, renderPlan } from "../core/render/render-plan";
import { judgeKeepalivedTest, keepalivedTestArgv } from "../lab/lib/keepalived-check";
import { fakeHosts, fakeHostUnavailable } from "./support/fake-host";
import { withInterfaceNamespace } from "./support/netns";
import { hosts, stackConfig, stackWith } from "./support/stack";
import { check, isRoot, missingTool, tempFile } from "./support/tools";
import { spawnSync } from "node:child_process";

const colocated = (changes: Record<string, unknown> = {}): ClusterSpec =>
  buildSpec(stackWith("colocated-example", changes));
const spec = colocated();
const plan = buildPlan(spec);
const byId = new Map(plan.steps.map((s) => [s.id, s]));
const stepNamed = (id: string): PlanStep => {
  const s = byId.get(id);
  assert.ok(s, `the plan has ${id}`);
  return s;
};
const fileOf = (s: PlanStep, suffix: string): string => {
  const f = s.files.find((x) => x.path.endsWith(suffix));
  assert.ok(f, `${s.id} lists ${suffix}`);
  return f.content;
};

test("colocated: no load-balancer hosts, endpoint VIP:apiPort, api-servers on apiPort + 1; the pair keeps one port", () => {
  assert.equal(spec.loadBalancerMode, "colocated");
  assert.deepEqual(spec.loadBalancers, []);
  assert.equal(spec.controlPlaneEndpoint, "192.168.1.100:6443");
  assert.equal(spec.apiServerPort, 6444);
  assert.deepEqual(spec.warnings, []);
  assert.equal(colocated({ apiPort: 8443 }).apiServerPort, 8444);
  const pair = buildSpec(stackConfig("dev"));
  assert.deepEqual([pair.loadBalancerMode, pair.apiPort, pair.apiServerPort], ["keepalived", 6443, 6443]);
});

test("colocated: one load-balancer step per control plane, each after its node preparation and the one before it", () => {
  const lbs = plan.steps.filter((s) => s.phase === "load-balancer");
  assert.deepEqual(
    lbs.map((s) => `${s.id}@${s.runsOn}`),
    ["cp1-load-balancer@cp1", "cp2-load-balancer@cp2", "cp3-load-balancer@cp3"],
  );
  assert.deepEqual(lbs[0].after, ["cp1-prepare-node"]);
  assert.deepEqual(lbs[1].after, ["cp2-prepare-node", "cp1-load-balancer"]);
  assert.deepEqual(lbs[2].after, ["cp3-prepare-node", "cp2-load-balancer"]);
  for (const s of lbs) {
    assert.deepEqual([...s.stdin], [], "VRRPv3 has no password to feed");
    assert.match(s.deleteScript ?? "", /systemctl disable --now "\$unit"/, `${s.id} stops its daemons on removal`);
    assert.equal(s.dialAttempts, 4);
  }
  // The VIP needs one holder before kubeadm init: the first control plane's.
  assert.deepEqual(stepNamed("wait-vip").after, ["cp1-prepare-node", "cp1-load-balancer"]);
  assert.match(stepNamed("wait-vip").script ?? "", /API_PORT='6443'/);
  // The pair on bare metal stops its daemons on removal too, and waits only for SSH.
  const pair = buildPlan(buildSpec(stackConfig("dev"))).steps.filter((s) => s.phase === "load-balancer");
  assert.deepEqual(
    pair.map((s) => [/systemctl disable --now "\$unit"/.test(s.deleteScript ?? ""), s.after[0]]),
    [
      [true, "lb1-wait-ssh"],
      [true, "lb2-wait-ssh"],
    ],
  );
});

test("colocated: HAProxy binds apiPort and balances over the api-servers on apiPort + 1; kubeadm binds them there", () => {
  const cfg = fileOf(stepNamed("cp2-load-balancer"), "haproxy.cfg");
  assert.match(cfg, /^ {4}bind :6443$/m);
  assert.deepEqual(
    cfg.match(/^ {4}server .*$/gm)?.map((l) => l.trim()),
    [
      "server cp1 192.168.1.101:6444 check check-ssl verify none",
      "server cp2 192.168.1.102:6444 check check-ssl verify none",
      "server cp3 192.168.1.103:6444 check check-ssl verify none",
    ],
  );
  // Every control plane gets the same haproxy.cfg.
  for (const cp of ["cp1", "cp3"]) assert.equal(fileOf(stepNamed(`${cp}-load-balancer`), "haproxy.cfg"), cfg);
  const init = fileOf(stepNamed("kubeadm-init"), "kubeadm-init.yaml");
  assert.match(init, /advertiseAddress: 192\.168\.1\.101\n\s+bindPort: 6444\n/);
  assert.match(init, /controlPlaneEndpoint: 192\.168\.1\.100:6443\n/);
  assert.match(fileOf(stepNamed("cp2-kubeadm-join"), "kubeadm-join.yaml"), /bindPort: 6444\n/);
  assert.match(
    fileOf(stepNamed("cp2-kubeadm-join"), "kubeadm-join.yaml"),
    /apiServerEndpoint: 192\.168\.1\.100:6443\n/,
  );
  // The scripts that ask an api-server itself (not the VIP) use its port.
  assert.match(
    stepNamed("kubeadm-init").script ?? "",
    /OTHER_API_SERVERS='192\.168\.1\.102:6444 192\.168\.1\.103:6444'/,
  );
  // (quoted twice: the installed script is itself a quoted value)
  for (const id of ["cp1-cert-renewal", "cp1-etcd-snapshot"]) {
    assert.match(stepNamed(id).script ?? "", /API_PORT='\\''6444'\\''/, id);
    assert.doesNotMatch(stepNamed(id).script ?? "", /API_PORT=\S*6443/, id);
  }
  // keepalived's check asks HAProxy on this host, on apiPort.
  assert.match(fileOf(stepNamed("cp1-load-balancer"), "check_apiserver_frontend.sh"), /API_PORT='6443'/);
});

test("colocated: keepalived on every control plane, unicast to the others, distinct priorities, BACKUP + nopreempt, VRRPv3", () => {
  const confs = spec.controlPlanes.map((cp) => fileOf(stepNamed(`${cp.name}-load-balancer`), "keepalived.conf"));
  const addresses = spec.controlPlanes.map((cp) => cp.privateAddress);
  confs.forEach((conf, i) => {
    assert.match(conf, new RegExp(`unicast_src_ip ${addresses[i].replaceAll(".", "\\.")}\n`));
    const peers = /unicast_peer \{\n([^}]*)\}/.exec(conf)?.[1].trim().split(/\s+/);
    assert.deepEqual(
      peers,
      addresses.filter((_, j) => j !== i),
      `cp${i + 1}'s peers are the other control planes`,
    );
    // 40 apart: BACKUPs whose skews differ by 1.2 ms took the VIP together in the lab (core/plan/keepalived.ts).
    assert.match(conf, new RegExp(`priority ${250 - 40 * i}\n`));
    assert.match(conf, /state BACKUP\n\s+nopreempt\n/);
    assert.match(conf, /vrrp_version 3\n/);
    assert.match(conf, /check_unicast_src\n/);
    assert.match(conf, /192\.168\.1\.100\/24 dev eth0\n/);
  });
});

test("colocated: flannel finds the cluster interface by a free neighbour of the VIP (the VIP is local on its holder)", () => {
  assert.match(stepNamed("cni").script ?? "", /REACH_ADDRESS='192\.168\.1\.99'/);
  const taken = colocated({
    controlPlanes: [
      { name: "cp1", address: "192.168.1.99" },
      { name: "cp2", address: "192.168.1.101" },
      { name: "cp3", address: "192.168.1.102" },
    ],
  });
  assert.equal(reachAddress(taken), "192.168.1.98");
  // At the bottom of the VIP's /24, the network address is skipped.
  assert.equal(reachAddress(colocated({ vip: "192.168.1.1/24" })), "192.168.1.2");
  // The pair keeps the VIP, which no node holds.
  assert.equal(reachAddress(buildSpec(stackConfig("dev"))), "192.168.1.100");
});

test("colocated: adding control planes changes every load balancer's backends and peers; 7 get priorities 250-10, 40 apart", () => {
  const seven = colocated({ controlPlanes: hosts("cp", 7, "192.168.1", 101) });
  const steps = buildPlan(seven).steps.filter((s) => s.phase === "load-balancer");
  assert.equal(steps.length, 7);
  const priorities = steps.map((s) => Number(/priority (\d+)/.exec(fileOf(s, "keepalived.conf"))?.[1]));
  assert.deepEqual(priorities, [250, 210, 170, 130, 90, 50, 10]);
  for (const s of steps) assert.equal(fileOf(s, "haproxy.cfg").match(/^ {4}server /gm)?.length, 7);
});

test("haproxy -c accepts the colocated config for 1, 3 and 5 control planes", (t) => {
  const why = missingTool("haproxy");
  if (why) return t.skip(why);
  for (const n of [1, 3, 5]) {
    const s = colocated({ controlPlanes: hosts("cp", n, "192.168.1", 101) });
    const r = check("haproxy", ["-c", "-f", tempFile("haproxy.cfg", serialiseHaproxy(haproxyConfig(s)))]);
    assert.equal(r.status, 0, r.output);
    assert.doesNotMatch(r.output, /WARNING|ALERT/);
  }
});

test("keepalived -t accepts every control plane's keepalived.conf in a namespace with its interface", (t) => {
  const why = missingTool("keepalived", "ip");
  if (why) return t.skip(why);
  if (!isRoot) {
    if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") assert.fail("keepalived -t needs root for a network namespace");
    return t.skip("keepalived -t needs root (network namespace with eth0)");
  }
  if (spawnSync("id", [SCRIPT_USER], { stdio: "ignore" }).status !== 0)
    spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SCRIPT_USER]);
  const auto = colocated({ vipInterface: undefined });
  for (const cp of auto.controlPlanes) {
    const listed = fileOf(stepNamed(`${cp.name}-load-balancer`), "keepalived.conf");
    const conf = fileOf(
      buildPlan(auto).steps.find((s) => s.id === `${cp.name}-load-balancer`) as PlanStep,
      "keepalived.conf",
    );
    assert.ok(conf.includes(INTERFACE_PLACEHOLDER), "auto: the step fills the interface");
    for (const c of [listed, conf.replaceAll(INTERFACE_PLACEHOLDER, "eth0")]) {
      const verdict = withInterfaceNamespace(cp.privateAddress, (exec) =>
        judgeKeepalivedTest(exec(keepalivedTestArgv(tempFile("keepalived.conf", c)))),
      );
      assert.ok(verdict.ok, `${cp.name}: ${verdict.text}`);
    }
  }
  // The check can fail: a bad keyword in the same config.
  const bad = fileOf(stepNamed("cp1-load-balancer"), "keepalived.conf").replace("nopreempt", "nopreempt\n    bogus 1");
  const verdict = withInterfaceNamespace("192.168.1.101", (exec) =>
    judgeKeepalivedTest(exec(keepalivedTestArgv(tempFile("keepalived.conf", bad)))),
  );
  assert.equal(verdict.ok, false);
});

test("render: the colocated example renders each control plane's load balancer, its delete script, and says so in PLAN.md", () => {
  const tree = renderPlan("colocated-example", spec);
  const plan = tree.get(PLAN_FILE) ?? "";
  assert.match(
    plan,
    /`192\.168\.1\.100:6443`: VIP 192\.168\.1\.100\/24, .*; HAProxy and keepalived on the control planes, api-servers on :6444/,
  );
  for (const cp of ["cp1", "cp2", "cp3"]) {
    const names = [...tree.keys()].filter((k) => k.startsWith(`${cp}/`) && /-load-balancer\./.test(k));
    assert.deepEqual(
      names.map((n) => n.replace(/\/\d+-/, "/NN-")),
      [`${cp}/NN-load-balancer.delete.sh`, `${cp}/NN-load-balancer.sh`].sort(),
    );
    assert.ok(
      tree.has(`${cp}/files/etc/haproxy/haproxy.cfg`) && tree.has(`${cp}/files/etc/keepalived/keepalived.conf`),
    );
  }
  assert.ok(![...tree.keys()].some((k) => k.startsWith("lb")), "no load-balancer hosts");
});

const newHost = fakeHosts();

test("remove-load-balancer.sh (a leaving control plane): keepalived stops first, then HAProxy; configs gone; again is a no-op", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = newHost();
  for (const f of ["/etc/keepalived/keepalived.conf", "/etc/haproxy/haproxy.cfg"]) host.write(f, "x\n");
  const script = stepNamed("cp3-load-balancer").deleteScript ?? "";
  const r = host.run(script);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    host.calls().filter((c) => c.startsWith("systemctl")),
    ["systemctl disable --now keepalived", "systemctl disable --now haproxy"],
  );
  assert.equal(host.exists("/etc/keepalived/keepalived.conf"), false);
  assert.equal(host.exists("/etc/haproxy/haproxy.cfg"), false);
  assert.equal(host.run(script).status, 0, "safe to run again");
});
