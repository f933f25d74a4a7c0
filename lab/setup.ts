import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { boundsNote, labBounds, LabBounds } from "./bounds";
import { AgentHandle } from "./client/handle";
import { hostDir, labHaproxyName, LabPaths, writeLbConfigs } from "./daemons";
import { Lab } from "./lab";
import { installLbFiles, InstalledLbFiles, loadBalancerSteps } from "./lb-files";
import { LabError } from "./lib/errors";
import { ensureDir, ensureSystemUser, installCheckScript } from "./lib/host-files";
import { judgeKeepalivedTest, keepalivedTestArgv, KeepalivedTestVerdict } from "./lib/keepalived-check";
import { runSync } from "./lib/sh";
import { nowMs, sleep } from "./lib/time";
import { createNetwork, inNs } from "./net/netns";
import { LabLbMode } from "./args";
import { makeExternalEtcdPki } from "./etcd-external/daemons";
import { buildLabTopology } from "./net/lb-topology";
import { LabHost, LabTopology } from "./net/topology";
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

/** The value of global keyword `key` in haproxy.cfg (`user`, `group`, `chroot`), if set. */
function haproxyGlobal(cfg: string, key: string): string | undefined {
  return new RegExp(`^\\s+${key}\\s+(\\S+)\\s*$`, "m").exec(cfg.split("\n\n")[0])?.[1];
}

/**
 * What the rendered haproxy.cfg needs on the host: its `user` and `group` (the same name: Debian's
 * haproxy package makes both, as the lab makes a missing user with its own group) and its `chroot`
 * folder. Only what is missing is made, and undone at the end; the host's HAProxy is not touched.
 */
function ensureHaproxyPrivileges(cfg: string): void {
  const user = haproxyGlobal(cfg, "user");
  const group = haproxyGlobal(cfg, "group");
  if (user !== group)
    throw new LabError(
      `haproxy.cfg sets user ${user} and group ${group}; the lab makes a user with its own group only`,
    );
  if (user) ensureSystemUser(user);
  const chroot = haproxyGlobal(cfg, "chroot");
  if (chroot) ensureDir(chroot);
}

/**
 * Runs the plan's `load-balancer` step of each LB in the step sandbox (it finds the LB's interface
 * and fills it in), installs the check script it installed at its real path (keepalived's script
 * security), the script user and what HAProxy's privileges need, writes the configs for the daemons
 * and checks them with `haproxy -c` and `keepalived -t`. Throws when a daemon rejects a config.
 */
function installLoadBalancers(topo: LabTopology, paths: LabPaths): LoadBalancerFiles {
  const steps = loadBalancerSteps(topo.spec);
  const files = new Map<string, InstalledLbFiles>();
  for (const lb of topo.lbs) {
    const step = steps.get(lb.name);
    if (!step) throw new LabError(`no load-balancer step for ${lb.name}`);
    files.set(lb.name, installLbFiles(step, lb, join(hostDir(paths, lb), "load-balancer-step")));
  }
  const all = topo.lbs.map((lb) => files.get(lb.name) as InstalledLbFiles);
  const scripts = new Set(all.map((f) => `${f.checkScript.path}\n${f.checkScript.content}\n${f.scriptUser}`));
  if (scripts.size !== 1) throw new LabError("the load balancers' check scripts or script users differ");
  installCheckScript(all[0].checkScript.path, all[0].checkScript.content);
  ensureSystemUser(all[0].scriptUser);
  ensureHaproxyPrivileges(all[0].haproxyCfg);

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
  const timers = renderedTimers(
    all[0].haproxyCfg,
    all.map((f) => f.keepalivedConf),
  );
  return { files, findings, knownBug, timers, bounds: labBounds(timers) };
}

/** Warnings and alerts the running daemons logged about their configs. */
function daemonComplaints(lab: Lab, lbs: readonly LabHost[]): { complaints: string[]; fdNote: string } {
  const complaints = lbs
    .flatMap((lb) => [
      ...lab
        .keepalivedLog(lb)
        .all(
          /WARNING|Unknown keyword|SECURITY VIOLATION|[Dd]isabling track script|not executable|[Ee]rror|does not support|will not work|Failed to|[Ii]gnoring|[Tt]runcat/,
        ),
      ...lab
        .haproxyLog(lb)
        .all(/\[ALERT\]/)
        .filter((l) => !/FD limit|Cannot raise FD limit/.test(l.text)),
    ])
    .map((l) => l.text);
  const fdLine = lab.haproxyLog(lbs[0]).find(/Cannot raise FD limit to \d+, limit is \d+/);
  const fd = fdLine ? /to (\d+), limit is (\d+)/.exec(fdLine.text) : null;
  const fdNote = fd
    ? `haproxy could not raise its FD limit to ${fd[1]} (hard limit here ${fd[2]}) and runs on with a warning (no strict-limits)`
    : "";
  return { complaints, fdNote };
}

/** The user and root folder of the first worker of the HAProxy master `pid` (10.13: Debian's user, in its chroot). */
function haproxyWorker(pid: number): string {
  try {
    const worker = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${worker}/status`, "utf8"))?.[1];
    const user =
      readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.split(":")[2] === uid)
        ?.split(":")[0] ?? `uid ${uid}`;
    return `${user} in ${readlinkSync(`/proc/${worker}/root`)}`;
  } catch {
    return "no worker";
  }
}

/**
 * Brings the lab up: namespaces and bridge, certificate, the LB files installed by the program's
 * load-balancer step (checked by the real daemons), etcd members, stand-ins, client agent, HAProxy
 * and keepalived; waits for the VIP and writes the probe key. Returns the lab and the config row.
 */
export async function setUp(
  controlPlanes: number,
  repo: string,
  say: (line: string) => void,
  lb: LabLbMode = "pair",
  etcdHosts = 0,
): Promise<{ lab: Lab; checks: Check[]; notes: string[] }> {
  const topo = buildLabTopology(controlPlanes, lb, {}, etcdHosts);
  rmSync(WORK_DIR, { recursive: true, force: true });
  const paths = { repo, work: WORK_DIR, logs: join(WORK_DIR, "logs") };
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const runId = randomBytes(4).toString("hex");

  const lbs =
    lb === "pair"
      ? "2 load balancers"
      : `HAProxy and keepalived on each (colocated; api-servers on :${topo.spec.apiServerPort})`;
  say(`lab ${runId}: ${controlPlanes} control planes, ${lbs}, VIP ${topo.spec.vip}; work dir ${WORK_DIR}`);
  createNetwork(topo);
  const cert = makeCert(WORK_DIR, [topo.spec.vip, ...topo.cps.map((c) => c.address)]);
  const lbFiles = installLoadBalancers(topo, paths);
  const first = lbFiles.files.get(topo.lbs[0].name) as InstalledLbFiles;
  say(
    `LB files installed by the plan's load-balancer step (interface ${first.vipInterface} found by it, ${first.filledLines} lines filled); it asked for: ${first.serviceCalls.join("; ") || "nothing"}`,
  );

  const agent = new AgentHandle({
    ns: topo.client.ns,
    node: process.execPath,
    script: join(repo, "lab", "client", "agent.ts"),
    cwd: repo,
    port: topo.spec.apiPort,
    caFile: cert.certFile,
    logFile: join(paths.logs, "client-agent.log"),
  });
  const lab = new Lab(topo, paths, cert, agent, runId, lbFiles.timers, lbFiles.bounds);
  // --etcd external: the etcd hosts first, with kubeadm's TLS layout (lab/etcd-external).
  if (topo.etcds.length > 0) makeExternalEtcdPki(paths, topo);
  for (const h of topo.etcds) lab.startEtcdHost(h);
  for (const cp of topo.cps) lab.startControlPlane(cp);
  await agent.ready(WAIT.readyMs);
  await lab.waitReady(topo.cps, WAIT.readyMs);
  say(
    `etcd cluster${topo.etcds.length > 0 ? ` on ${topo.etcds.length} etcd hosts (TLS)` : ""} and ${controlPlanes} api-server stand-ins ready`,
  );

  const lbStart = nowMs();
  for (const lb of topo.lbs) lab.startLb(lb);
  const vip = await waitForVip(topo, "the VIP on one load balancer", (h) => h.length === 1, WAIT.vipMs);
  const vipUpMs = Math.round(vip.at - lbStart);
  say(`VIP ${topo.spec.vip} on ${vip.holders[0]} ${vipUpMs} ms after the LBs started`);
  // The drills start from a settled pair: the other LB BACKUP with its check passing (at start it may fail once, then FAULT).
  for (const lb of topo.lbs.filter((l) => l.name !== vip.holders[0])) await lab.settledBackup(lb, lbStart);

  // The daemons must have read the configs without complaint.
  await sleep(500);
  const { complaints, fdNote } = daemonComplaints(lab, topo.lbs);
  const running = topo.lbs.every((lb) => lab.haproxy.get(lb.name)?.running() && lab.keepalived.get(lb.name)?.running());
  const probe = await lab.request(topo.spec.vip, "PUT", `/kv/${lab.probeKey}`, runId);
  if (!probe.ok) throw new LabError(`first write through the VIP failed: ${probe.error ?? probe.status}`);

  // keepalived says so once the kernel answered its process-event subscription (vrrp_track_process works).
  const processEvents = topo.lbs.filter(
    (lb) => lab.keepalivedLog(lb).find(/proc_events has confirmed it is configured/) !== undefined,
  ).length;
  // HAProxy's workers drop to the rendered user, in the rendered chroot (the master stays root).
  const cfg = first.haproxyCfg;
  const wanted = `${haproxyGlobal(cfg, "user") ?? "root"} in ${haproxyGlobal(cfg, "chroot") ?? "/"}`;
  const workers = topo.lbs.map((lb) => haproxyWorker(lab.haproxy.get(lb.name)?.pid ?? 0));
  const pass =
    complaints.length === 0 && running && processEvents === topo.lbs.length && workers.every((w) => w === wanted);
  const check: Check = {
    drill: "0 rendered LB configs",
    expectation:
      "the plan's load-balancer step installs the files (it finds the VIP interface, eth0, itself: vipInterface auto); haproxy -c accepts haproxy.cfg; keepalived parses keepalived.conf with no warning (process events working); both daemons run them and hold the VIP; HAProxy's workers run as the rendered user in the rendered chroot",
    measured: `${pass ? "accepted and running" : "REJECTED"}; VIP on ${vip.holders[0]} after ${vipUpMs} ms; ${complaints.length} complaint(s); process events confirmed on ${processEvents} of ${topo.lbs.length} LBs; HAProxy workers run as ${[...new Set(workers)].join(" / ")}${fdNote ? `; ${fdNote}` : ""}`,
    pass,
    figures: {
      vipUpMs,
      complaints: complaints.join(" | ") || null,
      keepalivedTest: lbFiles.findings.join(" | "),
      haproxyFdWarning: fdNote || null,
      installedBy: "load-balancer step script, in the step sandbox",
      vipInterface: first.vipInterface,
      processEventsConfirmed: processEvents,
      haproxyWorkers: workers.join(" / "),
      placeholderLinesFilled: first.filledLines,
      stepServiceCalls: first.serviceCalls.join("; ") || null,
    },
  };
  const processNames = topo.lbs.map((lb) => `${lb.name}: ${labHaproxyName(lb)}`).join(", ");
  const notes = [
    lbFiles.knownBug ?? "",
    fdNote,
    boundsNote(lbFiles.timers, lbFiles.bounds),
    `the lab's one change to an installed file: keepalived.conf's "process haproxy" names each LB's own HAProxy (${processNames}), because both LBs share this machine's process table (a real LB has one HAProxy)`,
  ].filter((n) => n !== "");
  return { lab, checks: [check], notes };
}
