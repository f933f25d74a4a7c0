import { allHosts, ClusterSpec } from "../../core/config/types";
import { Recorded, SECRET_SIG } from "./mocks";
import { Run } from "./program";

/** What `pulumi up` does to one Command when the config goes from one run's spec to the other's. */
export type ChangeKind = "create" | "update" | "replace" | "delete";

/** One Command that `pulumi up` would touch, and which scripts it would run where. */
export interface Change {
  /** Resource name (the new one; the old one for a delete). */
  readonly name: string;
  /** What happens to it. */
  readonly kind: ChangeKind;
  /** Inputs that differ (update, replace). */
  readonly inputs: readonly string[];
  /** Scripts that run, in order: `create@host`, `delete@host` (host = the node name the connection reaches). */
  readonly runs: readonly string[];
}

/** The changes of one config edit, by kind, names sorted. */
export interface EditDiff {
  /** Every Command touched. */
  readonly changes: readonly Change[];
  /** Names per kind. */
  readonly byKind: Readonly<Record<ChangeKind, readonly string[]>>;
  /** Look one up by name. */
  get(name: string): Change | undefined;
}

/** The value inside Pulumi's secret wrapper, or the value. */
function plain(v: unknown): unknown {
  return v !== null && typeof v === "object" && SECRET_SIG in v ? (v as unknown as { value: unknown }).value : v;
}

/** The node a Command's connection reaches, by its SSH address in `spec`. */
function hostOf(r: Recorded, spec: ClusterSpec): string {
  const address = (plain(r.inputs.connection) as { host: string }).host;
  return allHosts(spec).find((h) => h.address === address)?.name ?? `?${address}`;
}

/** What the model reads of a run: its resources and their options (a hand-made earlier layout has no options). */
export type RunResources = Pick<Run, "resources" | "options">;

const commands = (run: RunResources): Map<string, Recorded> =>
  new Map(run.resources.filter((r) => r.type === "command:remote:Command").map((r) => [r.name, r]));

/**
 * Models what `pulumi up` does when the program goes from `before` to `after` (both run under the
 * mocks), the way the engine and @pulumi/command 1.2.1 decide it: a resource is matched by name
 * or by an alias; a `triggers` change replaces it unless `ignoreChanges` covers it (delete script
 * first with deleteBeforeReplace, on the old connection); any other input change updates it in
 * place (its update script, else its create script, on the new connection; nothing without
 * either); a resource gone from the program is deleted (its old delete script, old connection).
 */
export function editDiff(
  before: RunResources,
  beforeSpec: ClusterSpec,
  after: RunResources,
  afterSpec: ClusterSpec,
): EditDiff {
  const old = commands(before);
  const now = commands(after);
  const matched = new Set<string>();
  const changes: Change[] = [];
  for (const [name, r] of now) {
    const aliases = after.options.get(name)?.aliases ?? [];
    const was = old.has(name) ? name : aliases.find((a) => old.has(a));
    if (was === undefined) {
      changes.push({
        name,
        kind: "create",
        inputs: [],
        runs: r.inputs.create !== undefined ? [`create@${hostOf(r, afterSpec)}`] : [],
      });
      continue;
    }
    matched.add(was);
    const prev = old.get(was) as Recorded;
    const keys = [...new Set([...Object.keys(prev.inputs), ...Object.keys(r.inputs)])].sort();
    const differ = keys.filter((k) => JSON.stringify(prev.inputs[k]) !== JSON.stringify(r.inputs[k]));
    if (differ.length === 0) continue;
    const ignored = after.options.get(name)?.ignoreChanges ?? [];
    const script = r.inputs.update ?? r.inputs.create;
    if (differ.includes("triggers") && !ignored.includes("triggers")) {
      const runs = [
        ...(prev.inputs.delete !== undefined ? [`delete@${hostOf(prev, beforeSpec)}`] : []),
        ...(r.inputs.create !== undefined ? [`create@${hostOf(r, afterSpec)}`] : []),
      ];
      changes.push({ name, kind: "replace", inputs: differ, runs });
    } else {
      changes.push({
        name,
        kind: "update",
        inputs: differ,
        runs: script !== undefined ? [`create@${hostOf(r, afterSpec)}`] : [],
      });
    }
  }
  for (const [name, r] of old) {
    if (!matched.has(name))
      changes.push({
        name,
        kind: "delete",
        inputs: [],
        runs: r.inputs.delete !== undefined ? [`delete@${hostOf(r, beforeSpec)}`] : [],
      });
  }
  changes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const of = (kind: ChangeKind): string[] => changes.filter((c) => c.kind === kind).map((c) => c.name);
  return {
    changes,
    byKind: { create: of("create"), update: of("update"), replace: of("replace"), delete: of("delete") },
    get: (name) => changes.find((c) => c.name === name),
  };
}
