import { Plan, PlanStep } from "../plan/steps";

/** How the plan's steps fall into waves of steps that may run at the same time. */
export interface Schedule {
  /** Wave of each step id, from 1: one more than the latest wave among the steps it waits for. */
  readonly waveOf: ReadonlyMap<string, number>;
  /** Steps of each wave (index 0 is wave 1), in plan order. */
  readonly waves: readonly (readonly PlanStep[])[];
  /** One longest chain of waits, first step to last: what bounds the bring-up time. */
  readonly criticalPath: readonly string[];
}

/**
 * Groups a plan into waves by the longest chain of waits from a step that waits for nothing.
 * Every step of a wave waits only for steps of earlier waves, so a wave's steps can run in
 * parallel. Deterministic: same plan, same waves, same critical path.
 */
export function scheduleOf(plan: Plan): Schedule {
  const waveOf = new Map<string, number>();
  for (const step of plan.steps) {
    let wave = 1;
    for (const dep of step.after) {
      const before = waveOf.get(dep);
      if (before === undefined) throw new Error(`step ${step.id} waits for ${dep}, which is not earlier in the plan`);
      wave = Math.max(wave, before + 1);
    }
    if (waveOf.has(step.id)) throw new Error(`step id ${step.id} appears twice in the plan`);
    waveOf.set(step.id, wave);
  }
  const count = Math.max(0, ...waveOf.values());
  const waves: PlanStep[][] = Array.from({ length: count }, () => []);
  for (const step of plan.steps) waves[(waveOf.get(step.id) as number) - 1].push(step);
  return { waveOf, waves, criticalPath: criticalPath(plan, waveOf, waves) };
}

/** Walks back from the first step of the last wave, always through a step of the previous wave. */
function criticalPath(plan: Plan, waveOf: ReadonlyMap<string, number>, waves: readonly PlanStep[][]): string[] {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  let current: PlanStep | undefined = waves.length > 0 ? waves[waves.length - 1][0] : undefined;
  const path: string[] = [];
  while (current) {
    path.unshift(current.id);
    const wave = waveOf.get(current.id) as number;
    const previous: string | undefined = current.after.find((id) => waveOf.get(id) === wave - 1);
    current = previous === undefined ? undefined : byId.get(previous);
  }
  return path;
}
