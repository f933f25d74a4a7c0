import { test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { buildSpec } from "../core/config/build-spec";
import { ConfigError } from "../core/config/problems";
import { INTERFACE_PLACEHOLDER } from "../core/plan/keepalived";
import { buildPlan } from "../core/plan/steps";
import { PlanStep } from "../core/plan/plan-step";
import { fakeHosts, fakeHostUnavailable, FakeHost } from "./support/fake-host";
import { exampleWith, stackConfig } from "./support/stack";

/** The problems buildSpec reports for `config` (none: []). */
function problemsOf(config: Record<string, unknown>): { key: string; message: string }[] {
  try {
    buildSpec(config);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => ({ key: p.key, message: p.message }));
    throw e;
  }
}

test("vrrpAdvertInterval: seconds from 0.1 to 10 in centiseconds, as Pulumi's text or a YAML number; 0.3 by default", () => {
  assert.equal(buildSpec(exampleWith({ vrrpAdvertInterval: undefined })).vrrpAdvertInterval, 0.3);
  for (const ok of ["0.3", 0.3, "0.1", 0.25, "1", 1, 10, "2.5"]) {
    assert.deepEqual(problemsOf(exampleWith({ vrrpAdvertInterval: ok })), [], String(ok));
  }
  assert.equal(buildSpec(exampleWith({ vrrpAdvertInterval: "0.25" })).vrrpAdvertInterval, 0.25);
  for (const bad of [0.05, "0.09", 11, "10.5", 0.333, "0.333", 0]) {
    const problems = problemsOf(exampleWith({ vrrpAdvertInterval: bad }));
    assert.deepEqual(
      problems.map((p) => p.key),
      ["kubeadm-ha:vrrpAdvertInterval"],
      String(bad),
    );
    // The message names the value, the limits and why they are there.
    assert.match(problems[0].message, /from 0\.1 to 10 in steps of 0\.01/);
    assert.match(problems[0].message, /VRRPv3/);
    assert.match(problems[0].message, /flaps/);
  }
  for (const notANumber of ["abc", "0,3", "", "1e1", "-0.3"]) {
    assert.deepEqual(
      problemsOf(exampleWith({ vrrpAdvertInterval: notANumber })).map((p) => p.key),
      ["kubeadm-ha:vrrpAdvertInterval"],
      notANumber,
    );
  }
});

test("vipInterface: auto by default (found on each LB), a host's interface or an explicit name wins", () => {
  const auto = buildSpec(exampleWith({ vipInterface: undefined }));
  assert.deepEqual(
    auto.loadBalancers.map((lb) => lb.interface),
    ["auto", "auto"],
  );
  const own = buildSpec(
    exampleWith({
      vipInterface: "bond0",
      loadBalancers: [
        { name: "lb1", address: "192.168.1.98", interface: "enp1s0" },
        { name: "lb2", address: "192.168.1.99" },
      ],
    }),
  );
  assert.deepEqual(
    own.loadBalancers.map((lb) => lb.interface),
    ["enp1s0", "bond0"],
  );
  const bad = problemsOf(exampleWith({ vipInterface: "eth 0" }));
  assert.deepEqual(
    bad.map((p) => p.key),
    ["kubeadm-ha:vipInterface"],
  );
  assert.match(bad[0].message, /is not an interface name .*, or "auto" to find it on each load balancer/);
  // On AWS too: the layout keeps auto, the step finds ens5.
  assert.deepEqual(
    buildSpec(stackConfig("aws-example")).loadBalancers.map((lb) => lb.interface),
    ["auto", "auto"],
  );
});

test("the two load-balancer steps take turns (the second waits for the first); neither reads a secret", () => {
  for (const spec of [buildSpec(stackConfig("dev")), buildSpec(stackConfig("aws-example"))]) {
    const steps = buildPlan(spec).steps.filter((s) => s.phase === "load-balancer");
    assert.deepEqual(
      steps.map((s) => s.id),
      ["lb1-load-balancer", "lb2-load-balancer"],
    );
    assert.ok(!steps[0].after.includes("lb2-load-balancer"));
    assert.ok(steps[1].after.includes("lb1-load-balancer"), `${spec.platform}: lb2 waits for lb1`);
    for (const s of steps) assert.deepEqual([...s.stdin], [], "VRRPv3 has no password to feed");
  }
});

const newHost = fakeHosts();

/** The rendered load-balancer step of lb1 for a stack config. */
function lb1Step(config: Record<string, unknown>): PlanStep {
  const step = buildPlan(buildSpec(config)).steps.find((s) => s.id === "lb1-load-balancer");
  assert.ok(step?.script);
  return step;
}

/**
 * A fake LB host: `ip -o -4 addr show` prints `addresses` (ip's own format), `ip -o link show dev X`
 * knows their interfaces; haproxy -c, keepalived -t and id succeed; systemctl only logs.
 */
function lbHost(addresses: readonly [string, string][]): FakeHost {
  const host = newHost();
  host.setState(
    "ip-addr",
    addresses
      .map(
        ([dev, cidr], i) =>
          `${i + 1}: ${dev}    inet ${cidr} scope global ${dev}\\       valid_lft forever preferred_lft forever\n`,
      )
      .join(""),
  );
  host.fake(
    "ip",
    `case "$*" in
"-o -4 addr show") cat "$FAKE_STATE/ip-addr" ;;
"-o link show dev "*) grep -q "^[0-9]*: $5 " "$FAKE_STATE/ip-addr" || { echo "Device \\"$5\\" does not exist." >&2; exit 1; } ;;
*) exit 2 ;;
esac`,
  );
  for (const ok of ["haproxy", "keepalived", "id", "useradd"]) host.fake(ok, "exit 0");
  symlinkSync(
    realpathSync(spawnSync("bash", ["-c", "command -v cmp"], { encoding: "utf8" }).stdout.trim()),
    join(host.bin, "cmp"),
  );
  return host;
}

test("load-balancer.sh with vipInterface auto puts the interface that holds the LB's address into keepalived.conf", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const step = lb1Step(exampleWith({ vipInterface: undefined }));
  const host = lbHost([
    ["lo", "127.0.0.1/8"],
    ["enp1s0", "203.0.113.7/24"],
    ["enp2s0", "192.168.1.98/24"],
  ]);
  const r = host.run(step.script ?? "");
  assert.equal(r.status, 0, r.stderr);
  const conf = host.read("/etc/keepalived/keepalived.conf") ?? "";
  assert.match(conf, /^ {4}interface enp2s0$/m);
  assert.match(conf, /192\.168\.1\.100\/24 dev enp2s0$/m);
  assert.doesNotMatch(conf, new RegExp(INTERFACE_PLACEHOLDER));
  assert.match(r.stdout, /VIP interface enp2s0/);
});

test("load-balancer.sh fails before installing anything, naming the address, when no interface (or a missing one) holds it", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const none = lbHost([
    ["lo", "127.0.0.1/8"],
    ["ens5", "10.0.0.99/20"],
  ]);
  const r = none.run(lb1Step(exampleWith({ vipInterface: undefined })).script ?? "");
  assert.notEqual(r.status, 0);
  assert.match(
    r.stderr,
    /no interface of .* holds 192\.168\.1\.98, this load balancer's privateAddress .*its addresses: lo 127\.0\.0\.1\/8, ens5 10\.0\.0\.99\/20/,
  );
  assert.equal(none.exists("/etc/keepalived/keepalived.conf"), false);
  assert.deepEqual(
    none.calls().filter((c) => /^(apt-get|systemctl)/.test(c)),
    [],
  );
  // An explicit interface that the host does not have is refused the same way, before keepalived faults on it.
  const missing = lbHost([["ens5", "192.168.1.98/24"]]);
  const m = missing.run(lb1Step(exampleWith({ vipInterface: "eth0" })).script ?? "");
  assert.notEqual(m.status, 0);
  assert.match(
    m.stderr,
    /interface eth0 \(vipInterface, or this host's interface\) does not exist .*its addresses: ens5 192\.168\.1\.98\/24/,
  );
});

test("load-balancer.sh reloads (never restarts) a daemon whose config changed, and leaves an unchanged one alone", (t) => {
  const why = fakeHostUnavailable();
  if (why) return t.skip(why);
  const host = lbHost([["eth0", "192.168.1.98/24"]]);
  const first = host.run(lb1Step(stackConfig("dev")).script ?? "");
  assert.equal(first.status, 0, first.stderr);
  const before = host.calls().length;
  // Same config again: nothing to reload.
  assert.equal(host.run(lb1Step(stackConfig("dev")).script ?? "").status, 0);
  assert.deepEqual(
    host.calls(before).filter((c) => c.startsWith("systemctl")),
    ["systemctl enable --now haproxy keepalived"],
  );
  // A VRRP setting changes keepalived.conf only: keepalived is reloaded, so a MASTER keeps the VIP.
  const mark = host.calls().length;
  const r = host.run(lb1Step(exampleWith({ vrrpAdvertInterval: 1 })).script ?? "");
  assert.equal(r.status, 0, r.stderr);
  const systemctl = host.calls(mark).filter((c) => c.startsWith("systemctl"));
  assert.deepEqual(systemctl, ["systemctl reload-or-restart keepalived", "systemctl enable --now haproxy keepalived"]);
  assert.match(host.read("/etc/keepalived/keepalived.conf") ?? "", /advert_int 1\n/);
});
