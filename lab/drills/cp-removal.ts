import { join } from "node:path";
import { hostDir, writeLbConfigs } from "../daemons";
import { Lab, WRITE_PREFIX } from "../lab";
import { installLbFiles, InstalledLbFiles, loadBalancerSteps } from "../lb-files";
import { LabError } from "../lib/errors";
import { runAsync } from "../lib/sh";
import { nowMs, pollUntil, sleep } from "../lib/time";
import { buildLabTopology, colocated } from "../net/lb-topology";
import { assertLabNs } from "../net/netns";
import { LabHost } from "../net/topology";
import { vipHolders } from "../net/vip";
import { Check } from "../report";
import { reasons, summarize } from "./analysis";

/** Pause between the staying control planes' load-balancer steps (they take turns; each is an SSH session). */
const STEP_GAP_MS = 2_000;
/** How long the leavers run on after the last staying step, as they do until Pulumi deletes their steps at the end. */
const LINGER_MS = 6_000;
/** The watcher's poll period: slower than the VIP drills' 20 ms, as it runs for up to a minute (6 `ip` calls a poll). */
const WATCH_POLL_MS = 200;
/** How long writes through the VIP may take to work again after the leavers stopped. */
const RECOVER_MS = 40_000;

/** One observation: who holds the VIP and which host's MAC the client uses for it. */
interface Seen {
  readonly at: number;
  readonly holders: string;
  readonly clientMac: string;
}

/** eth0's MAC address of every lab host, by MAC. */
async function macs(lab: Lab): Promise<Map<string, string>> {
  const byMac = new Map<string, string>();
  for (const h of [...lab.topo.cps, lab.topo.client]) {
    const r = await runAsync("ip", ["-n", h.ns, "-o", "link", "show", "dev", "eth0"], 2_000);
    const mac = /link\/ether (\S+)/.exec(r.stdout)?.[1];
    if (mac) byMac.set(mac, h.name);
  }
  return byMac;
}

/** Polls the VIP holders and the client's neighbour entry for the VIP until `stop()`; keeps the changes. */
function watch(lab: Lab, byMac: Map<string, string>): { stop: () => Promise<Seen[]> } {
  const seen: Seen[] = [];
  let running = true;
  assertLabNs(lab.topo.client.ns);
  const loop = (async () => {
    for (let i = 0; running && i < 10_000; i++) {
      const [holders, neigh] = await Promise.all([
        vipHolders(lab.topo),
        runAsync("ip", ["-n", lab.topo.client.ns, "neigh", "show", lab.vip], 2_000),
      ]);
      const mac = /lladdr (\S+)/.exec(neigh.stdout)?.[1];
      const now: Seen = {
        at: nowMs(),
        holders: holders.join("+") || "none",
        clientMac: mac ? (byMac.get(mac) ?? mac) : "none",
      };
      const last = seen.at(-1);
      if (!last || last.holders !== now.holders || last.clientMac !== now.clientMac) seen.push(now);
      await sleep(WATCH_POLL_MS);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** Reloads HAProxy (SIGUSR2 to its master, `-Ws`) and keepalived (SIGHUP) on `h`: Debian's ExecReload. */
function reload(lab: Lab, h: LabHost): void {
  const haproxy = lab.haproxy.get(h.name);
  const keepalived = lab.keepalived.get(h.name);
  if (!haproxy || !keepalived) throw new LabError(`no HAProxy or keepalived on ${h.name}`);
  haproxy.reload("SIGUSR2");
  keepalived.reload("SIGHUP");
}

/**
 * The files the staying control planes' load-balancer steps install in the plan without the
 * leavers, made by the plan's own step in the sandbox (before the clock starts).
 */
function stayingFiles(lab: Lab, stayers: readonly LabHost[]): Map<string, InstalledLbFiles> {
  const spec = buildLabTopology(stayers.length, "colocated", {
    "kubeadm-ha:controlPlanes": stayers.map((c) => ({ name: c.name, address: c.address })),
  }).spec;
  const steps = loadBalancerSteps(spec);
  const files = new Map<string, InstalledLbFiles>();
  for (const h of stayers) {
    const step = steps.get(h.name);
    if (!step) throw new LabError(`no load-balancer step for ${h.name} in the plan without the leavers`);
    files.set(h.name, installLbFiles(step, h, join(hostDir(lab.paths, h), "removal-step")));
  }
  return files;
}

/**
 * Drill 10 (colocated, `--removal-gap`): two control planes leave (5 -> 3), as a Pulumi update runs
 * it: the staying control planes' load-balancer steps run first, one after the other (new backends,
 * unicast peers without the leavers; each reloads HAProxy and keepalived), and the leavers' steps are
 * deleted last (remove-load-balancer.sh: keepalived stopped, then HAProxy). The leavers keep their
 * old configs meanwhile. Measures who holds the VIP, where the client's ARP entry points and which
 * requests fail. The check asks for what a removal should be: one VIP holder and no failed request.
 */
export async function controlPlaneRemoval(lab: Lab): Promise<Check[]> {
  if (!colocated(lab.topo) || lab.topo.cps.length < 5)
    throw new LabError("--removal-gap needs --lb colocated --control-planes 5 (5 -> 3 is a valid edit)");
  const { active } = await lab.activeLb();
  const leavers = lab.topo.cps.filter((c) => c !== active).slice(-2);
  const stayers = lab.topo.cps.filter((c) => !leavers.includes(c));
  const files = stayingFiles(lab, stayers);
  const byMac = await macs(lab);
  const reloads: { host: string; at: number }[] = [];
  let stoppedAt = 0;
  let t0 = 0;
  const { loop, value } = await lab.withLoop("removal", async () => {
    t0 = nowMs();
    const w = watch(lab, byMac);
    for (const h of stayers) {
      const f = files.get(h.name) as InstalledLbFiles;
      writeLbConfigs(lab.paths, h, f.haproxyCfg, f.keepalivedConf);
      reload(lab, h);
      reloads.push({ host: h.name, at: nowMs() });
      await sleep(STEP_GAP_MS);
    }
    await sleep(LINGER_MS);
    stoppedAt = nowMs();
    for (const h of leavers) lab.keepalived.get(h.name)?.signal("SIGTERM");
    for (const h of leavers) lab.haproxy.get(h.name)?.signal("SIGTERM");
    let attempt = 0;
    const back = await pollUntil(
      "a write through the VIP after the leavers stopped",
      async () => {
        const r = await lab.request(
          lab.vip,
          "PUT",
          `/kv/${WRITE_PREFIX}/${lab.runId}/removal/${attempt++}`,
          "x",
          2_000,
        );
        return r.ok ? r : undefined;
      },
      { timeoutMs: RECOVER_MS, intervalMs: 250 },
    ).catch(() => undefined);
    return { timeline: await w.stop(), backAt: back?.at };
  });
  const s = summarize(loop.records);
  const rel = (at: number): number => Math.round(at - t0);
  const dual = value.timeline.filter((x) => x.holders.includes("+"));
  const timeline = value.timeline
    .slice(0, 30)
    .map((x) => `${rel(x.at)} ms: VIP on ${x.holders}, client -> ${x.clientMac}`);
  const afterStop = s.failures.filter((r) => r.start >= stoppedAt);
  const outageMs = value.backAt === undefined ? null : rel(value.backAt) - rel(stoppedAt);
  return [
    {
      drill: `10 control planes removed (${leavers.map((l) => l.name).join(", ")} leave, 5 -> 3)`,
      expectation:
        "the staying control planes' load-balancer steps run first (one at a time), the leavers' steps are deleted last: the VIP keeps one holder and no request fails",
      measured:
        `reloads at ${reloads.map((r) => `${r.host} ${rel(r.at)}`).join(", ")} ms, leavers stopped at ${rel(stoppedAt)} ms; ` +
        `${timeline.join("; ")}; ${s.sent} sent, ${s.failed} failed${s.failed ? ` (${reasons(s.failures)})` : ""}, ${afterStop.length} of them after the leavers stopped; ` +
        `writes through the VIP worked again ${outageMs === null ? `NOT within ${RECOVER_MS} ms` : `${outageMs} ms`} after the stop`,
      pass: dual.length === 0 && s.failed === 0,
      figures: {
        leavers: leavers.map((l) => l.name).join(","),
        holderBefore: active.name,
        dualHolderSamples: dual.length,
        firstDualMs: dual[0] ? rel(dual[0].at) : null,
        failed: s.failed,
        failedAfterStop: afterStop.length,
        outageAfterStopMs: outageMs,
        timeline: timeline.join(" | "),
      },
    },
  ];
}
