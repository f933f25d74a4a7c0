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
        head
          .find((h) => h.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
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
 * ONE TLS connection to `target:port` that carries a first request, stays idle (longer than
 * HAProxy's client/server timeout), then carries a second request. A proxy that cut idle
 * connections would close it during the wait. Opened and finished by two agent commands, so the
 * lab knows which api-server serves it while it idles.
 */
export class IdleConnection {
  private readonly sock: TLSSocket;
  private closedAt: number | undefined;
  private first: IdleResult["first"] = { status: 0, at: nowMs() };
  private localPort: number | undefined;

  constructor(target: string, port: number, ca: Buffer) {
    this.sock = connect({ host: target, port, ca });
    this.sock.on("close", () => {
      this.closedAt ??= nowMs();
    });
    this.sock.on("error", () => undefined);
  }

  /** Waits for the handshake and sends the first request; resolves with its answer. */
  async open(timeoutMs: number): Promise<IdleResult["first"]> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("TLS connect timeout")), timeoutMs);
      this.sock.once("secureConnect", () => {
        clearTimeout(timer);
        resolve();
      });
      this.sock.once("error", reject);
    });
    this.localPort = this.sock.localPort;
    this.sock.write(REQUEST);
    this.first = { ...(await readResponse(this.sock, timeoutMs)), at: nowMs() };
    return this.first;
  }

  /** Waits until `idleMs` after the first answer, sends the second request, and closes the connection. */
  async finish(idleMs: number, timeoutMs: number): Promise<IdleResult> {
    const { first, localPort } = this;
    try {
      await new Promise((r) => setTimeout(r, Math.max(0, first.at + idleMs - nowMs())));
      if (this.closedAt !== undefined)
        return {
          first,
          closedAt: this.closedAt,
          localPort,
          error: `connection closed ${Math.round(this.closedAt - first.at)} ms into the idle time`,
        };
      this.sock.write(REQUEST);
      const second = { ...(await readResponse(this.sock, timeoutMs)), at: nowMs() };
      return { first, second, localPort };
    } catch (e) {
      return { first, closedAt: this.closedAt, localPort, error: e instanceof Error ? e.message : String(e) };
    } finally {
      this.sock.destroy();
    }
  }

  /** Closes the connection at once (the lab gave up on it). */
  destroy(): void {
    this.sock.destroy();
  }
}
