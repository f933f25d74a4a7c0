/** Runs the HA lab (`lab/run.ts`) from a test, for the pair, colocated and external-etcd variants. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TestContext } from "node:test";
import { REQUIRED_COMMANDS } from "../../lab/preflight";
import { LabReport } from "../../lab/report";

const ROOT = resolve(__dirname, "..", "..");
const have = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** Why the HA lab cannot run here (not root, a command missing), or undefined; `how` runs it by hand. */
export function labCannotRun(how = "sudo npm run lab"): string | undefined {
  if (process.getuid?.() !== 0)
    return `the HA lab needs root (network namespaces, keepalived): run \`${how}\` or the tests as root`;
  const missing = REQUIRED_COMMANDS.filter((c) => !have(c));
  if (missing.length > 0)
    return `the HA lab needs ${missing.join(", ")} (apt-get install iproute2 haproxy keepalived etcd-server etcd-client openssl)`;
  return undefined;
}

/** True when the lab can run; otherwise skips `t`, or fails it when KUBEADM_HA_REQUIRE_LAB=1 (CI). */
export function labCanRun(t: TestContext, how?: string): boolean {
  const why = labCannotRun(how);
  if (!why) return true;
  if (process.env.KUBEADM_HA_REQUIRE_LAB === "1")
    assert.fail(`KUBEADM_HA_REQUIRE_LAB=1 but the lab cannot run: ${why}`);
  t.skip(why);
  return false;
}

/**
 * Runs the lab with `args`, its report in a temporary folder, and returns the report once the run
 * exited 0 with every check passed; otherwise fails naming the failed rows (first: the table is
 * long) and the output's tail.
 */
export function runLab(args: readonly string[], timeoutMs: number): LabReport {
  const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-lab-test-"));
  const reportPath = join(dir, "lab-report.json");
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", "lab/run.ts", ...args, "--report", reportPath], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, "utf8")) as LabReport) : undefined;
    const failed = (report?.checks ?? []).filter((c) => !c.pass).map((c) => `${c.drill}: ${c.measured}`);
    const output = `${r.stdout}${r.stderr}`;
    assert.equal(
      r.status,
      0,
      `lab exited ${r.status ?? r.signal}; failed: ${failed.join(" | ") || "see below"}\n${output.slice(-6000)}`,
    );
    assert.ok(report, "the lab wrote no report");
    assert.deepEqual(failed, []);
    assert.equal(report.pass, true);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
