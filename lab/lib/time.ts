import { LabError } from "./errors";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bounds of a polling wait. */
export interface PollOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Pause between probes. */
  readonly intervalMs: number;
}

/**
 * Calls `probe` until it returns a value (not `undefined`) or the deadline passes; the number of
 * probes is bounded by timeout / interval + 1. Returns the value and the time the successful probe
 * returned. Throws a {@link LabError} naming `what` on timeout.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: PollOptions,
): Promise<{ value: T; at: number }> {
  const deadline = nowMs() + opts.timeoutMs;
  const maxProbes = Math.ceil(opts.timeoutMs / Math.max(1, opts.intervalMs)) + 1;
  for (let i = 0; i < maxProbes; i++) {
    const value = await probe();
    const at = nowMs();
    if (value !== undefined) return { value, at };
    if (at >= deadline) break;
    await sleep(Math.min(opts.intervalMs, Math.max(0, deadline - at)));
  }
  throw new LabError(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
}

/** Rejects with a {@link LabError} naming `what` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LabError(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Blocks the thread for `ms` (only for the synchronous cleanup path, which may run in an exit handler). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
