import { join } from "node:path";
import { mustRun } from "./lib/sh";

/** Certificate files of the api-server stand-ins. */
export interface LabCert {
  /** PEM certificate; self-signed, so it is its own CA for the client. */
  readonly certFile: string;
  /** PEM private key. */
  readonly keyFile: string;
}

/**
 * openssl's `req` arguments for a new unencrypted ECDSA P-256 key, what kubeadm makes with
 * `encryptionAlgorithm: ECDSA-P256`; every key of the lab is one.
 */
export const NEW_P256_KEY: readonly string[] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A self-signed certificate to make with {@link makeSelfSigned}. */
export interface SelfSigned {
  /** Subject and issuer, e.g. `/CN=etcd-ca`. */
  readonly subject: string;
  /** Where its key and certificate go (PEM). */
  readonly keyFile: string;
  readonly certFile: string;
  /** Its extensions, one `-addext` each, e.g. `basicConstraints=critical,CA:TRUE`. */
  readonly extensions: readonly string[];
}

/** Makes a self-signed P-256 certificate, valid for one day, with openssl. */
export function makeSelfSigned(c: SelfSigned): void {
  mustRun("openssl", [
    "req",
    "-x509",
    ...NEW_P256_KEY,
    "-days",
    "1",
    "-subj",
    c.subject,
    ...c.extensions.flatMap((e) => ["-addext", e]),
    "-keyout",
    c.keyFile,
    "-out",
    c.certFile,
  ]);
}

/**
 * Generates one self-signed P-256 certificate (1 day) for all stand-ins, with the VIP and every
 * control-plane address as IP SANs, as kubeadm puts them in the api-server certificate.
 */
export function makeCert(dir: string, ips: readonly string[]): LabCert {
  const certFile = join(dir, "standin.crt");
  const keyFile = join(dir, "standin.key");
  makeSelfSigned({
    subject: "/CN=kube-apiserver-standin",
    keyFile,
    certFile,
    extensions: [`subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}`],
  });
  return { certFile, keyFile };
}
