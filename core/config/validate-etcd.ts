import { isDnsName, isIpv4 } from "../lib/net";
import { show } from "./problems";
import { Report, Warn } from "./report";
import { RawConfig } from "./schema";
import { EtcdSpec, HostSpec, quorumOf } from "./types";

/** Member counts `etcdHosts` accepts: odd (an even count adds no tolerance), at most 7 (etcd FAQ "What is maximum cluster size?"). */
export const ETCD_HOST_COUNTS = [3, 5, 7] as const;

/** The client port of every etcd member the program builds. */
export const ETCD_CLIENT_PORT = 2379;

/** `https://<host>:<port>` with a canonical IPv4 address or a DNS name (`010.0.0.20` would be read as octal by some resolvers). */
function isEtcdUrl(text: string): boolean {
  const m = /^https:\/\/([^/:]+):([1-9]\d{0,4})$/.exec(text);
  return m !== null && (isIpv4(m[1]) || isDnsName(m[1])) && Number(m[2]) <= 65535;
}

/** The client URL of an etcd host: what the api-servers and verify reach it at. */
export function etcdClientUrl(host: Pick<HostSpec, "privateAddress">): string {
  return `https://${host.privateAddress}:${ETCD_CLIENT_PORT}`;
}

/**
 * `externalEtcdEndpoints` are https client URLs (an even count is allowed with a warning);
 * `etcdHosts` holds 3, 5 or 7 hosts, is bare metal only (aws: `etcdCount`), and excludes `externalEtcdEndpoints`.
 * The hosts themselves are checked with the other host lists (validate-hosts, validate-host-clashes).
 */
export function validateEtcd(
  c: Pick<RawConfig, "externalEtcdEndpoints" | "etcdHosts" | "etcdCount" | "platform">,
  report: Report,
  warn: Warn,
): void {
  const endpoints = c.externalEtcdEndpoints;
  endpoints.forEach((e, i) => {
    if (!isEtcdUrl(e))
      report(
        ["externalEtcdEndpoints", i],
        `${show(e)} is not an etcd client URL such as "https://10.0.0.20:2379" (https, a canonical IPv4 address or DNS name, a port 1-65535)`,
      );
  });
  if (endpoints.length > 0 && endpoints.length % 2 === 0) {
    warn(
      `externalEtcdEndpoints has ${endpoints.length} members: an even count tolerates no more failures than ${endpoints.length - 1}`,
    );
  }
  // On aws, etcdCount is checked with the other counts (validate-aws.ts): it places hosts.
  if (c.etcdCount !== undefined && c.etcdCount !== 0 && c.platform !== "aws") {
    report(
      ["etcdCount"],
      `${c.etcdCount}: etcdCount is an aws key (instances the program creates); on bare metal list the etcd hosts in etcdHosts`,
    );
  }
  const hosts = c.etcdHosts ?? [];
  if (hosts.length === 0) return;
  if (c.platform === "aws") {
    report(
      ["etcdHosts"],
      `lists existing hosts, but on aws the program creates every host: set etcdCount to ${(ETCD_HOST_COUNTS as readonly number[]).includes(hosts.length) ? hosts.length : "3, 5 or 7"} instead (etcd instances spread over the AZs), or use platform baremetal`,
    );
    return;
  }
  if (endpoints.length > 0) {
    report(
      ["etcdHosts"],
      "is set together with externalEtcdEndpoints; give one of them: etcdHosts (etcd built by this program) or externalEtcdEndpoints (an etcd you run)",
    );
  }
  if (!(ETCD_HOST_COUNTS as readonly number[]).includes(hosts.length)) {
    const q = quorumOf(hosts.length);
    const why =
      hosts.length % 2 === 0
        ? `; etcd quorum is floor(N/2)+1 = ${q.quorum}, so ${hosts.length} tolerate ${q.toleratedFailures} failure(s), no more than ${hosts.length - 1}`
        : hosts.length > 7
          ? "; etcd recommends at most 7 members (each write waits for a majority)"
          : "; fewer than 3 members tolerate no failure";
    report(["etcdHosts"], `has ${hosts.length} hosts${why}: give 3, 5 or 7`);
  }
}

/** Where etcd runs, from the checked keys: the program's etcd hosts, a user-built etcd, or stacked. */
export function etcdSpec(externalEndpoints: readonly string[], etcdHosts: readonly HostSpec[]): EtcdSpec {
  if (etcdHosts.length > 0) return { mode: "external", endpoints: etcdHosts.map(etcdClientUrl) };
  if (externalEndpoints.length > 0) return { mode: "external", endpoints: [...externalEndpoints] };
  return { mode: "stacked" };
}
