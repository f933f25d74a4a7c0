/**
 * Every name, address and limit of the etcd restore drill (`npm run lab:etcd-restore`). Its
 * namespaces carry the lab prefix, so the lab's preflight and cleanup rules cover them, with an
 * `er-` part of their own; its addresses come from 198.19.0.0/16, away from the HA lab's /24.
 */
import { NET, NS_PREFIX } from "../settings";

/** Prefix of this drill's namespaces: `kha-lab-er-cp1`, `kha-lab-er-br`. */
export const DRILL_NS_PREFIX = `${NS_PREFIX}er-`;
/** Scratch folder: certificates, member folders, logs. Wiped at start, kept after a run. */
export const DRILL_DIR = "/tmp/kubeadm-ha-lab-etcd-restore";
/** Default report path, relative to the repository root. */
export const DRILL_REPORT = "lab-results/etcd-restore-report.json";

/**
 * The drill's network: the HA lab's layout (prefix /24; last octets cpN = 20 + N, the writer = the
 * lab's client = 50, the rendered spec's VIP = 100, never configured) on a /24 inside 198.19.0.0/16
 * (RFC 2544 benchmarking space, never routed).
 */
export const DRILL_NET = {
  ...NET,
  /** The range every address of the drill must lie in. */
  range: "198.19.0.0/16",
  /** First three octets. */
  base: "198.19.0",
} as const;

/** Stacked members, as in a three-control-plane cluster. */
export const MEMBERS = 3;

/** Limits and rates. */
export const LIMITS = {
  /** Whole-run watchdog (the drill aims at well under a minute). */
  watchdogMs: 90_000,
  /** Until a started cluster (or a restored one) answers a linearizable read. */
  healthyMs: 20_000,
  /** How long writes go on before the snapshot, and after it. */
  writesBeforeMs: 2_000,
  writesAfterMs: 1_500,
  /** One etcdctl call. */
  etcdctlMs: 5_000,
  /** One rendered script run in the sandbox. */
  scriptMs: 60_000,
} as const;
