import { connect, TLSSocket } from "node:tls";
import { IdleResult } from "./protocol";
import { nowMs } from "../lib/time";

/** Reads one HTTP/1.1 response (status line, headers, Content-Length body) from a socket. */
function readResponse(sock: TLSSocket, timeoutMs: number): Promise<{ status: number; standin?: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err?: Error, value?: { status: number; standin?: string }): void => {
      clearTimeout(timer);
      sock.off("data", onData);
      sock.off("close", onClose);
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(head[0].split(" ")[1]);
      const header = (name: string): string | undefined =>
        head.find((h) => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
      const length = Number(header("content-length") ?? 0);
      if (buf.length >= end + 4 + length) done(undefined, { status, standin: header("x-standin") });
    };
    const onClose = (): void => done(new Error("connection closed before the response"));
    const timer = setTimeout(() => done(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    sock.on("data", onData);
    sock.on("close", onClose);
  });
}

const REQUEST = "GET /whoami HTTP/1.1\r\nHost: kube-apiserver\r\nConnection: keep-alive\r\n\r\n";

/**
 * Opens ONE TLS connection to `target:port`, sends a request, stays idle for `idleMs` (longer than
 * HAProxy's client/server timeout), then sends a second request on the same connection. A proxy
 * that cut idle connections would close it during the wait.
 */
export async function idleConnection(target: string, port: number, ca: Buffer, idleMs: number, timeoutMs: number): Promise<IdleResult> {
  const sock = connect({ host: target, port, ca });
  let closedAt: number | undefined;
  sock.on("close", () => {
    closedAt ??= nowMs();
  });
  sock.on("error", () => undefined);
  let first: IdleResult["first"] = { status: 0, at: nowMs() };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("TLS connect timeout")), timeoutMs);
      sock.once("secureConnect", () => {
        clearTimeout(timer);
        resolve();
      });
      sock.once("error", reject);
    });
    const localPort = sock.localPort;
    sock.write(REQUEST);
    first = { ...(await readResponse(sock, timeoutMs)), at: nowMs() };
    await new Promise((r) => setTimeout(r, idleMs));
    if (closedAt !== undefined) return { first, closedAt, localPort, error: `connection closed ${Math.round(closedAt - first.at)} ms into the idle time` };
    sock.write(REQUEST);
    const second = { ...(await readResponse(sock, timeoutMs)), at: nowMs() };
    return { first, second, localPort };
  } catch (e) {
    return { first, closedAt, error: e instanceof Error ? e.message : String(e) };
  } finally {
    sock.destroy();
  }
}
