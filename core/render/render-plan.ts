import { buildPlan, Plan } from "../plan/steps";
import { sudoWrap } from "../plan/sudo";
import { allHosts, ClusterSpec } from "../config/types";
import { layoutOf } from "./layout";
import { planMarkdown } from "./plan-markdown";
import { scheduleOf } from "./schedule";

/** A rendered tree: relative path → file content, in sorted path order. */
export type RenderedTree = ReadonlyMap<string, string>;

/** Name of the top-level plan document in the tree. */
export const PLAN_FILE = "PLAN.md";

/**
 * Renders a stack's plan as files: `PLAN.md`, and per host `NN-<phase>.sh`, `NN-<phase>.delete.sh`
 * and `files/<path>`. Pure and deterministic: the same spec gives the same tree, byte for byte.
 * Every script is passed through {@link sudoWrap} first, so one that could not be sent fails here.
 */
export function renderPlan(stack: string, spec: ClusterSpec, plan: Plan = buildPlan(spec)): RenderedTree {
  const hosts = allHosts(spec).map((h) => h.name);
  const layout = layoutOf(plan, hosts);
  const schedule = scheduleOf(plan);
  const files = new Map<string, string>();
  const put = (path: string, content: string): void => {
    if (files.has(path)) throw new Error(`render: two files at ${path}`);
    files.set(path, content);
  };
  put(PLAN_FILE, planMarkdown({ stack, spec, plan, schedule, layout }));
  for (const entries of layout.values()) {
    for (const l of entries) {
      if (l.script !== undefined && l.step.script !== undefined) {
        sudoWrap(l.step.script, l.step.id);
        put(l.script, l.step.script);
      }
      if (l.updateScript !== undefined && l.step.updateScript !== undefined) {
        sudoWrap(l.step.updateScript, `${l.step.id}-update`);
        put(l.updateScript, l.step.updateScript);
      }
      if (l.deleteScript !== undefined && l.step.deleteScript !== undefined) {
        sudoWrap(l.step.deleteScript, `${l.step.id}-delete`);
        put(l.deleteScript, l.step.deleteScript);
      }
      for (const f of l.files) put(f.treePath, f.content);
    }
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
