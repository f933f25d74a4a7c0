/**
 * Line-delimited JSON between the lab (host side) and the client agent (in the client namespace):
 * one command per stdin line, one reply per stdout line, matched by `id`.
 */

/** One HTTPS request to the api port of `target` (the VIP or a control-plane address). */
export interface RequestCommand {
  readonly op: "request";
  readonly target: string;
  readonly method: "GET" | "PUT";
  readonly path: string;
  readonly body?: string;
  readonly timeoutMs: number;
  /** Keep this many characters of the response body (default 500). */
  readonly bodyLimit?: number;
}

/** Starts an open-loop request schedule through `target`. */
export interface LoopStartCommand {
  readonly op: "loop-start";
  readonly loopId: string;
  readonly target: string;
  readonly ratePerSecond: number;
  readonly timeoutMs: number;
  readonly maxDurationMs: number;
  readonly maxInFlight: number;
  /** Writes go to `/kv/<keyPrefix>/<seq>`. */
  readonly keyPrefix: string;
  /** Reads go to this path. */
  readonly readPath: string;
}

/** Stops a loop, waits (bounded) for its requests in flight, returns every record. */
export interface LoopStopCommand {
  readonly op: "loop-stop";
  readonly loopId: string;
  readonly drainMs: number;
}

/** Opens one TLS connection `idleId` to `target` and sends a first request on it; the connection then stays idle. */
export interface IdleOpenCommand {
  readonly op: "idle-open";
  readonly idleId: string;
  readonly target: string;
  readonly timeoutMs: number;
}

/** Waits until connection `idleId` has been idle `idleMs` after its first answer, then sends a second request on it. */
export interface IdleFinishCommand {
  readonly op: "idle-finish";
  readonly idleId: string;
  readonly idleMs: number;
  readonly timeoutMs: number;
}

/** Any command. */
export type AgentCommand = RequestCommand | LoopStartCommand | LoopStopCommand | IdleOpenCommand | IdleFinishCommand;

/** Outcome of one request. */
export interface RequestRecord {
  /** Sequence number in its loop (0 for single requests). */
  readonly seq: number;
  readonly kind: "write" | "read" | "other";
  /** Key and value of a write. */
  readonly key?: string;
  readonly value?: string;
  /** Wall-clock ms at start and at answer or error. */
  readonly start: number;
  readonly end: number;
  /** True for a 2xx answer. */
  readonly ok: boolean;
  readonly status?: number;
  /** Network or timeout error. */
  readonly error?: string;
  /** Response body (cut to `bodyLimit`, default 500 characters). */
  readonly body?: string;
  /** Which control plane answered (`x-standin`). */
  readonly standin?: string;
  /** Loop only: not sent because too many were in flight. */
  readonly skipped?: boolean;
}

/** Result of a loop. */
export interface LoopResult {
  readonly loopId: string;
  readonly records: readonly RequestRecord[];
  /** Requests still unanswered when the drain limit passed (counted as failed in records). */
  readonly undrained: number;
}

/** Result of the idle-connection check. */
export interface IdleResult {
  readonly first: { readonly status: number; readonly standin?: string; readonly at: number };
  /** Second request, or the reason it could not be made. */
  readonly second?: { readonly status: number; readonly standin?: string; readonly at: number };
  readonly error?: string;
  /** When the connection closed, if it did before the second answer. */
  readonly closedAt?: number;
  /** Local port: the same connection carried both requests. */
  readonly localPort?: number;
}

/** What each command answers with. */
export interface ResultOf {
  request: RequestRecord;
  "loop-start": { readonly started: true };
  "loop-stop": LoopResult;
  "idle-open": IdleResult["first"];
  "idle-finish": IdleResult;
}

/** A reply line. */
export type AgentReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };
