import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { mustRun } from "../lib/sh";
import { makeSelfSigned, NEW_P256_KEY } from "../tls";

/** A stacked member as kubeadm's certificates name it. */
export interface PkiMember {
  /** Node name: the certificates' CN and first DNS name, and the etcd member name. */
  readonly name: string;
  /** Advertise address. */
  readonly address: string;
}

/** One certificate kubeadm makes for etcd (`cmd/kubeadm/app/phases/certs/certlist.go`). */
interface Leaf {
  readonly file: string;
  readonly cn: string;
  readonly usage: "serverAuth,clientAuth" | "clientAuth";
  readonly sans?: string;
}

/**
 * Makes kubeadm's etcd PKI with openssl: the `etcd-ca` CA and, per member in
 * `<root>/<name>/etc/kubernetes/pki/etcd/`, the CA, `server` and `peer` (CN and DNS = node name,
 * plus localhost, the address, 127.0.0.1 and ::1; server and client auth) and
 * `healthcheck-client` (client auth). The writer gets `apiserver-etcd-client` in `<root>/client/`.
 * Keys are ECDSA P-256, what kubeadm makes with `encryptionAlgorithm: ECDSA-P256` (its default
 * RSA-2048 took 8.5 s for these 11 keys on a test machine, P-256 a fraction of a second); 0600;
 * valid for one day.
 */
export function makeEtcdPki(root: string, members: readonly PkiMember[]): void {
  const caDir = join(root, "ca");
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  const ca = { crt: join(caDir, "ca.crt"), key: join(caDir, "ca.key") };
  makeSelfSigned({
    subject: "/CN=etcd-ca",
    keyFile: ca.key,
    certFile: ca.crt,
    extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign"],
  });
  for (const m of members) {
    const dir = pkiDirOf(root, m.name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    copyFileSync(ca.crt, join(dir, "ca.crt"));
    const sans = `DNS:${m.name},DNS:localhost,IP:${m.address},IP:127.0.0.1,IP:0:0:0:0:0:0:0:1`;
    const leaves: Leaf[] = [
      { file: "server", cn: m.name, usage: "serverAuth,clientAuth", sans },
      { file: "peer", cn: m.name, usage: "serverAuth,clientAuth", sans },
      { file: "healthcheck-client", cn: "kube-etcd-healthcheck-client", usage: "clientAuth" },
    ];
    for (const leaf of leaves) sign(dir, leaf, ca);
  }
  const clientDir = join(root, "client");
  mkdirSync(clientDir, { recursive: true, mode: 0o700 });
  copyFileSync(ca.crt, join(clientDir, "ca.crt"));
  sign(clientDir, { file: "apiserver-etcd-client", cn: "kube-apiserver-etcd-client", usage: "clientAuth" }, ca);
}

/** Where a member's etcd certificates are: its host's `/etc/kubernetes/pki/etcd`. */
export function pkiDirOf(root: string, member: string): string {
  return join(root, member, "etc", "kubernetes", "pki", "etcd");
}

function sign(dir: string, leaf: Leaf, ca: { crt: string; key: string }): void {
  const key = join(dir, `${leaf.file}.key`);
  const csr = join(dir, `${leaf.file}.csr`);
  const ext = join(dir, `${leaf.file}.ext`);
  mustRun("openssl", ["req", "-new", ...NEW_P256_KEY, "-subj", `/CN=${leaf.cn}`, "-keyout", key, "-out", csr]);
  const lines = [
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${leaf.usage}`,
    ...(leaf.sans ? [`subjectAltName=${leaf.sans}`] : []),
  ];
  writeFileSync(ext, lines.join("\n") + "\n");
  mustRun("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.crt,
    "-CAkey",
    ca.key,
    "-set_serial",
    `0x${randomBytes(8).toString("hex")}`,
    "-days",
    "1",
    "-extfile",
    ext,
    "-out",
    join(dir, `${leaf.file}.crt`),
  ]);
  chmodSync(key, 0o600);
  rmSync(csr);
  rmSync(ext);
}
