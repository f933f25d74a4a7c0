import { RequestRecord } from "../client/protocol";

/** Counts of one loop. */
export interface LoopSummary {
  /** Requests sent (skipped ticks excluded). */
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  readonly writesOk: number;
  readonly maxLatencyMs: number;
  readonly failures: readonly RequestRecord[];
}

/** Summarizes a loop's records. */
export function summarize(records: readonly RequestRecord[]): LoopSummary {
  const sent = records.filter((r) => !r.skipped);
  const failures = sent.filter((r) => !r.ok);
  return {
    sent: sent.length,
    ok: sent.length - failures.length,
    failed: failures.length,
    skipped: records.length - sent.length,
    writesOk: sent.filter((r) => r.kind === "write" && r.ok).length,
    maxLatencyMs: Math.round(Math.max(0, ...sent.filter((r) => r.ok).map((r) => r.end - r.start))),
    failures,
  };
}

/** True when the request was open at some moment of [from, to]. */
export function inFlightDuring(r: RequestRecord, from: number, to: number): boolean {
  return r.start <= to && r.end >= from;
}

/** Failed requests that were NOT open during [from, to]: those a fault at that time cannot explain. */
export function failuresOutside(records: readonly RequestRecord[], from: number, to: number): RequestRecord[] {
  return records.filter((r) => !r.skipped && !r.ok && !inFlightDuring(r, from, to));
}

/** Requests open at some moment of [from, to]. */
export function openDuring(records: readonly RequestRecord[], from: number, to: number): RequestRecord[] {
  return records.filter((r) => !r.skipped && inFlightDuring(r, from, to));
}

/** Short text for a failure: status or error. */
export function describe(r: RequestRecord): string {
  return r.error ?? `HTTP ${r.status}${r.body ? ` ${r.body.slice(0, 120)}` : ""}`;
}

/** Distinct failure reasons with counts, e.g. `ECONNRESET x2`. */
export function reasons(records: readonly RequestRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(describe(r), (counts.get(describe(r)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} x${n}`).join("; ");
}

/** Start times of `records` in ms relative to `t0` (first 10), for the report. */
export function offsets(records: readonly RequestRecord[], t0: number): string {
  return records
    .slice(0, 10)
    .map((r) => Math.round(r.start - t0))
    .join(",");
}
