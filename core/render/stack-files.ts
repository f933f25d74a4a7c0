import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { ConfigError, Problem } from "../config/problems";
import { ClusterSpec } from "../config/types";
import { buildSpec } from "../config/build-spec";

/** A stack or project file is missing or is not the YAML Pulumi expects (not a config problem). */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** What the renderer needs of `Pulumi.yaml`. */
export interface ProjectFile {
  /** Project name: the namespace of bare config keys. */
  readonly name: string;
  /** Folder of the stack files, relative to the project (`stackConfigDir`), if set. */
  readonly stackConfigDir?: string;
  /** Project-level config values (`default` or `value`), with full `namespace:key` names. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => v !== null && typeof v === "object" && !Array.isArray(v);

function parseYaml(text: string, file: string): unknown {
  try {
    return parse(text);
  } catch (e) {
    throw new StackFileError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
}

/** Parses `Pulumi.yaml` text. Config entries are `key: value` or `key: {type, default|value, ...}`. */
export function parseProjectFile(text: string, file = "Pulumi.yaml"): ProjectFile {
  const doc = parseYaml(text, file);
  if (!isMap(doc) || typeof doc.name !== "string" || doc.name === "")
    throw new StackFileError(`${file}: has no project \`name\``);
  const name = doc.name;
  const defaults: Record<string, unknown> = {};
  const config = doc.config ?? {};
  if (!isMap(config)) throw new StackFileError(`${file}: \`config\` is not a map`);
  for (const [key, entry] of Object.entries(config)) {
    const full = key.includes(":") ? key : `${name}:${key}`;
    if (!isMap(entry)) defaults[full] = entry;
    else if ("value" in entry) defaults[full] = entry.value;
    else if ("default" in entry) defaults[full] = entry.default;
  }
  const dir = doc.stackConfigDir;
  if (dir !== undefined && typeof dir !== "string")
    throw new StackFileError(`${file}: \`stackConfigDir\` is not a string`);
  return { name, defaults, ...(dir !== undefined ? { stackConfigDir: dir } : {}) };
}

/**
 * Merges a stack file's `config` over the project's defaults, as `pulumi up` would see it.
 * Values stay typed as YAML gives them; `{secure: ...}` stays as it is (the spec only checks it
 * is set and never reads it). Keys must be `namespace:key`, as Pulumi requires.
 */
export function stackConfigEntries(
  project: ProjectFile,
  stackText: string,
  file: string,
): { entries: Record<string, unknown>; problems: Problem[] } {
  const doc = parseYaml(stackText, file) ?? {};
  if (!isMap(doc)) throw new StackFileError(`${file}: is not a YAML map`);
  const config = doc.config ?? {};
  if (!isMap(config)) throw new StackFileError(`${file}: \`config\` is not a map`);
  const entries: Record<string, unknown> = { ...project.defaults };
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!/^[^:\s]+:[^:\s]+$/.test(key)) {
      // `kubeadm-ha:kubeadm-ha:vip` means `kubeadm-ha:vip`: suggest the name after the last colon.
      const name = key.slice(key.lastIndexOf(":") + 1).trim();
      problems.push({
        key,
        message: `is not a configuration key of the form <namespace>:<name> (in ${file}); e.g. "${project.name}:${name || "vip"}"`,
      });
      continue;
    }
    entries[key] = value;
  }
  return { entries, problems };
}

/** Stack names that are safe as part of a file name: `Pulumi.<stack>.yaml`. */
export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Reads `Pulumi.yaml` (or `Pulumi.yml`) and `Pulumi.<stack>.yaml` from `dir` and builds the spec.
 * Throws {@link StackFileError} for missing or malformed files, and one {@link ConfigError} that
 * lists every config problem, those of the file (keys Pulumi would reject) and those of the spec.
 */
export function loadStackSpec(dir: string, stack: string): { project: ProjectFile; spec: ClusterSpec } {
  if (!STACK_NAME.test(stack))
    throw new StackFileError(`${JSON.stringify(stack)} is not a stack name (letters, digits, "_", "." and "-")`);
  const projectPath = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find((p) => existsSync(p));
  if (!projectPath) throw new StackFileError(`no Pulumi.yaml in ${resolve(dir)}: pass --dir with the project folder`);
  const project = parseProjectFile(readFileSync(projectPath, "utf8"), projectPath);
  const stackPath = join(dir, project.stackConfigDir ?? "", `Pulumi.${stack}.yaml`);
  if (!existsSync(stackPath))
    throw new StackFileError(`no stack file ${stackPath}: is ${JSON.stringify(stack)} the stack's name?`);
  const { entries, problems } = stackConfigEntries(project, readFileSync(stackPath, "utf8"), stackPath);
  let spec: ClusterSpec;
  try {
    spec = buildSpec(entries);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError([...problems, ...e.problems]);
    throw e;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { project, spec };
}
