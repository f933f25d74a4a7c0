import { Plan, PlanStep } from "../plan/steps";

/** How the plan's steps fall into waves of steps that may run at the same time. */
export interface Schedule {
  /** Wave of each step id, from 1 (see {@link scheduleOf}). */
  readonly waveOf: ReadonlyMap<string, number>;
  /** Steps of each wave (index 0 is wave 1), in plan order. */
  readonly waves: readonly (readonly PlanStep[])[];
  /** One longest chain of waits, first step to last: what bounds the bring-up time. */
  readonly criticalPath: readonly string[];
}

/** A step that runs something on create takes a wave; a removal step (nothing on create) takes none. */
const cost = (step: PlanStep): number => (step.script === undefined ? 0 : 1);

/**
 * Groups a plan into waves by the longest chain of waits from a step that waits for nothing,
 * counting only steps that run something on create: a step's wave is one more than the latest
 * wave it waits for, but a removal step (nothing on create) passes its wave on instead of adding
 * one. So a wave's steps wait only for earlier waves or for removal steps of their own wave, and
 * can run in parallel. Deterministic: same plan, same waves, same critical path.
 */
export function scheduleOf(plan: Plan): Schedule {
  // level = waves of work that must finish before the step starts.
  const level = new Map<string, number>();
  const byId = new Map<string, PlanStep>();
  for (const step of plan.steps) {
    let start = 0;
    for (const dep of step.after) {
      const before = level.get(dep);
      const depStep = byId.get(dep);
      if (before === undefined || !depStep)
        throw new Error(`step ${step.id} waits for ${dep}, which is not earlier in the plan`);
      start = Math.max(start, before + cost(depStep));
    }
    if (level.has(step.id)) throw new Error(`step id ${step.id} appears twice in the plan`);
    level.set(step.id, start);
    byId.set(step.id, step);
  }
  const waveOf = new Map([...level].map(([id, l]) => [id, l + 1]));
  const count = Math.max(0, ...waveOf.values());
  const waves: PlanStep[][] = Array.from({ length: count }, () => []);
  for (const step of plan.steps) waves[(waveOf.get(step.id) as number) - 1].push(step);
  return { waveOf, waves, criticalPath: criticalPath(byId, level, waves) };
}

/**
 * Walks back from the first step of the last wave that runs something, always through a step
 * whose work ends where the current one starts (one that runs something first).
 */
function criticalPath(
  byId: ReadonlyMap<string, PlanStep>,
  level: ReadonlyMap<string, number>,
  waves: readonly PlanStep[][],
): string[] {
  const last = [...waves].reverse().find((w) => w.some((s) => cost(s) > 0));
  let current: PlanStep | undefined = last?.find((s) => cost(s) > 0);
  const path: string[] = [];
  while (current) {
    path.unshift(current.id);
    const start = level.get(current.id) as number;
    const candidates = current.after
      .map((id) => byId.get(id) as PlanStep)
      .filter((d) => (level.get(d.id) as number) + cost(d) === start);
    current = start === 0 ? undefined : (candidates.find((d) => cost(d) > 0) ?? candidates[0]);
  }
  return path;
}
