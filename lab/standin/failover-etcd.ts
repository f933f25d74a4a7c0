import { EtcdApi, EtcdError, EtcdGateway, KeyValue, MemberStatus } from "./etcd-gateway";

/**
 * The api-server's view of an external etcd (`--etcd-servers` with several endpoints): one
 * endpoint at a time, kept while it answers; a call that cannot reach it (refused, reset, no
 * route) moves on to the next endpoint at once, within the same deadline, as etcd's client
 * balancer does. A timeout (a member that is up but has no quorum) fails the call and moves the
 * next call on: waiting for every endpoint in turn would multiply the deadline.
 */
export class FailoverEtcd implements EtcdApi {
  private current = 0;

  constructor(private readonly gateways: readonly EtcdGateway[]) {
    if (gateways.length === 0) throw new Error("FailoverEtcd needs at least one endpoint");
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.gateways[this.current].endpoint;
  }

  put(key: string, value: string, timeoutMs: number): Promise<{ revision: number }> {
    return this.call((g, ms) => g.put(key, value, ms), timeoutMs);
  }

  range(key: string, opts: { serializable?: boolean; prefix?: boolean; timeoutMs: number }): Promise<KeyValue[]> {
    return this.call((g, ms) => g.range(key, { ...opts, timeoutMs: ms }), opts.timeoutMs);
  }

  status(timeoutMs: number): Promise<MemberStatus> {
    return this.call((g, ms) => g.status(ms), timeoutMs);
  }

  private async call<T>(op: (g: EtcdGateway, timeoutMs: number) => Promise<T>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (let tried = 0; tried < this.gateways.length; tried++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const at = this.current;
      try {
        return await op(this.gateways[at], left);
      } catch (e) {
        last = e;
        if (this.current === at) this.current = (at + 1) % this.gateways.length;
        // Only an unreachable member is skipped within the call; etcd's own answer (an error, or no answer in time) is final.
        if (
          !(e instanceof EtcdError) ||
          e.timedOut ||
          !/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up/.test(e.message)
        )
          throw e;
      }
    }
    throw last instanceof Error ? last : new EtcdError("no etcd endpoint answered in time", true);
  }
}
