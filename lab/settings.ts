/**
 * Every number of the lab in one place: names, addresses, rates, timeouts and the bounds that the
 * drills check (the product promise). Timers of HAProxy and keepalived come from the rendered
 * configs, not from here.
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

/** The api-server stand-in. */
export const STANDIN = {
  /** `/readyz` answers 200 only if a linearizable etcd read returns within this. */
  readyzTimeoutMs: 1_000,
  /** Limit of one etcd write or read behind `/kv`. */
  kvTimeoutMs: 4_000,
  /** Idle keep-alive connections are kept this long (the idle drill needs more than 25 s). */
  keepAliveMs: 120_000,
} as const;

/** The idle long-lived connection drill: longer than HAProxy's `timeout client/server` (20 s). */
export const IDLE_MS = 25_000;

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

/** Bounds the drills check. */
export const BOUNDS = {
  /** HAProxy marks a killed api-server down within fall x inter (4 s) plus one second of slack. */
  markDownMs: 5_000,
  /**
   * After the etcd leader is killed, every survivor knows a new leader within two election rounds:
   * a follower times out 1-2 x election timeout after the last heartbeat, and a split vote (etcd
   * 3.4 runs without pre-vote by default) costs one more such round.
   */
  electionMs: 2 * 2 * ETCD_ELECTION_TIMEOUT_MS,
  /** A survivor may still answer 503 this long after the new leader is known (heartbeat, forwarding). */
  electionSlackMs: 250,
  /** VIP on the peer after SIGTERM to the active keepalived (priority-0 advert). */
  vipGracefulMs: 1_000,
  /** VIP on the peer after the active LB dies: 3 x advert_int + skew = 3.6 s. */
  vipHardMs: 4_000,
  /** A write without quorum must fail (not hang) within the stand-in's etcd limit plus slack. */
  quorumWriteFailMs: STANDIN.kvTimeoutMs + 2_000,
  /** Writes through the VIP work again after the lost members restart. */
  recoveryMs: 15_000,
  /** Steady state: at least this share of the scheduled requests must have been sent. */
  minSentShare: 0.9,
} as const;
