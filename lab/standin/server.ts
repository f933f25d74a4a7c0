import { readFileSync } from "node:fs";
import { createServer, Server } from "node:https";
import { IncomingMessage, ServerResponse } from "node:http";
import { EtcdApi, EtcdError } from "./etcd-gateway";

/** Settings of one api-server stand-in. */
export interface StandinOptions {
  /** Control-plane name, echoed in the `x-standin` header. */
  readonly name: string;
  /** TLS files. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The local etcd member (stacked etcd: the api-server talks to 127.0.0.1:2379 only), or the external members with failover. */
  readonly etcd: EtcdApi;
  /** Deadline of the `/readyz` linearizable read. */
  readonly readyzTimeoutMs: number;
  /** Deadline of a `/kv` etcd call. */
  readonly kvTimeoutMs: number;
  /** How long idle keep-alive connections stay open. */
  readonly keepAliveMs: number;
}

/** etcd keys of the stand-in live under this prefix. */
export const KV_PREFIX = "/lab/kv/";
const READYZ_KEY = "/lab/readyz";
const MAX_BODY = 64 * 1024;

type Reply = { status: number; body: unknown };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * The api-server STAND-IN (kube-apiserver cannot be installed here): TLS on the api port,
 * `/readyz` = 200 only while the local etcd member serves a linearizable read within the deadline,
 * and a tiny key/value API on etcd:
 * `PUT /kv/<key>` (body = value), `GET /kv/<key>` (linearizable), `?serializable=1` (local copy),
 * `?prefix=1` (every key under it), plus `/livez`, `/whoami` and `/etcd/status`.
 * It is not Kubernetes: no API objects, watches, auth or admission.
 */
export function createStandin(o: StandinOptions): Server {
  const noQuorum = async (e: unknown): Promise<string> => {
    const what = e instanceof Error ? e.message : String(e);
    const leader = await o.etcd
      .status(500)
      .then((s) => s.leader)
      .catch(() => "");
    return leader === "" || leader === "0"
      ? `etcd member ${o.name} has no leader: quorum lost, not served (${what})`
      : `etcd call failed (${what})`;
  };

  const kv = async (req: IncomingMessage, url: URL): Promise<Reply> => {
    const key = KV_PREFIX + decodeURIComponent(url.pathname.slice("/kv/".length));
    if (req.method === "PUT") {
      const value = await readBody(req);
      try {
        const { revision } = await o.etcd.put(key, value, o.kvTimeoutMs);
        return { status: 200, body: { revision } };
      } catch (e) {
        return { status: 503, body: { error: await noQuorum(e) } };
      }
    }
    const serializable = url.searchParams.get("serializable") === "1";
    const prefix = url.searchParams.get("prefix") === "1";
    try {
      const kvs = await o.etcd.range(key, { serializable, prefix, timeoutMs: o.kvTimeoutMs });
      if (prefix)
        return {
          status: 200,
          body: { serializable, items: kvs.map((x) => ({ key: x.key.slice(KV_PREFIX.length), value: x.value })) },
        };
      if (kvs.length === 0) return { status: 404, body: { error: "not found" } };
      return { status: 200, body: { serializable, value: kvs[0].value, modRevision: kvs[0].modRevision } };
    } catch (e) {
      return { status: 503, body: { error: await noQuorum(e) } };
    }
  };

  const route = async (req: IncomingMessage): Promise<Reply> => {
    const url = new URL(req.url ?? "/", "https://standin");
    if (req.method === "GET" && url.pathname === "/readyz") {
      try {
        await o.etcd.range(READYZ_KEY, { timeoutMs: o.readyzTimeoutMs });
        return { status: 200, body: "ok" };
      } catch (e) {
        return { status: 503, body: `etcd not ready: ${e instanceof EtcdError ? e.message : String(e)}` };
      }
    }
    if (req.method === "GET" && url.pathname === "/livez") return { status: 200, body: "ok" };
    if (req.method === "GET" && url.pathname === "/whoami")
      return { status: 200, body: { name: o.name, remotePort: req.socket.remotePort } };
    if (req.method === "GET" && url.pathname === "/etcd/status") {
      try {
        return { status: 200, body: await o.etcd.status(o.kvTimeoutMs) };
      } catch (e) {
        return { status: 503, body: { error: String(e) } };
      }
    }
    if ((req.method === "GET" || req.method === "PUT") && url.pathname.startsWith("/kv/") && url.pathname.length > 4)
      return kv(req, url);
    return { status: 404, body: { error: "no such endpoint on the stand-in" } };
  };

  const server = createServer(
    { cert: readFileSync(o.certFile), key: readFileSync(o.keyFile) },
    (req: IncomingMessage, res: ServerResponse) => {
      route(req).then(
        ({ status, body }) => {
          const text = typeof body === "string" ? body : JSON.stringify(body);
          res.writeHead(status, {
            "content-type": typeof body === "string" ? "text/plain" : "application/json",
            "x-standin": o.name,
          });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500, { "x-standin": o.name });
          res.end(String(e));
        },
      );
    },
  );
  server.keepAliveTimeout = o.keepAliveMs;
  server.headersTimeout = o.keepAliveMs + 1_000;
  server.requestTimeout = o.keepAliveMs + 2_000;
  return server;
}
