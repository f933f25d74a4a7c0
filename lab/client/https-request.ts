import { request } from "node:https";
import { RequestRecord } from "./protocol";
import { nowMs } from "../lib/time";

/** Where requests go and how they are verified. */
export interface Endpoint {
  readonly port: number;
  /** The stand-ins' self-signed certificate, trusted as CA (as kubeconfig's certificate-authority). */
  readonly ca: Buffer;
}

/** What to send. */
export interface RequestSpec {
  /** An IPv4 address (the endpoint's port) or `address:port`. */
  readonly target: string;
  readonly method: "GET" | "PUT";
  readonly path: string;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly seq?: number;
  readonly kind?: RequestRecord["kind"];
  readonly key?: string;
  readonly bodyLimit?: number;
}

/**
 * One HTTPS request on a NEW connection (no keep-alive pool), verified against the CA, bounded by
 * `timeoutMs`. Never rejects: failures are records with `ok: false`.
 */
export function httpsRequest(ep: Endpoint, r: RequestSpec): Promise<RequestRecord> {
  const start = nowMs();
  const base = {
    seq: r.seq ?? 0,
    kind: r.kind ?? "other",
    key: r.key,
    value: r.method === "PUT" ? r.body : undefined,
    start,
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (rec: Omit<RequestRecord, "seq" | "kind" | "start" | "end">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...base, ...rec, end: nowMs() });
    };
    const req = request(
      {
        host: r.target.split(":")[0],
        port: r.target.includes(":") ? Number(r.target.split(":")[1]) : ep.port,
        path: r.path,
        method: r.method,
        ca: ep.ca,
        agent: false,
        headers: r.body !== undefined ? { "content-length": Buffer.byteLength(r.body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const standin = typeof res.headers["x-standin"] === "string" ? res.headers["x-standin"] : undefined;
          finish({
            ok: status >= 200 && status < 300,
            status,
            standin,
            body: Buffer.concat(chunks)
              .toString("utf8")
              .slice(0, r.bodyLimit ?? 500),
          });
        });
        res.on("error", (e) => finish({ ok: false, error: e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: `timeout after ${r.timeoutMs} ms` });
      req.destroy();
    }, r.timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    req.end(r.body);
  });
}
