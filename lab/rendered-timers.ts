import { LabError } from "./lib/errors";

/** The timers of the rendered haproxy.cfg and keepalived.conf that the lab's bounds follow. */
export interface RenderedTimers {
  /** HAProxy `inter`: time between health checks of one server (ms). */
  readonly checkInterMs: number;
  /** HAProxy `fall`: failed checks that mark a server DOWN. */
  readonly checkFall: number;
  /** HAProxy `rise`: passed checks that mark a server UP again. */
  readonly checkRise: number;
  /** HAProxy `fastinter`: time between checks of a server in transition, after a failed check (ms; `inter` when unset). */
  readonly checkFastInterMs: number;
  /**
   * HAProxy `error-limit` with `observe layer4`: failed connections of real traffic that trigger
   * `on-error`; undefined without `observe`.
   */
  readonly observeErrorLimit?: number;
  /** HAProxy `on-error` action (`mark-down`, ...), with `observe`. */
  readonly onError?: string;
  /** HAProxy `timeout connect` (ms). */
  readonly timeoutConnectMs: number;
  /** HAProxy `timeout check` (ms): a check's read timeout; unset, `inter` bounds the whole check. */
  readonly timeoutCheckMs?: number;
  /** HAProxy `timeout client` and `timeout server`, the larger (ms): an idle connection is cut after it without `timeout tunnel`. */
  readonly timeoutIdleMs: number;
  /** HAProxy `timeout tunnel` (ms). */
  readonly timeoutTunnelMs: number;
  /** keepalived `advert_int` (ms), the same on both load balancers. */
  readonly advertIntMs: number;
  /** keepalived `vrrp_version`, the same on both load balancers (2 when unset). */
  readonly vrrpVersion: number;
  /** The lowest keepalived `priority` of the pair: the slowest to take the VIP over. */
  readonly lowestPriority: number;
}

/** HAProxy's defaults when the config leaves a check setting out (HAProxy 2.6 configuration manual). */
const HAPROXY_CHECK_DEFAULTS = { inter: 2_000, fall: 3, rise: 2, "error-limit": 10 } as const;
/** keepalived's defaults: advert_int 1 s, priority 100, VRRP version 2. */
const KEEPALIVED_DEFAULTS = { advertIntMs: 1_000, priority: 100, version: 2 } as const;

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** An HAProxy time value in ms: a number with an optional unit (us, ms, s, m, h, d; none = ms). */
export function haproxyMs(value: string): number {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value);
  if (!m) throw new LabError(`not an HAProxy time: "${value}"`);
  return Number(m[1]) * UNIT_MS[m[2] ?? "ms"];
}

/** Every line of `text`, trimmed, split into words. */
function lines(text: string): string[][] {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] !== "" && !w[0].startsWith("#"));
}

/** The largest value of `timeout <name>` anywhere in haproxy.cfg; undefined when there is none. */
function optionalTimeout(cfg: string[][], name: string): number | undefined {
  const values = cfg.filter((w) => w[0] === "timeout" && w[1] === name).map((w) => haproxyMs(w[2]));
  return values.length === 0 ? undefined : Math.max(...values);
}

/** The largest value of `timeout <name>` anywhere in haproxy.cfg; throws when there is none. */
function timeout(cfg: string[][], name: string): number {
  const value = optionalTimeout(cfg, name);
  if (value === undefined) throw new LabError(`haproxy.cfg sets no timeout ${name}`);
  return value;
}

/** Every value of keyword `key` on `default-server`/`server` lines. */
function serverWords(cfg: string[][], key: string): string[] {
  return cfg
    .filter((w) => w[0] === "default-server" || w[0] === "server")
    .flatMap((w) => {
      const at = w.indexOf(key);
      return at > 0 && at + 1 < w.length ? [w[at + 1]] : [];
    });
}

/** The largest value of check keyword `key` on `default-server`/`server` lines (worst case), or the default. */
function checkSetting(cfg: string[][], key: "inter" | "fall" | "rise" | "error-limit"): number {
  const values = serverWords(cfg, key).map((v) => (key === "inter" ? haproxyMs(v) : Number(v)));
  return values.length > 0 ? Math.max(...values) : HAPROXY_CHECK_DEFAULTS[key];
}

/** Values of keyword `key` in a keepalived.conf. */
function keepalivedNumbers(conf: string, key: string): number[] {
  return lines(conf)
    .filter((w) => w[0] === key && w.length === 2)
    .map((w) => Number(w[1]));
}

/** Reads the timers from the rendered haproxy.cfg and the keepalived.conf of every load balancer. */
export function renderedTimers(haproxyCfg: string, keepalivedConfs: readonly string[]): RenderedTimers {
  const cfg = lines(haproxyCfg);
  const adverts = keepalivedConfs.map((c) => {
    const seconds = keepalivedNumbers(c, "advert_int")[0];
    return seconds === undefined ? KEEPALIVED_DEFAULTS.advertIntMs : Math.round(seconds * 1_000);
  });
  if (new Set(adverts).size !== 1)
    throw new LabError(`the load balancers advertise at different intervals: ${adverts.join(", ")} ms`);
  const priorities = keepalivedConfs.map((c) => keepalivedNumbers(c, "priority")[0] ?? KEEPALIVED_DEFAULTS.priority);
  if ([...adverts, ...priorities].some((n) => !Number.isFinite(n) || n <= 0))
    throw new LabError("keepalived.conf: advert_int or priority is not a positive number");
  // VRRPv2 and v3 adverts are not understood by the other version: the pair must agree.
  const versions = keepalivedConfs.map((c) => keepalivedNumbers(c, "vrrp_version")[0] ?? KEEPALIVED_DEFAULTS.version);
  if (new Set(versions).size !== 1)
    throw new LabError(`the load balancers speak different VRRP versions: ${versions.join(", ")}`);
  const inter = checkSetting(cfg, "inter");
  const fastinter = serverWords(cfg, "fastinter").map(haproxyMs);
  const observed = serverWords(cfg, "observe").length > 0;
  return {
    checkInterMs: inter,
    checkFall: checkSetting(cfg, "fall"),
    checkRise: checkSetting(cfg, "rise"),
    checkFastInterMs: fastinter.length > 0 ? Math.max(...fastinter) : inter,
    ...(observed
      ? {
          observeErrorLimit: checkSetting(cfg, "error-limit"),
          onError: serverWords(cfg, "on-error")[0] ?? "fail-check",
        }
      : {}),
    timeoutConnectMs: timeout(cfg, "connect"),
    ...(optionalTimeout(cfg, "check") !== undefined ? { timeoutCheckMs: optionalTimeout(cfg, "check") } : {}),
    timeoutIdleMs: Math.max(timeout(cfg, "client"), timeout(cfg, "server")),
    timeoutTunnelMs: timeout(cfg, "tunnel"),
    advertIntMs: adverts[0],
    vrrpVersion: versions[0],
    lowestPriority: Math.min(...priorities),
  };
}
