import { Agent, request } from "node:http";
import { Agent as TlsAgent, request as tlsRequest } from "node:https";

/** An etcd call that failed; `timedOut` when etcd did not answer in time. */
export class EtcdError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = "EtcdError";
  }
}

/** A key and its value from a range read. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
}

/** The member's view of the cluster. */
export interface MemberStatus {
  readonly memberId: string;
  /** Leader's member id; "0" or "" when the member knows no leader. */
  readonly leader: string;
}

type Json = Record<string, unknown>;

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: unknown): string => (typeof s === "string" ? Buffer.from(s, "base64").toString("utf8") : "");

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      bytes[i] += 1;
      return bytes.subarray(0, i + 1).toString("base64");
    }
  }
  return Buffer.from([0]).toString("base64");
}

/** Client TLS towards an etcd that requires it (the external etcd variant): PEM contents. */
export interface EtcdTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What the stand-in needs of etcd: one gateway, or several with failover (standin/failover-etcd.ts). */
export type EtcdApi = Pick<EtcdGateway, "put" | "range" | "status">;

/**
 * A small client of etcd's v3 HTTP/JSON gateway (`/v3/kv/put`, `/v3/kv/range`,
 * `/v3/maintenance/status`; keys and values base64), on node's http, or https with a client
 * certificate when `tls` is given. Every call has a deadline.
 */
export class EtcdGateway {
  private readonly agent: Agent;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly tls?: EtcdTls,
  ) {
    this.agent = tls
      ? new TlsAgent({ keepAlive: true, maxSockets: 64, ca: tls.ca, cert: tls.cert, key: tls.key })
      : new Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** `host:port` of this gateway's member. */
  get endpoint(): string {
    return `${this.host}:${this.port}`;
  }

  /** Writes `key` = `value`; resolves with the revision once etcd committed it (quorum). */
  async put(key: string, value: string, timeoutMs: number): Promise<{ revision: number }> {
    const r = await this.call("/v3/kv/put", { key: b64(key), value: b64(value) }, timeoutMs);
    return { revision: Number((r.header as Json | undefined)?.revision ?? 0) };
  }

  /**
   * Reads `key` (or every key under it with `prefix`). Linearizable by default (needs quorum);
   * `serializable` answers from this member's local copy.
   */
  async range(key: string, opts: { serializable?: boolean; prefix?: boolean; timeoutMs: number }): Promise<KeyValue[]> {
    const body: Json = { key: b64(key) };
    if (opts.prefix) body.range_end = prefixEnd(key);
    if (opts.serializable) body.serializable = true;
    const r = await this.call("/v3/kv/range", body, opts.timeoutMs);
    const kvs = Array.isArray(r.kvs) ? (r.kvs as Json[]) : [];
    return kvs.map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), modRevision: Number(kv.mod_revision ?? 0) }));
  }

  /** This member's id and the leader it knows. */
  async status(timeoutMs: number): Promise<MemberStatus> {
    const r = await this.call("/v3/maintenance/status", {}, timeoutMs);
    return { memberId: String((r.header as Json | undefined)?.member_id ?? ""), leader: String(r.leader ?? "") };
  }

  private call(path: string, body: Json, timeoutMs: number): Promise<Json> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = (this.tls ? tlsRequest : request)(
        {
          host: this.host,
          port: this.port,
          path,
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            clearTimeout(timer);
            let parsed: Json = {};
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json;
            } catch {
              // not JSON
            }
            if (res.statusCode === 200 && parsed.error === undefined) resolve(parsed);
            else
              reject(
                new EtcdError(
                  `etcd ${path}: ${String(parsed.message ?? parsed.error ?? `HTTP ${res.statusCode}`)}`,
                  false,
                ),
              );
          });
          res.on("error", (e) => reject(new EtcdError(`etcd ${path}: ${e.message}`, false)));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        reject(new EtcdError(`etcd ${path}: no answer within ${timeoutMs} ms`, true));
      }, timeoutMs);
      req.on("error", (e) => {
        clearTimeout(timer);
        reject(new EtcdError(`etcd ${path}: ${e.message}`, false));
      });
      req.end(payload);
    });
  }
}
