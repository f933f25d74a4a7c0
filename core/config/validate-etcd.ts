import { isDnsName, isIpv4 } from "../lib/net";
import { show } from "./problems";
import { Report, Warn } from "./report";
import { RawConfig } from "./schema";

/** `https://<host>:<port>` with a canonical IPv4 address or a DNS name (`010.0.0.20` would be read as octal by some resolvers). */
function isEtcdUrl(text: string): boolean {
  const m = /^https:\/\/([^/:]+):([1-9]\d{0,4})$/.exec(text);
  return m !== null && (isIpv4(m[1]) || isDnsName(m[1])) && Number(m[2]) <= 65535;
}

/** `externalEtcdEndpoints` are https client URLs; an even count is allowed with a warning. */
export function validateEtcd(c: Pick<RawConfig, "externalEtcdEndpoints">, report: Report, warn: Warn): void {
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
}
