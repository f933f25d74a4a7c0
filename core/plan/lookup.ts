import { Phase, Plan, PlanStep } from "./steps";

/** The plan's steps of `phase`, about `host` when one is given, in plan order. */
export function stepsOf(plan: Plan, phase: Phase, host?: string): PlanStep[] {
  return plan.steps.filter((s) => s.phase === phase && (host === undefined || s.host === host));
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
    throw new Error(`the plan has ${found.length} steps of ${about} (${found.map((s) => s.id).join(", ")}); expected one`);
  }
  return found[0];
}

/** The plan's single step of a phase that runs once per cluster (init, CA hash, kubeconfig, verify). */
export function onlyStep(plan: Plan, phase: Phase): PlanStep {
  return stepOf(plan, phase);
}
