import { test } from "node:test";
import { labCanRun, runLab } from "./support/lab-run";
import assert from "node:assert/strict";
import { parseLabArgs } from "../lab/args";
import { labBounds, LabBounds } from "../lab/bounds";
import { failuresOutside, summarize } from "../lab/drills/analysis";
import { RequestRecord } from "../lab/client/protocol";
import { allHosts, buildTopology } from "../lab/net/topology";
import { labHaproxyName, labKeepalivedConf } from "../lab/daemons";
import { filledLines, keepalivedValue, listedFile, loadBalancerSteps } from "../lab/lb-files";
import { isLabCommandLine } from "../lab/lib/lock";
import { renderedTimers } from "../lab/rendered-timers";
import { Check, renderTable } from "../lab/report";
import { NS_PREFIX } from "../lab/settings";
import { INTERFACE_PLACEHOLDER } from "../core/plan/keepalived";

/** The bounds the lab computes for a topology, from its plan's listed LB files (timers hold no secret). */
function boundsOf(controlPlanes: number, config: Record<string, unknown> = {}): LabBounds {
  const t = buildTopology(controlPlanes, config);
  const steps = [...loadBalancerSteps(t.spec).values()];
  return labBounds(
    renderedTimers(
      listedFile(steps[0], "haproxy.cfg").content,
      steps.map((s) => listedFile(s, "keepalived.conf").content),
    ),
  );
}

test("lab topology: namespaces prefixed, every address in 198.18.0.0/15, spec from buildSpec", () => {
  for (const controlPlanes of [3, 5]) {
    const t = buildTopology(controlPlanes);
    assert.equal(t.cps.length, controlPlanes);
    assert.equal(t.spec.controlPlanes.length, controlPlanes);
    assert.match(t.spec.vip, /^198\.(18|19)\./);
    for (const h of allHosts(t)) {
      assert.ok(h.ns.startsWith(NS_PREFIX), h.ns);
      assert.match(h.address, /^198\.(18|19)\.\d+\.\d+$/);
    }
    assert.ok(t.bridgeNs.startsWith(NS_PREFIX));
    assert.equal(new Set(allHosts(t).map((h) => h.address)).size, allHosts(t).length);
    // vipInterface is left to its default: the load-balancer step finds eth0 on each LB.
    assert.ok(t.spec.loadBalancers.every((lb) => lb.interface === "auto"));
  }
});

test("lab roles are the program's roles plus the lab-only client", () => {
  const t = buildTopology(3);
  assert.deepEqual([...new Set(allHosts(t).map((h) => h.role))], ["loadBalancer", "controlPlane", "client"]);
  for (const h of [...t.lbs, ...t.cps])
    assert.equal([...t.spec.loadBalancers, ...t.spec.controlPlanes].find((s) => s.name === h.name)?.role, h.role);
});

test("lab takes the LB files from the plan's load-balancer step: no secret on stdin, the interface left to the step", () => {
  const t = buildTopology(3);
  const steps = loadBalancerSteps(t.spec);
  assert.deepEqual([...steps.keys()], ["lb1", "lb2"]);
  for (const [name, step] of steps) {
    assert.equal(step.phase, "load-balancer");
    assert.equal(step.host, name);
    assert.deepEqual([...step.stdin], [], "VRRPv3 has no password: the step reads no secret");
    const conf = listedFile(step, "keepalived.conf").content;
    assert.doesNotMatch(conf, /auth_pass/);
    assert.match(conf, new RegExp(`^ {4}interface ${INTERFACE_PLACEHOLDER}$`, "m"));
    assert.ok(
      (step.script ?? "").includes(listedFile(step, "haproxy.cfg").content.split("\n")[0]),
      "the script carries the listed haproxy.cfg",
    );
    assert.ok(
      step.files.some((f) => f.path === keepalivedValue(conf, "script")),
      "the tracked check script is among the step's files",
    );
  }
  const conf = (name: string): string => {
    const step = steps.get(name);
    assert.ok(step);
    return listedFile(step, "keepalived.conf").content;
  };
  assert.match(conf("lb1"), /unicast_src_ip 198\.18\.0\.11\n\s+unicast_peer \{\n\s+198\.18\.0\.12\n/);
  assert.match(conf("lb2"), /priority 100/);
  assert.equal(steps.get("lb2")?.after.includes("lb1-load-balancer"), true, "the LBs take turns");
});

test("the lab accepts an installed file only when it is the listing with its placeholders filled", () => {
  const listed = "a\n    interface @IF@\n    x dev @IF@\nb\n";
  assert.equal(filledLines("k.conf", listed, "a\n    interface eth0\n    x dev eth0\nb\n", { "@IF@": "eth0" }), 2);
  assert.equal(filledLines("h.cfg", "x\n", "x\n", { "@IF@": "eth0" }), 0);
  assert.throws(
    () => filledLines("k.conf", listed, "a\n    interface eth0\n    x dev eth0\nc\n", { "@IF@": "eth0" }),
    /line 4: .*beyond its placeholders/,
  );
  assert.throws(
    () => filledLines("k.conf", listed, "a\n    interface eth1\n    x dev eth1\nb\n", { "@IF@": "eth0" }),
    /line 2/,
  );
  assert.throws(() => filledLines("k.conf", listed, "a\n", { "@IF@": "eth0" }), /beyond its placeholders/);
});

test("the lab's one change to keepalived.conf: each LB follows its own HAProxy process", () => {
  const [lb1] = buildTopology(3).lbs;
  const conf = "vrrp_track_process chk_haproxy {\n    process haproxy\n    quorum 1\n}\n";
  assert.equal(
    labKeepalivedConf(conf, lb1),
    `vrrp_track_process chk_haproxy {\n    process ${labHaproxyName(lb1)}\n    quorum 1\n}\n`,
  );
  assert.ok(labHaproxyName(lb1).length <= 15, "a process name (comm) has at most 15 characters");
  assert.throws(() => labKeepalivedConf("vrrp_instance x {\n}\n", lb1), /0 "process haproxy" lines/);
  assert.throws(() => labKeepalivedConf(conf + conf, lb1), /2 "process haproxy" lines/);
});

test("the lab lock knows every lab entry point as alive, so one run never takes over (and cleans up) another's", () => {
  const cmdline = (...argv: string[]): string => argv.map((a) => `${a}\u0000`).join("");
  assert.equal(isLabCommandLine(cmdline("node", "--import", "tsx", "lab/run.ts", "--control-planes", "5")), true);
  assert.equal(
    isLabCommandLine(cmdline("/usr/bin/node", "--import", "tsx", "/work/main/lab/etcd-restore/run.ts")),
    true,
    "the etcd restore drill shares the lock and the kha-lab- namespaces",
  );
  assert.equal(isLabCommandLine(cmdline("node", "--test", "test/lab.test.ts")), false);
  assert.equal(isLabCommandLine(cmdline("vim", "mylab/run.ts")), false);
});

test("lab arguments: odd --control-planes from 3 to 7 only, --masters an alias", () => {
  assert.equal(parseLabArgs([]).controlPlanes, 3);
  assert.equal(parseLabArgs(["--control-planes", "5"]).controlPlanes, 5);
  assert.equal(parseLabArgs(["--masters", "5"]).controlPlanes, 5);
  assert.equal(parseLabArgs(["--control-planes", "5", "--masters", "5"]).controlPlanes, 5);
  assert.throws(() => parseLabArgs(["--control-planes", "5", "--masters", "3"]), /disagree/);
  for (const flag of ["--control-planes", "--masters"]) {
    for (const bad of ["4", "1", "9", "x"]) assert.throws(() => parseLabArgs([flag, bad]), /odd number/);
  }
});

test("lab failure analysis excuses only requests open at the fault", () => {
  const rec = (seq: number, start: number, end: number, ok: boolean): RequestRecord => ({
    seq,
    kind: "write",
    start,
    end,
    ok,
  });
  const records = [rec(0, 0, 10, true), rec(1, 90, 120, false), rec(2, 130, 140, false), rec(3, 150, 160, true)];
  assert.deepEqual(
    failuresOutside(records, 100, 100).map((r) => r.seq),
    [2],
  );
  assert.deepEqual(
    failuresOutside(records, 100, 135).map((r) => r.seq),
    [],
  );
  const s = summarize(records);
  assert.equal(s.failed, 2);
  assert.equal(s.ok, 2);
});

test("lab table shows every check with PASS or FAIL", () => {
  const checks: Check[] = [
    { drill: "1 steady state", expectation: "all succeed", measured: "10 sent, 0 failed", pass: true, figures: {} },
    {
      drill: "3 graceful LB stop",
      expectation: "VIP < 1000 ms",
      measured: "VIP moved in 1500 ms",
      pass: false,
      figures: {},
    },
  ];
  const table = renderTable(checks);
  assert.match(table, /1 steady state .*PASS/);
  assert.match(table, /3 graceful LB stop .*FAIL/);
});

// Each run takes about 80-96 s here (3 and 5 control planes; CI budget ~80-100 s each).
for (const controlPlanes of [3, 5]) {
  test(`HA lab with ${controlPlanes} control planes: every drill within its bound`, { timeout: 6 * 60_000 }, (t) => {
    if (!labCanRun(t)) return;
    const report = runLab(["--control-planes", String(controlPlanes)], 5 * 60_000);
    assert.equal(report.controlPlanes, controlPlanes);
    for (const n of ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
      assert.ok(
        report.checks.some((c) => c.drill.startsWith(`${n} `)),
        `drill ${n} missing`,
      );

    const bounds = boundsOf(controlPlanes);
    const figure = (drill: string, key: string): unknown =>
      report.checks.find((c) => c.drill.startsWith(drill) && key in c.figures)?.figures[key];
    assert.ok(Number(figure("1 ", "sent")) > 100, "the steady loop sent requests");
    assert.equal(figure("1 ", "failed"), 0);
    assert.equal(figure("0 ", "installedBy"), "load-balancer step script, in the step sandbox");
    assert.equal(figure("0 ", "vipInterface"), "eth0", "the step's shell code found the interface (vipInterface auto)");
    assert.equal(figure("0 ", "processEventsConfirmed"), 2, "keepalived receives process events on both LBs");
    assert.equal(figure("1 steady state: VRRP", "vrrpTransitions"), 0, "no false failover");
    assert.ok(Number(figure("3 ", "vipMovedMs")) < bounds.vipGracefulMs);
    assert.ok(Number(figure("8 ", "vipMovedMs")) < bounds.vipProcessMs);
    assert.ok(Number(figure("4 ", "vipMovedMs")) < bounds.vipHardMs);
    assert.ok(Number(figure("2 ", "markDownMs")) <= bounds.markDownMs);
    assert.ok(Number(figure("9 ", "markDownActiveMs")) <= bounds.markDownSilentMs);
    assert.ok(Number(figure("9 ", "markDownStandbyMs")) <= bounds.markDownSilentMs);
    assert.equal(figure("9 ", "unexplainedFailures"), 0, "no request lost to the black-holed control plane");
    assert.ok(Number(figure("7 ", "idleMs")) >= bounds.idleMs);
    assert.ok(Number(figure("6 ", "checked")) > 100, "acknowledged writes were checked after recovery");
    assert.equal(figure("6 ", "lost"), 0);
    if (controlPlanes === 5) {
      const second = report.checks.find((c) => c.drill.includes("(2 of 5 down)") && "writesAfterKill" in c.figures);
      assert.ok(
        second && Number(second.figures.writesAfterKill) > 0,
        "writes go on with two of five control planes lost",
      );
    }
    assert.ok(report.durationMs < 180_000, `lab took ${report.durationMs} ms (budget 3 minutes)`);
  });
}
