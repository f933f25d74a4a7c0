/**
 * Entry of the api-server STAND-IN, one per control-plane namespace. kube-apiserver cannot be
 * installed on this machine; this process plays its part towards HAProxy and the client: TLS on
 * the api port, `/readyz` tied to its local etcd member's quorum, and etcd-backed reads and writes
 * (see standin/server.ts). Usage:
 * `apiserver-standin.ts --name cp1 --port 6443 --cert F --key F`
 */
import { parseArgs } from "node:util";
import { EtcdGateway } from "./standin/etcd-gateway";
import { createStandin } from "./standin/server";
import { STANDIN } from "./settings";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    port: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
  },
});
if (!values.name || !values.port || !values.cert || !values.key) {
  console.error("usage: apiserver-standin.ts --name NAME --port PORT --cert FILE --key FILE");
  process.exit(2);
}
const port = Number(values.port);
const server = createStandin({
  name: values.name,
  certFile: values.cert,
  keyFile: values.key,
  etcd: new EtcdGateway("127.0.0.1", 2379),
  readyzTimeoutMs: STANDIN.readyzTimeoutMs,
  kvTimeoutMs: STANDIN.kvTimeoutMs,
  keepAliveMs: STANDIN.keepAliveMs,
});
server.listen(port, () => console.log(`api-server stand-in ${values.name} listening on :${port} (TLS)`));
process.on("SIGTERM", () => process.exit(0));
