/**
 * The external etcd variant of the lab (`npm run lab -- --etcd external`): REAL etcd members on
 * their own hosts (namespaces etcd1..etcdN) with kubeadm's TLS layout (server, peer and client
 * certificates of one etcd CA, made with openssl by lab/etcd-restore/pki.ts), and api-server
 * stand-ins on the control planes that reach them as a kube-apiserver with
 * `etcd.external` does: every endpoint, over TLS, with the api-server's etcd client certificate.
 */
import { join } from "node:path";
import { LabPaths, startEtcdMember, startStandin } from "../daemons";
import { makeEtcdPki, pkiDirOf } from "../etcd-restore/pki";
import { Daemon } from "../lib/daemon";
import { LabHost, LabTopology } from "../net/topology";
import { LabCert } from "../tls";

/** Where the run keeps the etcd PKI (member folders, and `client/` with the api-server's certificate). */
export function etcdPkiRoot(p: LabPaths): string {
  return join(p.work, "etcd-pki");
}

/** Makes the etcd CA and every member's and the api-server's certificates (kubeadm's file names). */
export function makeExternalEtcdPki(p: LabPaths, t: LabTopology): void {
  makeEtcdPki(
    etcdPkiRoot(p),
    t.etcds.map((h) => ({ name: h.name, address: h.address })),
  );
}

/**
 * One etcd member on an etcd host, with the flags kubeadm's `etcd local` phase gives a member
 * (client and peer TLS with client-certificate auth, one CA), and the membership of the guide:
 * a static initial cluster of every etcd host. Restarting on the same data dir rejoins.
 */
export function startExternalEtcd(p: LabPaths, t: LabTopology, h: LabHost, token: string): Daemon {
  return startEtcdMember(p, h, t.etcds, token, pkiDirOf(etcdPkiRoot(p), h.name));
}

/** The api-server stand-in of a control plane, on the etcd hosts' endpoints with the api-server's client certificate. */
export function startExternalStandin(p: LabPaths, t: LabTopology, cp: LabHost, cert: LabCert): Daemon {
  const client = join(etcdPkiRoot(p), "client");
  return startStandin(p, t, cp, cert, [
    // What ClusterConfiguration.etcd.external renders: the same endpoints, in the same order.
    "--etcd-endpoints",
    t.spec.etcd.mode === "external" ? t.spec.etcd.endpoints.join(",") : "",
    "--etcd-ca",
    join(client, "ca.crt"),
    "--etcd-cert",
    join(client, "apiserver-etcd-client.crt"),
    "--etcd-key",
    join(client, "apiserver-etcd-client.key"),
  ]);
}

/**
 * `etcdctl` with the api-server's client certificate against `endpoints`, as argv for a lab namespace
 * (Debian's etcdctl 3.4).
 */
export function etcdctlArgv(p: LabPaths, endpoints: readonly string[], args: readonly string[]): string[] {
  const client = join(etcdPkiRoot(p), "client");
  return [
    "etcdctl",
    `--endpoints=${endpoints.join(",")}`,
    `--cacert=${join(client, "ca.crt")}`,
    `--cert=${join(client, "apiserver-etcd-client.crt")}`,
    `--key=${join(client, "apiserver-etcd-client.key")}`,
    "--command-timeout=3s",
    ...args,
  ];
}
