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
 * Generates one self-signed P-256 certificate (1 day) for all stand-ins, with the VIP and every
 * control-plane address as IP SANs, as kubeadm puts them in the api-server certificate.
 */
export function makeCert(dir: string, ips: readonly string[]): LabCert {
  const certFile = join(dir, "standin.crt");
  const keyFile = join(dir, "standin.key");
  mustRun("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=kube-apiserver-standin",
    "-addext",
    `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}`,
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  return { certFile, keyFile };
}
