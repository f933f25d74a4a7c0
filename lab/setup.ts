import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { boundsNote, labBounds, LabBounds } from "./bounds";
import { AgentHandle } from "./client/handle";
import { hostDir, LabPaths, writeLbConfigs } from "./daemons";
import { Lab } from "./lab";
import { installLbFiles, InstalledLbFiles, loadBalancerSteps, randomAuthPass } from "./lb-files";
import { LabError } from "./lib/errors";
import { ensureSystemUser, installCheckScript } from "./lib/host-files";
import { judgeKeepalivedTest, keepalivedTestArgv, KeepalivedTestVerdict } from "./lib/keepalived-check";
import { runSync } from "./lib/sh";
import { nowMs, sleep } from "./lib/time";
import { createNetwork, inNs } from "./net/netns";
import { buildTopology, LabHost, LabTopology } from "./net/topology";
import { waitForVip } from "./net/vip";
import { renderedTimers, RenderedTimers } from "./rendered-timers";
import { Check } from "./report";
import { WAIT, WORK_DIR } from "./settings";
import { makeCert } from "./tls";

/** `keepalived -t` of one LB's installed config, inside its namespace (it needs the interface). */
function keepalivedTest(ns: string, conf: string): KeepalivedTestVerdict {
  const [cmd, ...args] = inNs(ns, keepalivedTestArgv(conf));
  const r = runSync(cmd, args);
  return judgeKeepalivedTest({ status: r.code, signal: r.signal, output: r.stderr + r.stdout });
}

/** The LB files installed by the program's own step, checked by the daemons, with the bounds from their timers. */
interface LoadBalancerFiles {
  readonly files: ReadonlyMap<string, InstalledLbFiles>;
  readonly findings: readonly string[];
  readonly knownBug?: string;
  readonly timers: RenderedTimers;
  readonly bounds: LabBounds;
}

/**
 * Runs the plan's `load-balancer` step of each LB in the step sandbox with a random auth_pass on
 * stdin, installs the check script it installed at its real path (keepalived's script security)
 * and the script user, writes the configs for the daemons and checks them with `haproxy -c` and
 * `keepalived -t`. Throws when a daemon rejects a config.
 */
function installLoadBalancers(topo: LabTopology, paths: LabPaths): LoadBalancerFiles {
  const steps = loadBalancerSteps(topo.spec);
  const authPass = randomAuthPass();
  const files = new Map<string, InstalledLbFiles>();
  for (const lb of topo.lbs) {
    const step = steps.get(lb.name);
    if (!step) throw new LabError(`no load-balancer step for ${lb.name}`);
    files.set(lb.name, installLbFiles(step, lb, join(hostDir(paths, lb), "load-balancer-step"), authPass));
  }
  const all = topo.lbs.map((lb) => files.get(lb.name) as InstalledLbFiles);
  const scripts = new Set(all.map((f) => `${f.checkScript.path}\n${f.checkScript.content}\n${f.scriptUser}`));
  if (scripts.size !== 1) throw new LabError("the load balancers' check scripts or script users differ");
  installCheckScript(all[0].checkScript.path, all[0].checkScript.content);
  ensureSystemUser(all[0].scriptUser);

  const findings: string[] = [];
  let knownBug: string | undefined;
  for (const [i, lb] of topo.lbs.entries()) {
    const cfg = writeLbConfigs(paths, lb, all[i].haproxyCfg, all[i].keepalivedConf);
    const h = runSync("haproxy", ["-c", "-f", cfg.haproxy]);
    if (h.code !== 0) findings.push(`haproxy -c rejected ${lb.name}'s haproxy.cfg: ${(h.stderr + h.stdout).trim()}`);
    const k = keepalivedTest(lb.ns, cfg.keepalived);
    if (!k.ok) findings.push(`${lb.name}: ${k.text}`);
    if (k.knownBug) knownBug = k.text;
    if (h.code !== 0 || !k.ok) throw new LabError(findings.join("; "));
  }
  findings.push(knownBug ?? "keepalived -t: ok");
  const timers = renderedTimers(all[0].haproxyCfg, all.map((f) => f.keepalivedConf));
  return { files, findings, knownBug, timers, bounds: labBounds(timers) };
}

/** Warnings and alerts the running daemons logged about their configs. */
function daemonComplaints(lab: Lab, lbs: readonly LabHost[]): { complaints: string[]; fdNote: string } {
  const complaints = lbs.flatMap((lb) => [
    ...lab.keepalivedLog(lb).all(/WARNING|Unknown keyword|SECURITY VIOLATION|[Dd]isabling track script|not executable|[Ee]rror/),
    ...lab.haproxyLog(lb).all(/\[ALERT\]/).filter((l) => !/FD limit|Cannot raise FD limit/.test(l.text)),
  ]).map((l) => l.text);
  const fdLine = lab.haproxyLog(lbs[0]).find(/Cannot raise FD limit to \d+, limit is \d+/);
  const fd = fdLine ? /to (\d+), limit is (\d+)/.exec(fdLine.text) : null;
  const fdNote = fd ? `haproxy could not raise its FD limit to ${fd[1]} (hard limit here ${fd[2]}) and runs on with a warning (no strict-limits)` : "";
  return { complaints, fdNote };
}

/**
 * Brings the lab up: namespaces and bridge, certificate, the LB files installed by the program's
 * load-balancer step (checked by the real daemons), etcd members, stand-ins, client agent, HAProxy
 * and keepalived; waits for the VIP and writes the probe key. Returns the lab and the config row.
 */
export async function setUp(controlPlanes: number, repo: string, say: (line: string) => void): Promise<{ lab: Lab; checks: Check[]; notes: string[] }> {
  const topo = buildTopology(controlPlanes);
  rmSync(WORK_DIR, { recursive: true, force: true });
  const paths = { repo, work: WORK_DIR, logs: join(WORK_DIR, "logs") };
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const runId = randomBytes(4).toString("hex");

  say(`lab ${runId}: ${controlPlanes} control planes, 2 load balancers, VIP ${topo.spec.vip}; work dir ${WORK_DIR}`);
  createNetwork(topo);
  const cert = makeCert(WORK_DIR, [topo.spec.vip, ...topo.cps.map((c) => c.address)]);
  const lbFiles = installLoadBalancers(topo, paths);
  const first = lbFiles.files.get(topo.lbs[0].name) as InstalledLbFiles;
  say(`LB files installed by the plan's load-balancer step (auth_pass on stdin, ${first.substitutedLines} line substituted); it asked for: ${first.serviceCalls.join("; ") || "nothing"}`);

  const agent = new AgentHandle({
    ns: topo.client.ns, node: process.execPath, script: join(repo, "lab", "client", "agent.ts"), cwd: repo,
    port: topo.spec.apiPort, caFile: cert.certFile, logFile: join(paths.logs, "client-agent.log"),
  });
  const lab = new Lab(topo, paths, cert, agent, runId, lbFiles.timers, lbFiles.bounds);
  for (const cp of topo.cps) lab.startControlPlane(cp);
  await agent.ready(WAIT.readyMs);
  await lab.waitReady(topo.cps, WAIT.readyMs);
  say(`etcd cluster and ${controlPlanes} api-server stand-ins ready`);

  const lbStart = nowMs();
  for (const lb of topo.lbs) lab.startLb(lb);
  const vip = await waitForVip(topo, "the VIP on one load balancer", (h) => h.length === 1, WAIT.vipMs);
  const vipUpMs = Math.round(vip.at - lbStart);
  say(`VIP ${topo.spec.vip} on ${vip.holders[0]} ${vipUpMs} ms after the LBs started`);

  // The daemons must have read the configs without complaint.
  await sleep(500);
  const { complaints, fdNote } = daemonComplaints(lab, topo.lbs);
  const running = topo.lbs.every((lb) => lab.haproxy.get(lb.name)?.running() && lab.keepalived.get(lb.name)?.running());
  const probe = await lab.request(topo.spec.vip, "PUT", `/kv/${lab.probeKey}`, runId);
  if (!probe.ok) throw new LabError(`first write through the VIP failed: ${probe.error ?? probe.status}`);

  const pass = complaints.length === 0 && running;
  const check: Check = {
    drill: "0 rendered LB configs",
    expectation: "the plan's load-balancer step installs the files (auth_pass from stdin); haproxy -c accepts haproxy.cfg; keepalived parses keepalived.conf with no warning; both daemons run them and hold the VIP",
    measured: `${pass ? "accepted and running" : "REJECTED"}; VIP on ${vip.holders[0]} after ${vipUpMs} ms; ${complaints.length} complaint(s)${fdNote ? `; ${fdNote}` : ""}`,
    pass,
    figures: {
      vipUpMs,
      complaints: complaints.join(" | ") || null,
      keepalivedTest: lbFiles.findings.join(" | "),
      haproxyFdWarning: fdNote || null,
      installedBy: "load-balancer step script, in the step sandbox",
      authPassLinesSubstituted: first.substitutedLines,
      stepServiceCalls: first.serviceCalls.join("; ") || null,
    },
  };
  const notes = [lbFiles.knownBug ?? "", fdNote, boundsNote(lbFiles.timers, lbFiles.bounds)].filter((n) => n !== "");
  return { lab, checks: [check], notes };
}
