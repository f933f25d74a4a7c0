import * as pulumi from "@pulumi/pulumi";
import { Plan, PlanStep } from "../core/plan/steps";
import { HostSpec } from "../core/config/types";
import { StepRunner } from "./step-runner";

/** Creates, under `parent` and in plan order, the steps about `hosts` that `include` accepts. */
export function runStepsFor(
  hosts: readonly HostSpec[],
  plan: Plan,
  runner: StepRunner,
  parent: pulumi.Resource,
  include: (step: PlanStep) => boolean = () => true,
): void {
  const names = new Set(hosts.map((h) => h.name));
  for (const step of plan.steps) {
    if (names.has(step.host) && include(step)) runner.run(step, parent);
  }
}
