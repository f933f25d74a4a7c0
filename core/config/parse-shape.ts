import { findKey } from "./keys";
import { Problem, show } from "./problems";
import { keyPath } from "./report";
import {
  bastionSchema,
  HOST_FIELDS,
  instanceTypesSchema,
  RawConfig,
  rawConfigSchema,
  REQUIRED_HOST_FIELDS,
} from "./schema";

// Strict objects are hosts, bastion and instanceTypes: each message lists the fields of the object at fault.
const FIELDS_OF: Readonly<Record<string, readonly string[]>> = {
  bastion: bastionSchema.keyof().options,
  instanceTypes: instanceTypesSchema.keyof().options,
};

/** The fields valid where an unknown one was found: a host's, or those of `bastion` / `instanceTypes`. */
function validFields(path: readonly PropertyKey[]): string {
  return `valid fields are ${(FIELDS_OF[String(path[0])] ?? HOST_FIELDS).join(", ")}`;
}

/** Checks the shape; returns every shape problem with its key. */
export function parseShape(values: Record<string, unknown>): { config?: RawConfig; problems: Problem[] } {
  const result = rawConfigSchema.safeParse(values);
  if (result.success) return { config: result.data, problems: [] };
  const problems = result.error.issues.map((issue): Problem => {
    if (issue.code === "unrecognized_keys") {
      return {
        key: keyPath(issue.path),
        message: `unknown field(s) ${issue.keys.join(", ")}; ${validFields(issue.path)}`,
      };
    }
    const got = valueAt(values, issue.path);
    if (got === undefined) return { key: keyPath(issue.path), message: "is required" };
    return { key: keyPath(issue.path), message: `${issue.message} (got ${show(got)})` };
  });
  return { problems };
}

/**
 * Replaces values named by shape problems: top-level keys get their default, host fields "" (and a
 * host keeps only its known fields), so the semantic checks can still run on the rest.
 */
export function neutralise(values: Record<string, unknown>, badKeys: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(values);
  const known: readonly string[] = HOST_FIELDS;
  for (const key of badKeys) {
    const m = /^[^:]+:(\w+)(?:\[(\d+)\](?:\.(\w+))?)?$/.exec(key);
    if (!m) continue;
    const [, top, index, field] = m;
    if (index === undefined) {
      copy[top] = findKey(top)?.default;
    } else if (Array.isArray(copy[top])) {
      const entry = (copy[top] as Record<string, unknown>[])[Number(index)];
      if (entry === null || typeof entry !== "object") continue;
      if (field) entry[field] = "";
      for (const k of Object.keys(entry)) if (!known.includes(k)) delete entry[k];
      for (const k of REQUIRED_HOST_FIELDS) if (typeof entry[k] !== "string") entry[k] = "";
    }
  }
  return copy;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}
