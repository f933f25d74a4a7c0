import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SCRIPT_USER } from "../core/plan/keepalived";
import { AgentHandle } from "./client/handle";
import { writeLbConfigs } from "./daemons";
import { Lab } from "./lab";
import { LabError } from "./lib/errors";
import { ensureSystemUser, installCheckScript } from "./lib/host-files";
import { runSync } from "./lib/sh";
import { nowMs, sleep } from "./lib/time";
import { createNetwork, inNs } from "./net/netns";
import { buildTopology } from "./net/topology";
import { waitForVip } from "./net/vip";
import { renderLbFiles } from "./render";
import { Check } from "./report";
import { WAIT, WORK_DIR } from "./settings";
import { makeCert } from "./tls";

/** keepalived 2.2.7 `-t` kills itself when script_user is set (keepalived issue #2617). */
function keepalivedTest(ns: string, conf: string): { ok: boolean; text: string } {
  const [cmd, ...args] = inNs(ns, ["keepalived", "-t", "-f", conf]);
  const r = runSync(cmd, args);
  if (r.code === 0) return { ok: true, text: "keepalived -t: ok" };
  const out = (r.stderr + r.stdout).trim();
  if ((r.signal === "SIGTERM" || r.code === 143) && out === "") {
    return { ok: true, text: "keepalived -t terminated itself without a finding (keepalived bug #2617 in 2.2.7 with script_user); the running daemon's log is checked instead" };
  }
  return { ok: false, text: `keepalived -t rejected it: ${out || r.code}` };
}

/** The keepalived -t finding worth a note (the known bug), if any. */
function keepalivedBugNote(findings: readonly string[]): string {
  return findings.find((f) => f.includes("#2617")) ?? "";
}

/**
 * Brings the lab up: namespaces and bridge, certificate, rendered LB files (checked by the real
 * daemons), etcd members, stand-ins, client agent, HAProxy and keepalived; waits for the VIP and
 * writes the probe key. Returns the lab and the config check row.
 */
export async function setUp(masters: number, repo: string, say: (line: string) => void): Promise<{ lab: Lab; checks: Check[]; notes: string[] }> {
  const topo = buildTopology(masters);
  rmSync(WORK_DIR, { recursive: true, force: true });
  const paths = { repo, work: WORK_DIR, logs: join(WORK_DIR, "logs") };
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const runId = randomBytes(4).toString("hex");

  say(`lab ${runId}: ${masters} control planes, 2 load balancers, VIP ${topo.spec.vip}; work dir ${WORK_DIR}`);
  createNetwork(topo);
  const cert = makeCert(WORK_DIR, [topo.spec.vip, ...topo.cps.map((c) => c.address)]);
  const files = renderLbFiles(topo);
  installCheckScript(files.checkScript.path, files.checkScript.content);
  ensureSystemUser(SCRIPT_USER);

  const findings: string[] = [];
  let configsOk = true;
  for (const lb of topo.lbs) {
    const cfg = writeLbConfigs(paths, lb, files.haproxyCfg, files.keepalivedConf.get(lb.name) ?? "");
    const h = runSync("haproxy", ["-c", "-f", cfg.haproxy]);
    if (h.code !== 0) {
      configsOk = false;
      findings.push(`haproxy -c rejected ${lb.name}'s haproxy.cfg: ${(h.stderr + h.stdout).trim()}`);
    }
    const k = keepalivedTest(lb.ns, cfg.keepalived);
    configsOk &&= k.ok;
    if (lb === topo.lbs[0] || !k.ok) findings.push(k.text);
  }
  if (!configsOk) throw new LabError(findings.join("; "));

  const agent = new AgentHandle({
    ns: topo.client.ns, node: process.execPath, script: join(repo, "lab", "client", "agent.ts"), cwd: repo,
    port: topo.spec.apiPort, caFile: cert.certFile, logFile: join(paths.logs, "client-agent.log"),
  });
  const lab = new Lab(topo, paths, cert, agent, runId);
  for (const cp of topo.cps) lab.startControlPlane(cp);
  await agent.ready(WAIT.readyMs);
  await lab.waitReady(topo.cps, WAIT.readyMs);
  say(`etcd cluster and ${masters} api-server stand-ins ready`);

  const lbStart = nowMs();
  for (const lb of topo.lbs) lab.startLb(lb);
  const vip = await waitForVip(topo, "the VIP on one load balancer", (h) => h.length === 1, WAIT.vipMs);
  say(`VIP ${topo.spec.vip} on ${vip.holders[0]} ${Math.round(vip.at - lbStart)} ms after the LBs started`);

  // The daemons must have read the configs without complaint.
  await sleep(500);
  const complaints = topo.lbs.flatMap((lb) => [
    ...lab.keepalivedLog(lb).all(/WARNING|Unknown keyword|SECURITY VIOLATION|[Dd]isabling track script|not executable|[Ee]rror/),
    ...lab.haproxyLog(lb).all(/\[ALERT\]/).filter((l) => !/FD limit|Cannot raise FD limit/.test(l.text)),
  ]);
  const fdLine = lab.haproxyLog(topo.lbs[0]).find(/Cannot raise FD limit to \d+, limit is \d+/);
  const fd = fdLine ? /to (\d+), limit is (\d+)/.exec(fdLine.text) : null;
  const fdNote = fd ? `haproxy could not raise its FD limit to ${fd[1]} (hard limit here ${fd[2]}) and runs on with a warning (no strict-limits)` : "";
  const running = topo.lbs.every((lb) => lab.haproxy.get(lb.name)?.running() && lab.keepalived.get(lb.name)?.running());

  const probe = await lab.request(topo.spec.vip, "PUT", `/kv/${lab.probeKey}`, runId);
  if (!probe.ok) throw new LabError(`first write through the VIP failed: ${probe.error ?? probe.status}`);

  const pass = configsOk && complaints.length === 0 && running;
  const check: Check = {
    drill: "0 rendered LB configs",
    expectation: "haproxy -c accepts haproxy.cfg; keepalived parses keepalived.conf with no warning; both daemons run them and hold the VIP",
    measured: `${pass ? "accepted and running" : "REJECTED"}; VIP on ${vip.holders[0]} after ${Math.round(vip.at - lbStart)} ms; ${complaints.length} complaint(s)${fdNote ? `; ${fdNote}` : ""}`,
    pass,
    figures: {
      vipUpMs: Math.round(vip.at - lbStart),
      complaints: complaints.map((c) => c.text).join(" | ") || null,
      keepalivedTest: findings.join(" | "),
      haproxyFdWarning: fdNote || null,
    },
  };
  const notes = [keepalivedBugNote(findings), fdNote].filter((n) => n !== "");
  return { lab, checks: [check], notes };
}
