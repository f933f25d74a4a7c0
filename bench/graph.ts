import { hasCreate, longestChain } from "../core/render/estimates";
import { Plan } from "../core/plan/steps";

/** One remote command of the bring-up, as the bench counts it. */
export interface CommandNode {
  /** Resource name (the plan step's id). */
  readonly name: string;
  /** Name of the host whose SSH connection runs it. */
  readonly runsOn: string;
  /** True when it runs something on create (a bring-up command); false for delete-only steps. */
  readonly hasCreate: boolean;
  /** Names of the commands it waits for (`dependsOn`). */
  readonly dependsOn: readonly string[];
}

/** The host with the most bring-up commands, and how many. */
export interface Busiest {
  /** Host name; the first in command order among equals. */
  readonly host: string;
  /** Its commands with a create. */
  readonly commands: number;
}

/** The commands of a plan, one per step: what `components/step-runner.ts` turns each step into. */
export function planCommands(plan: Plan): CommandNode[] {
  return plan.steps.map((s) => ({ name: s.id, runsOn: s.runsOn, hasCreate: hasCreate(s), dependsOn: s.after }));
}

/** Bring-up commands (with a create) per host, by the host whose SSH connection runs them. */
export function commandsPerHost(commands: readonly CommandNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of commands) if (c.hasCreate) counts.set(c.runsOn, (counts.get(c.runsOn) ?? 0) + 1);
  return counts;
}

/** The host that runs the most bring-up commands. */
export function busiestHost(commands: readonly CommandNode[]): Busiest {
  let busiest: Busiest = { host: "", commands: 0 };
  for (const [host, n] of commandsPerHost(commands)) if (n > busiest.commands) busiest = { host, commands: n };
  return busiest;
}

/**
 * Length of the critical path in commands: the longest chain of `dependsOn` counting only commands
 * with a create (a delete-only command passes a wait on but runs nothing). Waits on resources that
 * are not commands are left out.
 */
export function criticalPathCommands(commands: readonly CommandNode[]): number {
  const names = new Set(commands.map((c) => c.name));
  return longestChain(
    commands.map((c) => ({
      id: c.name,
      after: c.dependsOn.filter((d) => names.has(d)),
      weight: c.hasCreate ? 1 : 0,
    })),
  ).total;
}
