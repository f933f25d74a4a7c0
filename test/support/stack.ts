import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** Repository root. */
export const ROOT = join(__dirname, "..", "..");

/** Reads `Pulumi.<stack>.yaml` as the typed config map the spec reads (secure values stay opaque). */
export function stackConfig(stack: string): Record<string, unknown> {
  const doc = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return { ...doc.config };
}

/** The example stack with keys replaced or removed (`undefined` removes). */
export function exampleWith(changes: Record<string, unknown>): Record<string, unknown> {
  return stackWith("dev", changes);
}

/** A stack file's config with keys replaced or removed (`undefined` removes); bare keys get the namespace. */
export function stackWith(stack: string, changes: Record<string, unknown>): Record<string, unknown> {
  const config = stackConfig(stack);
  for (const [key, value] of Object.entries(changes)) {
    const full = key.includes(":") ? key : `kubeadm-ha:${key}`;
    if (value === undefined) delete config[full];
    else config[full] = value;
  }
  return config;
}

/** `n` hosts named `<prefix>1..n` at `<base>.<start + i>`. */
export function hosts(prefix: string, n: number, base: string, start: number): { name: string; address: string }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i + 1}`, address: `${base}.${start + i}` }));
}
