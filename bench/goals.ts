import { EvalResult } from "./evaluate";
import { RenderResult } from "./render-size";

/** Every run's measurements of one size. */
export interface SizeRuns {
  /** `3+500`. */
  readonly size: string;
  /** One evaluation per run. */
  readonly evals: readonly EvalResult[];
  /** One render per run. */
  readonly renders: readonly RenderResult[];
}

/** A goal of issue 14 and how the runs did against it. */
export interface GoalVerdict {
  /** What the goal asks, e.g. `3+500: evaluation < 10 s`. */
  readonly goal: string;
  /** The value judged (the worst run), with its unit; undefined when the size was not run. */
  readonly value?: string;
  /** True when met; undefined when not measured. */
  readonly met?: boolean;
  /** `met (29% under)`, `missed by 3.2 s (32% over)` or `not measured: ...`. */
  readonly verdict: string;
}

/** A bound on the worst run of one size: `< limit` (time, memory). */
interface UpperBound {
  readonly size: string;
  readonly what: string;
  readonly limit: number;
  readonly unit: string;
  /** The value of one run, in `unit`. */
  readonly of: (r: EvalResult) => number;
}

/** The goals of issue 14 (on the 2-core machine the project is tested on). */
const BOUNDS: readonly UpperBound[] = [
  { size: "3+500", what: "evaluation", limit: 10, unit: "s", of: (r) => r.evalMs / 1000 },
  { size: "3+500", what: "peak RSS", limit: 500, unit: "MiB", of: (r) => r.peakRssMiB },
  { size: "3+2000", what: "evaluation", limit: 60, unit: "s", of: (r) => r.evalMs / 1000 },
  { size: "3+2000", what: "peak RSS", limit: 2048, unit: "MiB", of: (r) => r.peakRssMiB },
];

/** The most bring-up commands any one host may run, at every size. */
export const BUSIEST_HOST_LIMIT = 20;

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const notMeasured = (goal: string, why: string): GoalVerdict => ({ goal, verdict: `not measured: ${why}` });

/** `met (29% under)` or `missed by 3.2 s (32% over)` for `value` against `< limit` (`<=` unless strict). */
function against(value: number, limit: number, unit: string, strict: boolean): { met: boolean; verdict: string } {
  const met = strict ? value < limit : value <= limit;
  const share =
    value === limit
      ? " (at the limit)"
      : limit === 0
        ? ""
        : ` (${Math.abs(Math.round(((value - limit) / limit) * 100))}% ${met ? "under" : "over"})`;
  return met ? { met, verdict: `met${share}` } : { met, verdict: `missed by ${fmt(value - limit)} ${unit}${share}` };
}

/** Judges every goal against the runs; a goal whose size was not run is "not measured". */
export function judgeGoals(runs: readonly SizeRuns[]): GoalVerdict[] {
  const bySize = new Map(runs.filter((r) => r.evals.length > 0).map((r) => [r.size, r]));
  const verdicts: GoalVerdict[] = BOUNDS.map((b) => {
    const goal = `${b.size}: ${b.what} < ${fmt(b.limit)} ${b.unit}`;
    const size = bySize.get(b.size);
    if (!size) return notMeasured(goal, `${b.size} was not run`);
    const worst = Math.max(...size.evals.map(b.of));
    return { goal, value: `${fmt(worst)} ${b.unit}`, ...against(worst, b.limit, b.unit, true) };
  });

  const busiestGoal = `busiest host ≤ ${BUSIEST_HOST_LIMIT} bring-up commands at every size`;
  if (bySize.size === 0) verdicts.push(notMeasured(busiestGoal, "no size was run"));
  else {
    const worst = [...bySize.values()]
      .flatMap((s) => s.evals.map((e) => ({ size: s.size, ...e.busiest })))
      .reduce((a, b) => (b.commands > a.commands ? b : a));
    const judged = against(worst.commands, BUSIEST_HOST_LIMIT, "commands", false);
    verdicts.push({ goal: busiestGoal, value: `${worst.commands} (${worst.host} at ${worst.size})`, ...judged });
  }

  const flatGoal = "critical path identical at 2 and 2000 workers (3+2, 3+2000)";
  const small = bySize.get("3+2");
  const large = bySize.get("3+2000");
  if (!small || !large) verdicts.push(notMeasured(flatGoal, "3+2 and 3+2000 must both run"));
  else {
    const a = Math.max(...small.evals.map((e) => e.criticalPath));
    const b = Math.max(...large.evals.map((e) => e.criticalPath));
    verdicts.push({
      goal: flatGoal,
      value: `${a} and ${b} commands`,
      met: a === b,
      verdict: a === b ? "met" : `missed by ${Math.abs(b - a)} commands`,
    });
  }
  return verdicts;
}
