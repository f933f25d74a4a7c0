/**
 * Entry of the api-server STAND-IN, one per control-plane namespace. kube-apiserver cannot be
 * installed on this machine; this process plays its part towards HAProxy and the client: TLS on
 * the api port, `/readyz` tied to its local etcd member's quorum, and etcd-backed reads and writes
 * (see standin/server.ts). Usage:
 * `apiserver-standin.ts --name cp1 --port 6443 --cert F --key F`, and with external etcd
 * `--etcd-endpoints https://A:2379,https://B:2379 --etcd-ca F --etcd-cert F --etcd-key F`
 * (the api-server's `--etcd-servers` and its etcd client certificate).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { EtcdApi, EtcdGateway } from "./standin/etcd-gateway";
import { FailoverEtcd } from "./standin/failover-etcd";
import { createStandin } from "./standin/server";
import { STANDIN } from "./settings";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    port: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    "etcd-endpoints": { type: "string" },
    "etcd-ca": { type: "string" },
    "etcd-cert": { type: "string" },
    "etcd-key": { type: "string" },
  },
});
if (!values.name || !values.port || !values.cert || !values.key) {
  console.error("usage: apiserver-standin.ts --name NAME --port PORT --cert FILE --key FILE");
  process.exit(2);
}
const port = Number(values.port);
/** Stacked: the local member over plain HTTP; external: every endpoint over TLS with the client certificate. */
function etcdOf(): EtcdApi {
  const endpoints = values["etcd-endpoints"];
  if (!endpoints) return new EtcdGateway("127.0.0.1", 2379);
  const [ca, cert, key] = [values["etcd-ca"], values["etcd-cert"], values["etcd-key"]].map((f) => {
    if (!f) {
      console.error("--etcd-endpoints needs --etcd-ca, --etcd-cert and --etcd-key");
      process.exit(2);
    }
    return readFileSync(f);
  });
  return new FailoverEtcd(
    endpoints.split(",").map((e) => {
      const u = new URL(e);
      return new EtcdGateway(u.hostname, Number(u.port), { ca, cert, key });
    }),
  );
}
const server = createStandin({
  name: values.name,
  certFile: values.cert,
  keyFile: values.key,
  etcd: etcdOf(),
  readyzTimeoutMs: STANDIN.readyzTimeoutMs,
  kvTimeoutMs: STANDIN.kvTimeoutMs,
  keepAliveMs: STANDIN.keepAliveMs,
});
server.listen(port, () => console.log(`api-server stand-in ${values.name} listening on :${port} (TLS)`));
process.on("SIGTERM", () => process.exit(0));
