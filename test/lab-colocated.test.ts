import { test } from "node:test";
import { labCanRun, runLab } from "./support/lab-run";
import assert from "node:assert/strict";
import { parseLabArgs } from "../lab/args";
import { labBounds, PROMISE } from "../lab/bounds";
import { listedFile, keepalivedValue, loadBalancerSteps } from "../lab/lb-files";
import { buildLabTopology, colocated, runsLb } from "../lab/net/lb-topology";
import { allHosts } from "../lab/net/topology";
import { renderedTimers } from "../lab/rendered-timers";
import { NS_PREFIX } from "../lab/settings";

test("lab --lb: pair by default, colocated on request, anything else refused naming the valid modes; --removal-gap", () => {
  assert.equal(parseLabArgs([]).lb, "pair");
  assert.equal(parseLabArgs(["--lb", "colocated", "--control-planes", "5"]).lb, "colocated");
  assert.equal(parseLabArgs(["--lb", "colocated", "--control-planes", "5"]).controlPlanes, 5);
  assert.throws(() => parseLabArgs(["--lb", "nlb"]), /--lb nlb: give pair or colocated/);
  // Drill 10 removes 2 of 5 colocated control planes (5 -> 3 is a valid edit; 3 -> 1 is not the case to watch).
  assert.equal(parseLabArgs(["--lb", "colocated", "--control-planes", "5", "--removal-gap"]).removalGap, true);
  assert.equal(parseLabArgs(["--lb", "colocated"]).removalGap, false);
  for (const bad of [["--removal-gap"], ["--lb", "colocated", "--removal-gap"]])
    assert.throws(() => parseLabArgs(bad), /--removal-gap removes 2 of 5 colocated control planes/);
});

test("colocated lab topology: no LB namespaces, the control planes are the LB hosts, api-servers on apiPort + 1", () => {
  for (const controlPlanes of [3, 5]) {
    const t = buildLabTopology(controlPlanes, "colocated");
    assert.equal(colocated(t), true);
    assert.equal(t.spec.loadBalancerMode, "colocated");
    assert.deepEqual(t.spec.loadBalancers, []);
    assert.equal(t.lbs, t.cps, "the LB hosts are the control planes themselves, in order");
    assert.equal(t.spec.apiServerPort, t.spec.apiPort + 1);
    const hosts = allHosts(t);
    assert.deepEqual(
      hosts.map((h) => h.name),
      [...t.cps.map((c) => c.name), "client"],
      "one namespace per host, no lb1/lb2",
    );
    for (const h of hosts) assert.ok(h.ns.startsWith(NS_PREFIX), h.ns);
    assert.ok(t.cps.every((c) => runsLb(t, c)));
    assert.equal(runsLb(t, t.client), false);
  }
  const pair = buildLabTopology(3, "pair");
  assert.equal(colocated(pair), false);
  assert.deepEqual(
    pair.lbs.map((l) => l.name),
    ["lb1", "lb2"],
  );
  assert.equal(pair.spec.apiServerPort, pair.spec.apiPort);
  assert.equal(runsLb(pair, pair.cps[0]), false);
});

test("colocated lab installs each control plane's own load-balancer step: priorities in order, the others as peers", () => {
  const t = buildLabTopology(5, "colocated");
  const steps = loadBalancerSteps(t.spec);
  assert.deepEqual([...steps.keys()], ["cp1", "cp2", "cp3", "cp4", "cp5"]);
  for (const [i, cp] of t.cps.entries()) {
    const step = steps.get(cp.name);
    assert.ok(step);
    assert.deepEqual([...step.stdin], [], "the step reads no secret");
    const conf = listedFile(step, "keepalived.conf").content;
    assert.equal(keepalivedValue(conf, "priority"), String(250 - 40 * i));
    assert.equal(keepalivedValue(conf, "state"), "BACKUP");
    assert.match(conf, /^\s+nopreempt$/m);
    assert.equal(keepalivedValue(conf, "unicast_src_ip"), cp.address);
    const peers = /unicast_peer \{\n([^}]*)\}/.exec(conf)?.[1].trim().split(/\s+/);
    assert.deepEqual(
      peers,
      t.cps.filter((c) => c !== cp).map((c) => c.address),
    );
    const cfg = listedFile(step, "haproxy.cfg").content;
    assert.match(cfg, new RegExp(`bind :${t.spec.apiPort}\\n`));
    for (const c of t.cps) assert.match(cfg, new RegExp(`server ${c.name} ${c.address}:${t.spec.apiServerPort} `));
  }
  // The colocated steps take turns too: a config change reloads one keepalived at a time.
  assert.ok(steps.get("cp2")?.after.includes("cp1-load-balancer"));
});

test("colocated bounds follow the lowest priority of the N keepalived configs and keep the promises", () => {
  for (const [controlPlanes, lowest] of [
    [3, 170],
    [5, 90],
  ] as const) {
    const t = buildLabTopology(controlPlanes, "colocated");
    const steps = [...loadBalancerSteps(t.spec).values()];
    const timers = renderedTimers(
      listedFile(steps[0], "haproxy.cfg").content,
      steps.map((s) => listedFile(s, "keepalived.conf").content),
    );
    assert.equal(timers.lowestPriority, lowest);
    const b = labBounds(timers);
    assert.ok(b.vipHardMs < PROMISE.vipHardMs, `${b.vipHardMs}`);
    assert.ok(b.vipGracefulMs < PROMISE.vipGracefulMs, `${b.vipGracefulMs}`);
  }
});

// About 80-90 s here; CI runs it as root with KUBEADM_HA_REQUIRE_LAB=1.
// 5 control planes by hand: `npm run lab -- --lb colocated --control-planes 5`.
test("HA lab, colocated, 3 control planes: every drill within its bound", { timeout: 6 * 60_000 }, (t) => {
  if (!labCanRun(t, "sudo npm run lab -- --lb colocated")) return;
  const report = runLab(["--lb", "colocated", "--control-planes", "3"], 5 * 60_000);
  assert.equal(report.loadBalancers, "colocated");
  assert.equal(report.controlPlanes, 3);
  for (const n of ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    assert.ok(
      report.checks.some((c) => c.drill.startsWith(`${n} `)),
      `drill ${n} missing`,
    );
  const t3 = buildLabTopology(3, "colocated");
  const steps = [...loadBalancerSteps(t3.spec).values()];
  const bounds = labBounds(
    renderedTimers(
      listedFile(steps[0], "haproxy.cfg").content,
      steps.map((s) => listedFile(s, "keepalived.conf").content),
    ),
  );
  const figure = (drill: string, key: string): unknown =>
    report.checks.find((c) => c.drill.startsWith(drill) && key in c.figures)?.figures[key];
  assert.equal(figure("0 ", "processEventsConfirmed"), 3, "keepalived receives process events on every control plane");
  assert.equal(figure("0 ", "vipInterface"), "eth0");
  assert.equal(figure("1 ", "failed"), 0);
  assert.equal(figure("1 steady state: VRRP", "vrrpTransitions"), 0, "no false failover");
  assert.ok(Number(figure("3 ", "vipMovedMs")) < bounds.vipGracefulMs);
  assert.ok(Number(figure("8 ", "vipMovedMs")) < bounds.vipProcessMs);
  assert.ok(Number(figure("4 ", "vipMovedMs")) < bounds.vipHardMs);
  // The first control-plane kill takes the VIP holder, which also leads etcd.
  const kill = report.checks.filter((c) => c.drill.startsWith("2 ") && c.drill.includes("(1 of 3 down)"));
  const victim = kill.find((c) => "vipHolderKilled" in c.figures);
  assert.equal(victim?.figures.vipHolderKilled, true, "the hard kill hit the VIP holder");
  assert.ok(Number(kill.find((c) => "vipMovedMs" in c.figures)?.figures.vipMovedMs) < bounds.vipHardMs);
  assert.ok(Number(victim?.figures.markDownMs) <= bounds.markDownSilentMs);
  assert.equal(kill.find((c) => "lostAtLb" in c.figures)?.figures.lostAtLb, 0);
  assert.equal(figure("9 ", "unexplainedFailures"), 0);
  assert.equal(figure("6 ", "lost"), 0);
  assert.ok(Number(figure("6 ", "checked")) > 100);
  assert.ok(report.durationMs < 180_000, `lab took ${report.durationMs} ms (budget 3 minutes)`);
});
