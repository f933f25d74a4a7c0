import { LabBounds } from "./bounds";
import { AgentHandle } from "./client/handle";
import { LoopResult, RequestRecord } from "./client/protocol";
import { Daemon } from "./lib/daemon";
import { LabError } from "./lib/errors";
import { LogBook } from "./lib/logbook";
import { nowMs, pollUntil } from "./lib/time";
import { LabPaths, startEtcd, startHaproxy, startKeepalived, startStandin } from "./daemons";
import { startExternalEtcd, startExternalStandin } from "./etcd-external/daemons";
import { signalNamespace, waitNamespaceEmpty } from "./net/netns";
import { LabHost, LabTopology } from "./net/topology";
import { soleHolder } from "./net/vip";
import { RenderedTimers } from "./rendered-timers";
import { LOOP, WAIT } from "./settings";
import { LabCert } from "./tls";

/** Where writes of the client loops go (under `/kv/`). */
export const WRITE_PREFIX = "lab-w";

/**
 * A running lab: topology, daemons per host, the client agent, the timers of the installed LB
 * configs with the bounds computed from them, and the ledger of every write a client saw
 * acknowledged (checked after recovery).
 */
export class Lab {
  readonly etcd = new Map<string, Daemon>();
  readonly standins = new Map<string, Daemon>();
  readonly haproxy = new Map<string, Daemon>();
  readonly keepalived = new Map<string, Daemon>();
  /** key -> value of every acknowledged write. */
  readonly ledger = new Map<string, string>();
  private loops = 0;

  constructor(
    readonly topo: LabTopology,
    readonly paths: LabPaths,
    readonly cert: LabCert,
    readonly agent: AgentHandle,
    readonly runId: string,
    readonly timers: RenderedTimers,
    readonly bounds: LabBounds,
  ) {}

  /** Key written at setup and read by the loops and the serializable-read check. */
  get probeKey(): string {
    return `${WRITE_PREFIX}/${this.runId}/probe`;
  }

  /** The VIP address. */
  get vip(): string {
    return this.topo.spec.vip;
  }

  /**
   * Starts etcd and the stand-in on a control plane (after a kill: same data dir, rejoins); with
   * etcd hosts (`--etcd external`) only the stand-in, on their endpoints.
   */
  startControlPlane(cp: LabHost): void {
    if (this.topo.etcds.length > 0) {
      this.standins.set(cp.name, startExternalStandin(this.paths, this.topo, cp, this.cert));
      return;
    }
    this.etcd.set(cp.name, startEtcd(this.paths, this.topo, cp, `kha-lab-${this.runId}`));
    this.standins.set(cp.name, startStandin(this.paths, this.topo, cp, this.cert));
  }

  /** Starts the etcd member of an etcd host (`--etcd external`; after a kill: same data dir, rejoins). */
  startEtcdHost(h: LabHost): void {
    this.etcd.set(h.name, startExternalEtcd(this.paths, this.topo, h, `kha-lab-${this.runId}`));
  }

  /** Starts HAProxy and keepalived on a load balancer. */
  startLb(lb: LabHost): void {
    this.startHaproxy(lb);
    this.keepalived.set(lb.name, startKeepalived(this.paths, lb));
  }

  /** Starts HAProxy on a load balancer (again, after a kill). */
  startHaproxy(lb: LabHost): void {
    this.haproxy.set(lb.name, startHaproxy(this.paths, lb));
  }

  /** The keepalived state changes both LBs logged since `since` (`lb1: MASTER`), in time order. */
  vrrpTransitions(since: number): { at: number; text: string }[] {
    return this.topo.lbs
      .flatMap((lb) =>
        this.keepalivedLog(lb)
          .all(/Entering (MASTER|BACKUP|FAULT) STATE/, since)
          .map((l) => ({ at: l.at, text: `${lb.name}: ${/Entering (\w+) STATE/.exec(l.text)?.[1] ?? l.text}` })),
      )
      .sort((a, b) => a.at - b.at);
  }

  /** Restarts keepalived on `lb`; resolves when it has settled as BACKUP (it must not take the VIP back). */
  async restartKeepalived(lb: LabHost): Promise<number> {
    const t0 = nowMs();
    this.keepalived.set(lb.name, startKeepalived(this.paths, lb));
    return Math.round((await this.settledBackup(lb, t0)) - t0);
  }

  /**
   * Resolves, with the time it entered that state, once keepalived on `lb` is BACKUP with its
   * tracked check passing: its last state line since `since` says BACKUP and, since `checkSince`
   * (the fault that made the check fail, if earlier), the check script's last return code is 0
   * and its last verdict not "failed". Before that a FAULT may still follow (a check that failed
   * while HAProxy was down counts on until it passes once).
   */
  async settledBackup(lb: LabHost, since: number, checkSince: number = since): Promise<number> {
    const log = this.keepalivedLog(lb);
    const r = await pollUntil(
      `keepalived on ${lb.name} to settle as BACKUP`,
      async () => {
        const state = log.all(/Entering \w+ STATE/, since).at(-1);
        const code = log.all(/Script `\S+` now returning \d+/, checkSince).at(-1);
        const verdict = log.all(/VRRP_Script\(\S+\) (failed|succeeded)/, checkSince).at(-1);
        const checkOk = (!code || / returning 0$/.test(code.text)) && (!verdict || / succeeded/.test(verdict.text));
        return state && / BACKUP STATE/.test(state.text) && checkOk ? state.at : undefined;
      },
      { timeoutMs: WAIT.keepalivedStateMs, intervalMs: 50 },
    );
    return r.value;
  }

  /**
   * SIGKILLs every process of a host at once (power loss). Resolves when all of them have exited
   * (their sockets closed), with how many there were and when that was.
   */
  async powerOff(h: LabHost): Promise<{ processes: number; goneAt: number }> {
    const pids = signalNamespace(h.ns, "SIGKILL");
    const goneAt = await waitNamespaceEmpty(h.ns, WAIT.daemonExitMs);
    return { processes: pids.length, goneAt };
  }

  /** HAProxy's log on a load balancer. */
  haproxyLog(lb: LabHost): LogBook {
    const d = this.haproxy.get(lb.name);
    if (!d) throw new LabError(`no haproxy on ${lb.name}`);
    return d.log;
  }

  /** keepalived's log on a load balancer. */
  keepalivedLog(lb: LabHost): LogBook {
    const d = this.keepalived.get(lb.name);
    if (!d) throw new LabError(`no keepalived on ${lb.name}`);
    return d.log;
  }

  /**
   * The load balancer holding the VIP alone and the others (`standby` is the first of them, the
   * highest VRRP priority: the pair's other LB; colocated, the next control plane in order); throws
   * when none or several hold it.
   */
  async activeLb(): Promise<{ active: LabHost; standby: LabHost; others: LabHost[] }> {
    const name = await soleHolder(this.topo);
    const active = this.topo.lbs.find((l) => l.name === name);
    const others = this.topo.lbs.filter((l) => l.name !== name);
    if (!active || others.length === 0) throw new LabError("the VIP is not held by exactly one load balancer");
    return { active, standby: others[0], others };
  }

  /** One request from the client namespace; acknowledged writes go to the ledger. */
  async request(
    target: string,
    method: "GET" | "PUT",
    path: string,
    body?: string,
    timeoutMs: number = LOOP.requestTimeoutMs,
    bodyLimit?: number,
  ): Promise<RequestRecord> {
    // Past the VIP, straight to a control plane's api-server (colocated: apiPort + 1, HAProxy holds apiPort).
    const to = target === this.vip ? target : `${target}:${this.topo.spec.apiServerPort}`;
    const rec = await this.agent.call(
      { op: "request", target: to, method, path, body, timeoutMs, bodyLimit },
      timeoutMs + 5_000,
    );
    if (method === "PUT" && rec.ok && body !== undefined && path.startsWith("/kv/"))
      this.ledger.set(path.slice(4), body);
    return rec;
  }

  /**
   * Runs the client loop through the VIP around `during`: lead time (plus a random part of one
   * request period), `during()`, tail time, then stop and drain. Acknowledged writes go to the ledger.
   */
  async withLoop<T>(tag: string, during: () => Promise<T>): Promise<{ loop: LoopResult; value: T }> {
    const loopId = `${tag}-${++this.loops}`;
    await this.agent.call(
      {
        op: "loop-start",
        loopId,
        target: this.vip,
        ratePerSecond: LOOP.ratePerSecond,
        timeoutMs: LOOP.requestTimeoutMs,
        maxDurationMs: LOOP.maxDurationMs,
        maxInFlight: LOOP.maxInFlight,
        keyPrefix: `${WRITE_PREFIX}/${this.runId}/${loopId}`,
        readPath: `/kv/${this.probeKey}`,
      },
      5_000,
    );
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      // A random phase within one request period: the fault does not always land on a request start.
      await new Promise((r) => setTimeout(r, LOOP.leadMs + Math.random() * (1000 / LOOP.ratePerSecond)));
      outcome = { ok: true, value: await during() };
      await new Promise((r) => setTimeout(r, LOOP.tailMs));
    } catch (error) {
      outcome = { ok: false, error };
    }
    // The loop is always stopped, also when `during` failed.
    const loop = await this.agent.call(
      { op: "loop-stop", loopId, drainMs: LOOP.requestTimeoutMs + 1_000 },
      LOOP.requestTimeoutMs + 10_000,
    );
    for (const r of loop.records)
      if (r.kind === "write" && r.ok && r.key && r.value !== undefined) this.ledger.set(r.key, r.value);
    if (!outcome.ok) throw outcome.error;
    return { loop, value: outcome.value };
  }

  /** Waits until every listed control plane answers `/readyz` 200 directly (not through HAProxy). */
  async waitReady(cps: readonly LabHost[], timeoutMs: number): Promise<number> {
    const r = await pollUntil(
      `/readyz 200 on ${cps.map((c) => c.name).join(", ")}`,
      async () => {
        const answers = await Promise.all(
          cps.map((cp) => this.request(cp.address, "GET", "/readyz", undefined, 2_000)),
        );
        return answers.every((a) => a.ok) ? true : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
    return r.at;
  }
}
