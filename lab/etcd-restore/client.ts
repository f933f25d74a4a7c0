import { join } from "node:path";
import { runAsync, runSync } from "../lib/sh";
import { nowMs, sleep } from "../lib/time";
import { inNs } from "../net/netns";
import { DrillTopology } from "./members";
import { LIMITS } from "./settings";

/** One write the writer made: acknowledged (etcdctl exit 0) or not, and when. */
export interface WriteRecord {
  /** Order of the write. */
  readonly seq: number;
  /** Key and value written. */
  readonly key: string;
  readonly value: string;
  /** When etcdctl was started and when its exit was seen (wall-clock ms). */
  readonly start: number;
  readonly end: number;
  /** etcdctl exited 0: etcd acknowledged the write. */
  readonly acked: boolean;
}

/** etcdctl in the writer's namespace, against every member, with the api-server's etcd client certificate. */
export function etcdctlArgv(t: DrillTopology, dir: string, args: readonly string[]): string[] {
  const pki = join(dir, "members", "client");
  const endpoints = t.members.map((m) => `https://${m.address}:2379`).join(",");
  return inNs(t.client.ns, [
    "etcdctl",
    `--endpoints=${endpoints}`,
    `--cacert=${pki}/ca.crt`,
    `--cert=${pki}/apiserver-etcd-client.crt`,
    `--key=${pki}/apiserver-etcd-client.key`,
    "--command-timeout=3s",
    "--dial-timeout=2s",
    ...args,
  ]);
}

/** Runs etcdctl (async); resolves with exit code and output. */
export async function etcdctl(
  t: DrillTopology,
  dir: string,
  args: readonly string[],
): Promise<{ ok: boolean; out: string }> {
  const [cmd, ...rest] = etcdctlArgv(t, dir, args);
  const r = await runAsync(cmd, rest, LIMITS.etcdctlMs);
  return { ok: r.code === 0, out: `${r.stdout}${r.stderr}` };
}

/** A writer loop: sequential puts of `/drill/key-NNNNN` until stopped; every attempt is recorded. */
export class Writer {
  readonly records: WriteRecord[] = [];
  private running = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly t: DrillTopology,
    private readonly dir: string,
  ) {}

  /** Starts writing in the background. */
  start(): void {
    this.running = true;
    this.done = this.loop();
  }

  /** Stops after the write in flight and resolves when it has. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    let seq = this.records.length;
    while (this.running) {
      const key = `/drill/key-${String(seq).padStart(5, "0")}`;
      const value = `value-${seq}`;
      const start = nowMs();
      const r = await etcdctl(this.t, this.dir, ["put", key, value]);
      this.records.push({ seq, key, value, start, end: nowMs(), acked: r.ok });
      seq++;
      if (!r.ok) await sleep(50);
    }
  }
}

/** Every `/drill/` key and its value, read back with a linearizable read. */
export async function readBack(t: DrillTopology, dir: string): Promise<Map<string, string>> {
  const r = await etcdctl(t, dir, ["get", "/drill/", "--prefix"]);
  if (!r.ok) throw new Error(`read back failed: ${r.out.trim()}`);
  const lines = r.out.split("\n").filter((l) => l !== "");
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i += 2) values.set(lines[i], lines[i + 1]);
  return values;
}

/** The cluster id every member reports (hex), from `endpoint status`; undefined when one does not answer. */
export function clusterIds(t: DrillTopology, dir: string): string[] {
  const [cmd, ...rest] = etcdctlArgv(t, dir, ["endpoint", "status", "-w", "json"]);
  const r = runSync(cmd, rest, { timeoutMs: LIMITS.etcdctlMs });
  if (r.code !== 0) return [];
  return [...r.stdout.matchAll(/"cluster_id":(\d+)/g)].map((m) => BigInt(m[1]).toString(16));
}

/** `name=peerURL` of every member, sorted, from `member list`; empty when the cluster does not answer. */
export async function memberList(t: DrillTopology, dir: string): Promise<string[]> {
  const r = await etcdctl(t, dir, ["member", "list"]);
  if (!r.ok) return [];
  // Lines: "id, started, name, peer URLs, client URLs, is learner".
  return r.out
    .split("\n")
    .filter((l) => l.includes(", "))
    .map((l) => l.split(", "))
    .map((f) => `${f[2]}=${f[3]}`)
    .sort();
}
