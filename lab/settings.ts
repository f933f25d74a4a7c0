/**
 * Every number of the lab in one place: names, addresses, rates, timeouts and the allowances the
 * drills' bounds add to the rendered timers. The bounds themselves are computed from the timers of
 * the rendered haproxy.cfg and keepalived.conf in lab/bounds.ts, not set here.
 */

/**
 * Prefix of every network namespace the lab creates; leftovers with it are removed at start.
 * Distinct from the tests' throw-away `kha-test-<pid>` namespaces, which the lab must not touch.
 */
export const NS_PREFIX = "kha-lab-";
/** Scratch folder: configs, certificates, etcd data, daemon logs. Wiped at start, kept after a run. */
export const WORK_DIR = "/tmp/kubeadm-ha-lab";
/** Lock file that keeps two lab runs apart. */
export const LOCK_FILE = "/tmp/kubeadm-ha-lab.lock";
/** Default report path, relative to the repository root. */
export const DEFAULT_REPORT = "lab-results/lab-report.json";

/** The lab network: a /24 inside the benchmarking range 198.18.0.0/15 (RFC 2544), never routed. */
export const NET = {
  /** The whole range every lab address must lie in. */
  range: "198.18.0.0/15",
  /** First three octets of the lab /24. */
  base: "198.18.0",
  prefix: 24,
  /** Last octet of the VIP. */
  vipHost: 100,
  /** Last octets: lb1, lb2 = 11, 12; cpN = 20 + N; client = 50. */
  lbHostBase: 10,
  cpHostBase: 20,
  clientHost: 50,
  /** Last octets of the etcd hosts (`--etcd external`): etcdN = 30 + N. */
  etcdHostBase: 30,
} as const;

/** Client request loop through the VIP. */
export const LOOP = {
  /** Requests started per second (open loop: the schedule does not wait for answers). */
  ratePerSecond: 20,
  /**
   * Per-request limit. Larger than TCP's SYN retransmits at +1 s and +3 s plus a 4 s VIP move,
   * so a request that only waited for the VIP is not counted as failed.
   */
  requestTimeoutMs: 10_000,
  /** Hard cap on one loop's length. */
  maxDurationMs: 60_000,
  /** Hard cap on requests in flight; a tick above it is recorded as skipped. */
  maxInFlight: 200,
  /** Traffic before a fault is injected and after it is over. */
  leadMs: 1_500,
  tailMs: 1_500,
} as const;

/** How long the drills without a timer bound last. */
export const DRILL = {
  /** The steady-state loop (drill 1), between its lead and tail time. */
  steadyMs: 8_000,
  /** A control plane stays black-holed (link down, no RST) this long (drill 9). */
  blackholeMs: 15_000,
} as const;

/** The api-server stand-in. */
export const STANDIN = {
  /** `/readyz` answers 200 only if a linearizable etcd read returns within this. */
  readyzTimeoutMs: 1_000,
  /** Limit of one etcd write or read behind `/kv`. */
  kvTimeoutMs: 4_000,
  /** Idle keep-alive connections are kept this long (the idle drill needs more than 25 s). */
  keepAliveMs: 120_000,
} as const;

/** Limits of setup waits. */
export const WAIT = {
  readyMs: 45_000,
  vipMs: 20_000,
  keepalivedStateMs: 15_000,
  daemonExitMs: 5_000,
  /** VIP polling period (the brief asks for 20-50 ms). */
  vipPollMs: 20,
  /** Whole-run watchdog: the lab aborts (and cleans up) past this. */
  watchdogMs: 8 * 60_000,
} as const;

/** etcd's default election timeout (kubeadm does not change it); heartbeat is 100 ms. */
export const ETCD_ELECTION_TIMEOUT_MS = 1_000;

/**
 * Allowances the bounds add to the rendered HAProxy and keepalived timers (see lab/bounds.ts,
 * where every bound is computed with its formula).
 */
export const ALLOWANCE = {
  /** HAProxy's DOWN line: check scheduling jitter and the log line reaching the lab. */
  markDownMs: 300,
  /** A VIP move: keepalived's scheduling, the address added, and the lab's 20 ms poll seeing it. */
  vipMs: 250,
  /** How much longer than HAProxy's idle timeout (`timeout client/server`) the idle drill waits. */
  idleMs: 5_000,
  /** An etcd member and its stand-in (node + tsx) starting, until the stand-in can answer /readyz. */
  startMs: 5_000,
} as const;

/** Limit of one write attempt while the recovery drill polls the VIP. */
export const RECOVERY_ATTEMPT_MS = 2_000;
