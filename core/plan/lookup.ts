import { Phase, Plan, PlanStep } from "./steps";

/** Steps by `phase` and by `phase` + host, in plan order: built once per steps array. */
const indexes = new WeakMap<readonly PlanStep[], Map<string, PlanStep[]>>();

// Phase builders look up a step per node: a scan each time made building a 2,000-worker plan quadratic.
function indexOf(steps: readonly PlanStep[]): Map<string, PlanStep[]> {
  let index = indexes.get(steps);
  if (!index) {
    index = new Map();
    for (const s of steps) {
      for (const key of [s.phase, `${s.phase}\n${s.host}`]) {
        const list = index.get(key);
        if (list) list.push(s);
        else index.set(key, [s]);
      }
    }
    indexes.set(steps, index);
  }
  return index;
}

/** The plan's steps of `phase`, about `host` when one is given, in plan order. */
export function stepsOf(plan: Plan, phase: Phase, host?: string): PlanStep[] {
  return [...(indexOf(plan.steps).get(host === undefined ? phase : `${phase}\n${host}`) ?? [])];
}

/**
 * The one step of `phase` (about `host` when one is given). Throws, naming the phase, when the
 * plan has none or several: callers look steps up by what they do, never by building their ids.
 */
export function stepOf(plan: Plan, phase: Phase, host?: string): PlanStep {
  const found = stepsOf(plan, phase, host);
  const about = host === undefined ? `phase "${phase}"` : `phase "${phase}" on host "${host}"`;
  if (found.length === 0) throw new Error(`the plan has no step of ${about}`);
  if (found.length > 1) {
    throw new Error(
      `the plan has ${found.length} steps of ${about} (${found.map((s) => s.id).join(", ")}); expected one`,
    );
  }
  return found[0];
}

/** The plan's single step of a phase that runs once per cluster (init, CA hash, kubeconfig, verify). */
export function onlyStep(plan: Plan, phase: Phase): PlanStep {
  return stepOf(plan, phase);
}
