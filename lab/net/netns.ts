import { LabError } from "../lib/errors";
import { mustRun, runAsync, runSync } from "../lib/sh";
import { pollUntil, sleepSync } from "../lib/time";
import { NET, NS_PREFIX } from "../settings";
import { allHosts, LabHost, LabTopology } from "./topology";

/** Throws unless `ns` is a lab namespace: no command of the lab runs in the host's namespace. */
export function assertLabNs(ns: string): void {
  if (!ns.startsWith(NS_PREFIX) || !/^[a-z0-9-]+$/.test(ns))
    throw new LabError(`refusing to act on namespace "${ns}": not a lab namespace`);
}

/** argv that runs `argv` inside lab namespace `ns`. */
export function inNs(ns: string, argv: readonly string[]): string[] {
  assertLabNs(ns);
  return ["ip", "netns", "exec", ns, ...argv];
}

function ip(ns: string, args: readonly string[]): string {
  assertLabNs(ns);
  return mustRun("ip", ["-n", ns, ...args]);
}

function addNamespace(ns: string): void {
  assertLabNs(ns);
  mustRun("ip", ["netns", "add", ns]);
  // IPv4 only: no IPv6 link-local addresses, so every lab packet carries an address of its range (198.18.0.0/15).
  const [cmd, ...args] = inNs(ns, [
    "sh",
    "-c",
    "for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done",
  ]);
  runSync(cmd, args);
  ip(ns, ["link", "set", "lo", "up"]);
}

/** A namespace joined to a bridge: what {@link createBridgedNetwork} needs of a host. */
export interface BridgedHost {
  /** Lab namespace of the host. */
  readonly ns: string;
  /** Address of its `eth0`. */
  readonly address: string;
  /** Bridge-side veth name in the bridge namespace. */
  readonly bridgePort: string;
}

/**
 * Creates namespace `bridgeNs` with `br0`, then one namespace per host joined to it by a veth pair
 * whose host end is `eth0` with `address/prefix`. Links are created inside the namespaces: nothing
 * appears in the host's namespace. The HA lab and the etcd restore drill both build theirs so.
 */
export function createBridgedNetwork(bridgeNs: string, hosts: readonly BridgedHost[], prefix: number): void {
  addNamespace(bridgeNs);
  ip(bridgeNs, ["link", "add", "br0", "type", "bridge"]);
  ip(bridgeNs, ["link", "set", "br0", "up"]);
  for (const h of hosts) {
    addNamespace(h.ns);
    ip(bridgeNs, ["link", "add", h.bridgePort, "type", "veth", "peer", "name", "eth0", "netns", h.ns]);
    ip(bridgeNs, ["link", "set", h.bridgePort, "master", "br0", "up"]);
    ip(h.ns, ["addr", "add", `${h.address}/${prefix}`, "dev", "eth0"]);
    ip(h.ns, ["link", "set", "eth0", "up"]);
  }
}

/** The HA lab's network: its bridge namespace and every host of `t` on the lab /24. */
export function createNetwork(t: LabTopology): void {
  createBridgedNetwork(t.bridgeNs, allHosts(t), NET.prefix);
}

/** Names of existing lab namespaces (from this run or a killed one). */
export function listLabNamespaces(): string[] {
  const out = runSync("ip", ["netns", "list"]).stdout;
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n && n.startsWith(NS_PREFIX));
}

/** Process ids running in lab namespace `ns`. */
export function pidsIn(ns: string): number[] {
  assertLabNs(ns);
  const r = runSync("ip", ["netns", "pids", ns]);
  return r.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** Sends `signal` to every process in lab namespace `ns` (the host "loses power"); returns their pids. */
export function signalNamespace(ns: string, signal: NodeJS.Signals): number[] {
  const pids = pidsIn(ns);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  return pids;
}

/**
 * Polls (every 5 ms, bounded) until no process is left in `ns` and no TCP socket listens there;
 * returns when. Both are needed: an exiting process leaves the namespace's process list before
 * the kernel has released its files (socket release runs as deferred task work), and until then
 * its listener still completes handshakes. From the returned time on nothing in `ns` accepts.
 */
export async function waitNamespaceEmpty(ns: string, timeoutMs: number): Promise<number> {
  assertLabNs(ns);
  const r = await pollUntil(
    `every process in ${ns} to exit and its listeners to close`,
    async () => {
      const pids = await runAsync("ip", ["netns", "pids", ns], 2_000);
      if (pids.stdout.trim() !== "") return undefined;
      const listeners = await runAsync("ss", ["-N", ns, "-H", "-l", "-t", "-n"], 2_000);
      return listeners.code === 0 && listeners.stdout.trim() === "" ? true : undefined;
    },
    { timeoutMs, intervalMs: 5 },
  );
  return r.at;
}

/** Kills everything in `ns` (bounded wait for the processes to go) and deletes the namespace. */
export function deleteNamespace(ns: string): void {
  for (let i = 0; i < 30 && signalNamespace(ns, "SIGKILL").length > 0; i++) sleepSync(100);
  runSync("ip", ["netns", "del", ns]);
}

/** Sets the bridge side of a host's cable up or down (pulling the cable). */
export async function setCable(t: LabTopology, h: LabHost, up: boolean): Promise<void> {
  const r = await runAsync("ip", ["-n", t.bridgeNs, "link", "set", h.bridgePort, up ? "up" : "down"]);
  if (r.code !== 0) throw new LabError(`cannot set ${h.bridgePort} ${up ? "up" : "down"}: ${r.stderr.trim()}`);
}

/**
 * Sets a host's own eth0 down or up, inside its namespace: a host that vanishes without a word (a
 * kernel hang, a dead NIC). Nothing answers for it, not even an RST: packets to it are dropped.
 */
export async function setHostLink(h: LabHost, up: boolean): Promise<void> {
  assertLabNs(h.ns);
  const r = await runAsync("ip", ["-n", h.ns, "link", "set", "eth0", up ? "up" : "down"]);
  if (r.code !== 0) throw new LabError(`cannot set eth0 of ${h.name} ${up ? "up" : "down"}: ${r.stderr.trim()}`);
}

/** Removes `address/prefix` from a host's eth0 if present (what a reboot does to a VIP left behind). */
export async function dropAddress(h: LabHost, cidr: string): Promise<void> {
  assertLabNs(h.ns);
  await runAsync("ip", ["-n", h.ns, "addr", "del", cidr, "dev", "eth0"]);
}
