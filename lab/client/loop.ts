import { randomBytes } from "node:crypto";
import { Endpoint, httpsRequest } from "./https-request";
import { LoopResult, LoopStartCommand, RequestRecord } from "./protocol";
import { nowMs, sleep } from "../lib/time";

/**
 * An open-loop client: request `i` starts at `t0 + i / rate` whatever happened to earlier ones,
 * alternating a write (`PUT /kv/<prefix>/<seq>`, random value) and a read. Bounded by
 * `maxDurationMs` and `maxInFlight`.
 */
export class RequestLoop {
  private readonly records: RequestRecord[] = [];
  private readonly pending = new Map<number, Promise<void>>();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ep: Endpoint,
    private readonly cmd: LoopStartCommand,
  ) {}

  /** Starts the schedule. */
  start(): void {
    const t0 = nowMs();
    const period = 1000 / this.cmd.ratePerSecond;
    const maxTicks = Math.ceil(this.cmd.maxDurationMs / period);
    const tick = (seq: number): void => {
      if (this.stopped || seq >= maxTicks) return;
      this.fire(seq);
      this.timer = setTimeout(() => tick(seq + 1), Math.max(0, t0 + (seq + 1) * period - nowMs()));
    };
    tick(0);
  }

  private fire(seq: number): void {
    if (this.pending.size >= this.cmd.maxInFlight) {
      const now = nowMs();
      this.records.push({
        seq,
        kind: "other",
        start: now,
        end: now,
        ok: false,
        skipped: true,
        error: "skipped: too many in flight",
      });
      return;
    }
    const write = seq % 2 === 0;
    const key = `${this.cmd.keyPrefix}/${seq}`;
    const p = httpsRequest(
      this.ep,
      write
        ? {
            target: this.cmd.target,
            method: "PUT",
            path: `/kv/${key}`,
            body: randomBytes(6).toString("hex"),
            timeoutMs: this.cmd.timeoutMs,
            seq,
            kind: "write",
            key,
          }
        : {
            target: this.cmd.target,
            method: "GET",
            path: this.cmd.readPath,
            timeoutMs: this.cmd.timeoutMs,
            seq,
            kind: "read",
          },
    ).then((rec) => {
      this.records.push(rec);
      this.pending.delete(seq);
    });
    this.pending.set(seq, p);
  }

  /** Stops scheduling and waits up to `drainMs` for requests in flight. */
  async stop(drainMs: number): Promise<LoopResult> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.race([Promise.all(this.pending.values()), sleep(drainMs)]);
    const undrained = this.pending.size;
    const records = [...this.records].sort((a, b) => a.seq - b.seq);
    return { loopId: this.cmd.loopId, records, undrained };
  }
}
