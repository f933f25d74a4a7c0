import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { haproxyConfig, serialiseHaproxy } from "../core/plan/haproxy";
import { CHECK_SCRIPT_PATH } from "../core/plan/keepalived";
import { parseLabArgs } from "../lab/args";
import { failuresOutside, summarize } from "../lab/drills/analysis";
import { RequestRecord } from "../lab/client/protocol";
import { allHosts, buildTopology } from "../lab/net/topology";
import { REQUIRED_COMMANDS } from "../lab/preflight";
import { renderLbFiles } from "../lab/render";
import { Check, LabReport, renderTable } from "../lab/report";
import { BOUNDS, NS_PREFIX } from "../lab/settings";

const ROOT = resolve(__dirname, "..");
const have = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** Why the lab cannot run here, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "the HA lab needs root (network namespaces, keepalived): run `sudo npm run lab` or the tests as root";
  const missing = REQUIRED_COMMANDS.filter((c) => !have(c));
  if (missing.length > 0) return `the HA lab needs ${missing.join(", ")} (apt-get install iproute2 haproxy keepalived etcd-server etcd-client openssl)`;
  return undefined;
}

test("lab topology: namespaces prefixed, every address in 198.18.0.0/15, spec from buildSpec", () => {
  for (const masters of [3, 5]) {
    const t = buildTopology(masters);
    assert.equal(t.cps.length, masters);
    assert.equal(t.spec.controlPlanes.length, masters);
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

test("lab renders the LB files with the program's renderers, not copies", () => {
  const t = buildTopology(3);
  const files = renderLbFiles(t, "Ab3dEf7h");
  assert.equal(files.haproxyCfg, serialiseHaproxy(haproxyConfig(t.spec)));
  assert.equal(files.checkScript.path, CHECK_SCRIPT_PATH);
  const lb1 = files.keepalivedConf.get("lb1") ?? "";
  const lb2 = files.keepalivedConf.get("lb2") ?? "";
  assert.match(lb1, /unicast_src_ip 198\.18\.0\.11\n\s+unicast_peer \{\n\s+198\.18\.0\.12\n/);
  assert.match(lb2, /priority 100/);
  assert.match(lb1, /auth_pass Ab3dEf7h\n/);
  assert.match(renderLbFiles(t).keepalivedConf.get("lb1") ?? "", /auth_pass [A-Za-z0-9]{8}\n/);
});

test("lab arguments: odd --masters from 3 to 7 only", () => {
  assert.equal(parseLabArgs([]).masters, 3);
  assert.equal(parseLabArgs(["--masters", "5"]).masters, 5);
  for (const bad of ["4", "1", "9", "x"]) assert.throws(() => parseLabArgs(["--masters", bad]), /odd number/);
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
for (const masters of [3, 5]) {
  test(`HA lab with ${masters} control planes: every drill within its bound`, { timeout: 6 * 60_000 }, (t) => {
    const why = cannotRun();
    if (why) {
      if (process.env.KUBEADM_HA_REQUIRE_LAB === "1") assert.fail(`KUBEADM_HA_REQUIRE_LAB=1 but the lab cannot run: ${why}`);
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-lab-test-"));
    const reportPath = join(dir, "lab-report.json");
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", "lab/run.ts", "--masters", String(masters), "--report", reportPath], {
        cwd: ROOT, encoding: "utf8", timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024,
      });
      const output = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, `lab exited ${r.status ?? r.signal}:\n${output.slice(-8000)}`);
      const report = JSON.parse(readFileSync(reportPath, "utf8")) as LabReport;
      assert.equal(report.masters, masters);
      const failed = report.checks.filter((c) => !c.pass);
      assert.deepEqual(failed.map((c) => `${c.drill}: ${c.measured}`), []);
      assert.equal(report.pass, true);
      for (const n of ["0", "1", "2", "3", "4", "5", "6", "7"]) assert.ok(report.checks.some((c) => c.drill.startsWith(`${n} `)), `drill ${n} missing`);

      const figure = (drill: string, key: string): unknown => report.checks.find((c) => c.drill.startsWith(drill) && key in c.figures)?.figures[key];
      assert.ok(Number(figure("1 ", "sent")) > 100, "the steady loop sent requests");
      assert.equal(figure("1 ", "failed"), 0);
      assert.ok(Number(figure("3 ", "vipMovedMs")) < BOUNDS.vipGracefulMs);
      assert.ok(Number(figure("4 ", "vipMovedMs")) < BOUNDS.vipHardMs);
      assert.ok(Number(figure("2 ", "markDownMs")) <= BOUNDS.markDownMs);
      assert.ok(Number(figure("7 ", "idleMs")) >= 25_000);
      assert.ok(Number(figure("6 ", "checked")) > 100, "acknowledged writes were checked after recovery");
      assert.equal(figure("6 ", "lost"), 0);
      if (masters === 5) {
        const second = report.checks.find((c) => c.drill.includes("(2 of 5 down)") && "writesAfterKill" in c.figures);
        assert.ok(second && Number(second.figures.writesAfterKill) > 0, "writes go on with two of five control planes lost");
      }
      assert.ok(report.durationMs < 180_000, `lab took ${report.durationMs} ms (budget 3 minutes)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
