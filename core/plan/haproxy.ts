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
  connect: "5s",
  client: "20s",
  server: "20s",
  // Idle watches and `kubectl logs -f` streams are cut after client/server timeout without this.
  tunnel: "1h",
  clientFin: "20s",
} as const;

/** Health-check cadence: a dead api-server is out after fall x inter = 4 s. */
export const HAPROXY_CHECK = { inter: "2s", fall: 2, rise: 2 } as const;

/** The typed haproxy.cfg for the api-server frontend. */
export function haproxyConfig(spec: Pick<ClusterSpec, "apiPort" | "controlPlanes">): HaproxySection[] {
  const servers = spec.controlPlanes.map(
    (cp) => `server ${cp.name} ${cp.privateAddress}:${spec.apiPort} check check-ssl verify none`,
  );
  return [
    {
      header: "global",
      directives: [
        "log stdout format raw local0 info",
        // ~2 file descriptors per connection: 8000 fits a 20000 FD hard limit (containers, the lab)
        // with strict-limits kept on, and is far above what kubelets and clients open (a few per node).
        "maxconn 8000",
        "stats socket /run/haproxy/admin.sock mode 660 level admin",
      ],
    },
    {
      header: "defaults",
      directives: [
        "mode tcp",
        "log global",
        "option tcplog",
        "option dontlognull",
        // A new connection that lands on a dead server is retried on another one.
        "retries 3",
        "option redispatch",
        `timeout connect ${HAPROXY_TIMEOUTS.connect}`,
        `timeout client ${HAPROXY_TIMEOUTS.client}`,
        `timeout server ${HAPROXY_TIMEOUTS.server}`,
        `timeout tunnel ${HAPROXY_TIMEOUTS.tunnel}`,
        `timeout client-fin ${HAPROXY_TIMEOUTS.clientFin}`,
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
        // Streams to a dead api-server are closed at once so clients reconnect through a live one.
        `default-server inter ${HAPROXY_CHECK.inter} fall ${HAPROXY_CHECK.fall} rise ${HAPROXY_CHECK.rise} on-marked-down shutdown-sessions`,
        ...servers,
      ],
    },
  ];
}

/** Serialises sections in HAProxy's layout. */
export function serialiseHaproxy(sections: readonly HaproxySection[]): string {
  return sections.map((s) => [s.header, ...s.directives.map((d) => `    ${d}`)].join("\n")).join("\n\n") + "\n";
}
