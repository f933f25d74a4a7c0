import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseLabArgs } from "../lab/args";
import { labBounds, LabBounds } from "../lab/bounds";
import { failuresOutside, summarize } from "../lab/drills/analysis";
import { RequestRecord } from "../lab/client/protocol";
import { allHosts, buildTopology } from "../lab/net/topology";
import { keepalivedValue, listedFile, loadBalancerSteps, substitutedLines } from "../lab/lb-files";
import { REQUIRED_COMMANDS } from "../lab/preflight";
import { haproxyMs, renderedTimers } from "../lab/rendered-timers";
import { Check, LabReport, renderTable } from "../lab/report";
import { NS_PREFIX } from "../lab/settings";

const ROOT = resolve(__dirname, "..");
const have = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** The bounds the lab computes for a topology, from its plan's listed LB files (timers hold no secret). */
function boundsOf(controlPlanes: number, config: Record<string, unknown> = {}): LabBounds {
  const t = buildTopology(controlPlanes, config);
  const steps = [...loadBalancerSteps(t.spec).values()];
  return labBounds(renderedTimers(listedFile(steps[0], "haproxy.cfg").content, steps.map((s) => listedFile(s, "keepalived.conf").content)));
}

/** Why the lab cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "the HA lab needs root (network namespaces, keepalived): run `sudo npm run lab` or the tests as root";
  const missing = REQUIRED_COMMANDS.filter((c) => !have(c));
  if (missing.length > 0) return `the HA lab needs ${missing.join(", ")} (apt-get install iproute2 haproxy keepalived etcd-server etcd-client openssl)`;
  return undefined;
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
    assert.ok(t.spec.loadBalancers.every((lb) => lb.interface === "eth0"));
  }
});

test("lab roles are the program's roles plus the lab-only client", () => {
  const t = buildTopology(3);
  assert.deepEqual([...new Set(allHosts(t).map((h) => h.role))], ["loadBalancer", "controlPlane", "client"]);
  for (const h of [...t.lbs, ...t.cps]) assert.equal([...t.spec.loadBalancers, ...t.spec.controlPlanes].find((s) => s.name === h.name)?.role, h.role);
});

test("lab takes the LB files from the plan's load-balancer step, secrets as placeholders", () => {
  const t = buildTopology(3);
  const steps = loadBalancerSteps(t.spec);
  assert.deepEqual([...steps.keys()], ["lb1", "lb2"]);
  for (const [name, step] of steps) {
    assert.equal(step.phase, "load-balancer");
    assert.equal(step.host, name);
    assert.deepEqual([...step.stdin], ["keepalivedAuthPass"], "the auth_pass reaches the step on stdin");
    const conf = listedFile(step, "keepalived.conf").content;
    assert.match(conf, /auth_pass \S+\n/);
    assert.ok((step.script ?? "").includes(listedFile(step, "haproxy.cfg").content.split("\n")[0]), "the script carries the listed haproxy.cfg");
    assert.ok(step.files.some((f) => f.path === keepalivedValue(conf, "script")), "the tracked check script is among the step's files");
  }
  const conf = (name: string): string => {
    const step = steps.get(name);
    assert.ok(step);
    return listedFile(step, "keepalived.conf").content;
  };
  assert.match(conf("lb1"), /unicast_src_ip 198\.18\.0\.11\n\s+unicast_peer \{\n\s+198\.18\.0\.12\n/);
  assert.match(conf("lb2"), /priority 100/);
});

test("the lab accepts an installed file only when it differs from the listing by filled placeholders", () => {
  const listed = "a\n    auth_pass @PASS@\nb\n";
  assert.equal(substitutedLines("k.conf", listed, "a\n    auth_pass Ab3dEf7h\nb\n", "Ab3dEf7h"), 1);
  assert.equal(substitutedLines("h.cfg", "x\n", "x\n", "Ab3dEf7h"), 0);
  assert.throws(() => substitutedLines("k.conf", listed, "a\n    auth_pass Ab3dEf7h\nc\n", "Ab3dEf7h"), /beyond a placeholder/);
  assert.throws(() => substitutedLines("k.conf", listed, "a\n    auth_pass @PASS@ \nb\n", "Ab3dEf7h"), /beyond a placeholder/);
  assert.throws(() => substitutedLines("k.conf", listed, "a\n    auth_type Ab3dEf7h\nb\n", "Ab3dEf7h"), /beyond a placeholder/);
  assert.throws(() => substitutedLines("k.conf", listed, "a\n", "Ab3dEf7h"), /lines/);
});

test("lab bounds are computed from the rendered HAProxy and keepalived timers", () => {
  assert.equal(haproxyMs("2s"), 2_000);
  assert.equal(haproxyMs("1h"), 3_600_000);
  assert.equal(haproxyMs("250"), 250);
  assert.throws(() => haproxyMs("2 s"), /not an HAProxy time/);
  // Today's rendering: inter 2s fall 2 rise 2, timeout client/server 20s, advert_int 1, priorities 101/100.
  const b = boundsOf(3);
  assert.equal(b.markDownMs, 5_000, "fall 2 x inter 2 s + 1 s");
  assert.equal(b.vipGracefulMs, 1_000, "skew (156/256 s) rounded up to advert_int 1 s");
  assert.equal(b.vipHardMs, 4_000, "3 x 1 s + skew, rounded up to advert_int");
  assert.equal(b.recoveryMs, 15_000, "start 5 s + election 4 s + rise 2 x inter 2 s + attempt 2 s");
  assert.equal(b.idleMs, 25_000, "timeout client/server 20 s + 5 s");
  // A slower advert interval moves the VIP bounds with it; HAProxy's bounds stay.
  const slow = boundsOf(3, { "kubeadm-ha:vrrpAdvertInterval": 2 });
  assert.equal(slow.vipGracefulMs, 2_000);
  assert.equal(slow.vipHardMs, 8_000);
  assert.equal(slow.markDownMs, 5_000);
  const cfg = "defaults\n    timeout client 30s\n    timeout server 20s\n    timeout connect 5s\n    timeout tunnel 1h\nbackend b\n    default-server inter 3s fall 3 rise 2\n";
  const t = renderedTimers(cfg, ["advert_int 1\npriority 101\n", "advert_int 1\npriority 100\n"]);
  assert.equal(labBounds(t).markDownMs, 10_000, "fall 3 x inter 3 s + 1 s");
  assert.equal(labBounds(t).idleMs, 35_000, "the larger of client and server timeout + 5 s");
  assert.throws(() => renderedTimers(cfg, ["advert_int 1\n", "advert_int 2\n"]), /different intervals/);
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
  const rec = (seq: number, start: number, end: number, ok: boolean): RequestRecord => ({ seq, kind: "write", start, end, ok });
  const records = [rec(0, 0, 10, true), rec(1, 90, 120, false), rec(2, 130, 140, false), rec(3, 150, 160, true)];
  assert.deepEqual(failuresOutside(records, 100, 100).map((r) => r.seq), [2]);
  assert.deepEqual(failuresOutside(records, 100, 135).map((r) => r.seq), []);
  const s = summarize(records);
  assert.equal(s.failed, 2);
  assert.equal(s.ok, 2);
});

test("lab table shows every check with PASS or FAIL", () => {
  const checks: Check[] = [
    { drill: "1 steady state", expectation: "all succeed", measured: "10 sent, 0 failed", pass: true, figures: {} },
    { drill: "3 graceful LB stop", expectation: "VIP < 1000 ms", measured: "VIP moved in 1500 ms", pass: false, figures: {} },
  ];
  const table = renderTable(checks);
  assert.match(table, /1 steady state .*PASS/);
  assert.match(table, /3 graceful LB stop .*FAIL/);
});

// Each run takes about 75-80 s; both together stay under three minutes.
for (const controlPlanes of [3, 5]) {
  test(`HA lab with ${controlPlanes} control planes: every drill within its bound`, { timeout: 6 * 60_000 }, (t) => {
    const why = cannotRun();
    if (why) {
      if (process.env.KUBEADM_HA_REQUIRE_LAB === "1") assert.fail(`KUBEADM_HA_REQUIRE_LAB=1 but the lab cannot run: ${why}`);
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-lab-test-"));
    const reportPath = join(dir, "lab-report.json");
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", "lab/run.ts", "--control-planes", String(controlPlanes), "--report", reportPath], {
        cwd: ROOT, encoding: "utf8", timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024,
      });
      const output = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, `lab exited ${r.status ?? r.signal}:\n${output.slice(-8000)}`);
      const report = JSON.parse(readFileSync(reportPath, "utf8")) as LabReport;
      assert.equal(report.controlPlanes, controlPlanes);
      const failed = report.checks.filter((c) => !c.pass);
      assert.deepEqual(failed.map((c) => `${c.drill}: ${c.measured}`), []);
      assert.equal(report.pass, true);
      for (const n of ["0", "1", "2", "3", "4", "5", "6", "7"]) assert.ok(report.checks.some((c) => c.drill.startsWith(`${n} `)), `drill ${n} missing`);

      const bounds = boundsOf(controlPlanes);
      const figure = (drill: string, key: string): unknown => report.checks.find((c) => c.drill.startsWith(drill) && key in c.figures)?.figures[key];
      assert.ok(Number(figure("1 ", "sent")) > 100, "the steady loop sent requests");
      assert.equal(figure("1 ", "failed"), 0);
      assert.equal(figure("0 ", "installedBy"), "load-balancer step script, in the step sandbox");
      assert.equal(figure("0 ", "authPassLinesSubstituted"), 1, "the step's shell code filled the auth_pass placeholder");
      assert.ok(Number(figure("3 ", "vipMovedMs")) < bounds.vipGracefulMs);
      assert.ok(Number(figure("4 ", "vipMovedMs")) < bounds.vipHardMs);
      assert.ok(Number(figure("2 ", "markDownMs")) <= bounds.markDownMs);
      assert.ok(Number(figure("7 ", "idleMs")) >= bounds.idleMs);
      assert.ok(Number(figure("6 ", "checked")) > 100, "acknowledged writes were checked after recovery");
      assert.equal(figure("6 ", "lost"), 0);
      if (controlPlanes === 5) {
        const second = report.checks.find((c) => c.drill.includes("(2 of 5 down)") && "writesAfterKill" in c.figures);
        assert.ok(second && Number(second.figures.writesAfterKill) > 0, "writes go on with two of five control planes lost");
      }
      assert.ok(report.durationMs < 180_000, `lab took ${report.durationMs} ms (budget 3 minutes)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
