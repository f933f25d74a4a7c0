import { posix } from "node:path";
import { PHASES, Plan, PlanStep } from "../plan/steps";

/** A config file a step installs, and where the render puts it. */
export interface RenderedFile {
  /** Path on the host, as the plan names it. */
  readonly hostPath: string;
  /** Path in the render tree, `<host>/files/<path on the host without the leading />`. */
  readonly treePath: string;
  /** File content, secrets as placeholders. */
  readonly content: string;
  /** File mode, where the plan gives one. */
  readonly mode?: string;
  /** How the file lives on the host, where the plan says (e.g. a temporary file). */
  readonly note?: string;
}

/** Where one step's scripts and files go in the render tree. */
export interface StepLayout {
  /** The plan step. */
  readonly step: PlanStep;
  /** The phase's place in the bring-up (PHASES), from 1: fixed, so adding a node renames no file. */
  readonly number: number;
  /** Tree path of the create script, `<runsOn>/NN-<phase>[-for-<host>].sh`; none for a removal step, which runs nothing on create. */
  readonly script?: string;
  /** Tree path of the update script, `<runsOn>/NN-<phase>[-for-<host>].update.sh`, if the step has one (upgrade steps). */
  readonly updateScript?: string;
  /** Tree path of the delete script, `<runsOn>/NN-<phase>[-for-<host>].delete.sh`, if the step has one. */
  readonly deleteScript?: string;
  /** Installed config files. */
  readonly files: readonly RenderedFile[];
}

/**
 * Lays the plan out per host: each step goes in the folder of the host it RUNS on, numbered by its
 * phase's place in the bring-up (not by position, so `diff -r` of two renders shows only real
 * changes). A step about another node (join material, await node) gets `-for-<node>` in its name.
 * Throws if a step runs on a host that is not in `hosts`.
 */
export function layoutOf(plan: Plan, hosts: readonly string[]): ReadonlyMap<string, readonly StepLayout[]> {
  const layout = new Map<string, StepLayout[]>(hosts.map((h) => [h, []]));
  // Tree paths of the files already placed per host: kept as they grow (the admin host has thousands of steps).
  const takenOn = new Map<string, Set<string>>(hosts.map((h) => [h, new Set<string>()]));
  for (const step of plan.steps) {
    const entries = layout.get(step.runsOn);
    const taken = takenOn.get(step.runsOn);
    if (!entries || !taken) throw new Error(`step ${step.id} runs on ${step.runsOn}, which is not a host of the stack`);
    const number = PHASES.indexOf(step.phase) + 1;
    const base = `${step.runsOn}/${String(number).padStart(2, "0")}-${step.phase}${step.host === step.runsOn ? "" : `-for-${step.host}`}`;
    const files = step.files.map((f) => {
      let treePath = `${step.runsOn}/files/${treeRelative(f.path, step.id)}`;
      // Two steps installing the same path on one host: keep both, the later one suffixed.
      if (taken.has(treePath)) treePath = `${treePath}.${posix.basename(base)}`;
      taken.add(treePath);
      return {
        hostPath: f.path,
        treePath,
        content: f.content,
        ...(f.mode !== undefined ? { mode: f.mode } : {}),
        ...(f.note !== undefined ? { note: f.note } : {}),
      };
    });
    entries.push({
      step,
      number,
      ...(step.script !== undefined ? { script: `${base}.sh` } : {}),
      ...(step.updateScript !== undefined ? { updateScript: `${base}.update.sh` } : {}),
      ...(step.deleteScript !== undefined ? { deleteScript: `${base}.delete.sh` } : {}),
      files,
    });
  }
  return layout;
}

/**
 * `/etc/x.conf` → `etc/x.conf`; refuses relative paths, `..` and whitespace (prose belongs in the
 * file's `note`), so nothing lands outside the tree.
 */
export function treeRelative(hostPath: string, stepId: string): string {
  const normal = posix.normalize(hostPath);
  const clean = hostPath.startsWith("/") && normal !== "/" && normal === hostPath && !/\s/.test(hostPath);
  if (!clean || normal.split("/").some((part) => part === ".." || part === ".")) {
    throw new Error(`step ${stepId}: installed file path ${JSON.stringify(hostPath)} is not a clean absolute path`);
  }
  return normal.slice(1);
}
