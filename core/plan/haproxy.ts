import { ClusterSpec } from "../config/types";

/** One section of haproxy.cfg: a header line and its directives, in order. */
export interface HaproxySection {
  /** Section header, e.g. `backend kube-apiserver`. */
  readonly header: string;
  /** Directives, one per line. */
  readonly directives: readonly string[];
}

/** Timeouts of the api-server frontend; exported so the lab and README quote the same figures. */
export const HAPROXY_TIMEOUTS = {
  // A handshake with a live api-server on the cluster network takes milliseconds: one that has not
  // answered in 1 s is gone (power, cable, kernel hang: no RST), and the attempt goes elsewhere.
  connect: "1s",
  client: "20s",
  server: "20s",
  // Idle watches and `kubectl logs -f` streams are cut after client/server timeout without this.
  tunnel: "1h",
  clientFin: "20s",
  // Read timeout of a health check once connected (a slow /readyz); its connect phase is min(timeout connect, inter).
  check: "2s",
} as const;

/**
 * Health-check cadence. A vanished server (no RST) is DOWN at worst inter + fall x min(timeout
 * connect, inter) + (fall - 1) x fastinter = 1 + 2 x 1 + 0.5 = 3.5 s after it went (the next check
 * starts `inter` after the previous one ended, HAProxy src/check.c); a killed one (RST) after
 * inter + (fall - 1) x fastinter = 1.5 s.
 */
export const HAPROXY_CHECK = { inter: "1s", fastinter: "500ms", fall: 2, rise: 2 } as const;

/**
 * Passive health (`observe layer4`): a failed connection of real traffic (refused, or no answer
 * within `timeout connect`) marks the server DOWN at once, without waiting for the checks; the
 * checks bring it back after `rise` passes.
 */
export const HAPROXY_OBSERVE = { errorLimit: 1, onError: "mark-down" } as const;

/** kube-apiserver's `--request-timeout` default (s): no ordinary API request runs longer. */
export const APISERVER_REQUEST_TIMEOUT_S = 60;

/**
 * After a reload the old worker serves its open connections for at most this long (`hard-stop-after`):
 * every ordinary request, bounded by the api-server's request timeout (60 s), ends on it; the
 * long-running ones (watches, `logs -f`, exec), which would keep it alive up to `timeout tunnel` or
 * forever, are then closed and re-opened by their clients (client-go re-watches) on the new worker.
 */
export const HAPROXY_HARD_STOP_AFTER = "90s";

/** Debian's unprivileged HAProxy user, group and chroot (its packaged haproxy.cfg sets the same). */
export const HAPROXY_PRIVILEGES = { user: "haproxy", group: "haproxy", chroot: "/var/lib/haproxy" } as const;

/**
 * The typed haproxy.cfg for the api-server frontend: HAProxy on `apiPort`, every api-server on
 * `apiServerPort` (the same port on separate LB hosts; the next one when HAProxy shares the control planes).
 */
export function haproxyConfig(
  spec: Pick<ClusterSpec, "apiPort" | "apiServerPort" | "controlPlanes">,
): HaproxySection[] {
  const servers = spec.controlPlanes.map(
    (cp) => `server ${cp.name} ${cp.privateAddress}:${spec.apiServerPort} check check-ssl verify none`,
  );
  const { inter, fastinter, fall, rise } = HAPROXY_CHECK;
  return [
    {
      header: "global",
      directives: [
        "log stdout format raw local0 info",
        // The workers drop root after binding (the master stays root to reload).
        `chroot ${HAPROXY_PRIVILEGES.chroot}`,
        `user ${HAPROXY_PRIVILEGES.user}`,
        `group ${HAPROXY_PRIVILEGES.group}`,
        // ~2 file descriptors per connection: 8000 fits a 20000 FD hard limit (containers, the lab)
        // with strict-limits kept on, and is far above what kubelets and clients open (a few per node).
        "maxconn 8000",
        "stats socket /run/haproxy/admin.sock mode 660 level admin",
        `hard-stop-after ${HAPROXY_HARD_STOP_AFTER}`,
      ],
    },
    {
      header: "defaults",
      directives: [
        "mode tcp",
        "log global",
        "option tcplog",
        "option dontlognull",
        // A new connection that fails (refused, or no answer in `timeout connect`) is retried on another server at once.
        "retries 3",
        "option redispatch 1",
        `timeout connect ${HAPROXY_TIMEOUTS.connect}`,
        `timeout client ${HAPROXY_TIMEOUTS.client}`,
        `timeout server ${HAPROXY_TIMEOUTS.server}`,
        `timeout tunnel ${HAPROXY_TIMEOUTS.tunnel}`,
        `timeout client-fin ${HAPROXY_TIMEOUTS.clientFin}`,
        `timeout check ${HAPROXY_TIMEOUTS.check}`,
      ],
    },
    { header: "frontend kube-apiserver", directives: [`bind :${spec.apiPort}`, "default_backend kube-apiserver"] },
    {
      header: "backend kube-apiserver",
      directives: [
        // Watches are long-lived: spread by open connections, not by turns.
        "balance leastconn",
        "option httpchk",
        "http-check connect ssl",
        "http-check send meth GET uri /readyz",
        "http-check expect status 200",
        // No `on-marked-down shutdown-sessions`: it also kills the connections HAProxy is redispatching
        // away from the server (log state D-), so clients would get resets for requests no server saw.
        `default-server inter ${inter} fastinter ${fastinter} fall ${fall} rise ${rise} ` +
          `observe layer4 error-limit ${HAPROXY_OBSERVE.errorLimit} on-error ${HAPROXY_OBSERVE.onError}`,
        ...servers,
      ],
    },
  ];
}

/** Serialises sections in HAProxy's layout. */
export function serialiseHaproxy(sections: readonly HaproxySection[]): string {
  return sections.map((s) => [s.header, ...s.directives.map((d) => `    ${d}`)].join("\n")).join("\n\n") + "\n";
}
