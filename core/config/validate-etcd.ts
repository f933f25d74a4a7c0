import { show } from "./problems";
import { Report, Warn } from "./report";
import { RawConfig } from "./schema";

/** `externalEtcdEndpoints` are https client URLs; an even count is allowed with a warning. */
export function validateEtcd(c: Pick<RawConfig, "externalEtcdEndpoints">, report: Report, warn: Warn): void {
  const endpoints = c.externalEtcdEndpoints;
  endpoints.forEach((e, i) => {
    if (!/^https:\/\/[A-Za-z0-9.-]+:\d+$/.test(e)) report(["externalEtcdEndpoints", i], `${show(e)} is not an etcd client URL such as "https://10.0.0.20:2379"`);
  });
  if (endpoints.length > 0 && endpoints.length % 2 === 0) {
    warn(`externalEtcdEndpoints has ${endpoints.length} members: an even count tolerates no more failures than ${endpoints.length - 1}`);
  }
}
