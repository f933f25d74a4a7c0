import * as pulumi from "@pulumi/pulumi";
import { Phase, Plan } from "../core/plan/steps";
import { HostSpec, Role } from "../core/config/types";
import { StepRunner } from "./step-runner";

/** Where the plan's steps go: the component of each host role, and the cluster for cluster-wide checks. */
export interface StepParents {
  /** Component holding the steps about hosts of each role. */
  readonly byRole: Readonly<Record<Role, pulumi.Resource>>;
  /** The cluster component, parent of cluster-wide steps. */
  readonly cluster: pulumi.Resource;
  /**
   * Each parent's URN with its name left out (`urn:pulumi:<stack>::<project>::<types>`), where it
   * is known without waiting: earlier names of a step are then given as whole URNs (see StepRunner).
   */
  readonly urnPrefixes?: ReadonlyMap<pulumi.Resource, string>;
}

/** Phases that check the whole cluster, not the host they run on: their steps sit under the cluster. */
const CLUSTER_WIDE: ReadonlySet<Phase> = new Set<Phase>(["verify"]);

/**
 * Creates every step of `plan` once, in plan order (so whatever a step waits for already exists),
 * under the component of the role of the step's host; cluster-wide steps go under the cluster.
 */
export function runPlan(plan: Plan, hosts: readonly HostSpec[], runner: StepRunner, parents: StepParents): void {
  const roleOf = new Map(hosts.map((h) => [h.name, h.role]));
  for (const step of plan.steps) {
    const role = roleOf.get(step.host);
    if (!role)
      throw new pulumi.ResourceError(
        `step ${step.id} is about host ${step.host}, which the spec does not list`,
        parents.cluster,
      );
    const parent = CLUSTER_WIDE.has(step.phase) ? parents.cluster : parents.byRole[role];
    runner.run(step, parent, parents.urnPrefixes?.get(parent));
  }
}
