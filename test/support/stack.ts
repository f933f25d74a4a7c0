import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProjectFile, stackConfigEntries } from "../../core/render/stack-files";

/** Repository root. */
export const ROOT = join(__dirname, "..", "..");

/** The project's `config:` defaults from `Pulumi.yaml`, by full `namespace:key` name. */
function projectDefaults(): Readonly<Record<string, unknown>> {
  return parseProjectFile(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")).defaults;
}

/**
 * Reads `Pulumi.<stack>.yaml` as `pulumi up` hands it to the program: the `Pulumi.yaml` defaults
 * applied as set values, then the stack file's keys over them (secure values stay opaque). Uses
 * the render's own loader, so the tests, the render and the program see the same config.
 */
export function stackConfig(stack: string): Record<string, unknown> {
  const file = join(ROOT, `Pulumi.${stack}.yaml`);
  const project = parseProjectFile(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
  const { entries, problems } = stackConfigEntries(project, readFileSync(file, "utf8"), file);
  if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
  return entries;
}

/** The example stack with keys replaced or removed (`undefined` removes). */
export function exampleWith(changes: Record<string, unknown>): Record<string, unknown> {
  return stackWith("dev", changes);
}

/**
 * A stack file's config with keys replaced or removed; bare keys get the namespace. Removing a
 * key (`undefined`) removes it from the stack file: Pulumi then hands the program the project's
 * default for it, if `Pulumi.yaml` declares one, as it would after `pulumi config rm`.
 */
export function stackWith(stack: string, changes: Record<string, unknown>): Record<string, unknown> {
  const config = stackConfig(stack);
  const defaults = projectDefaults();
  for (const [key, value] of Object.entries(changes)) {
    const full = key.includes(":") ? key : `kubeadm-ha:${key}`;
    if (value !== undefined) config[full] = value;
    else if (full in defaults) config[full] = defaults[full];
    else delete config[full];
  }
  return config;
}

/** `n` hosts named `<prefix>1..n` at `<base>.<start + i>`. */
export function hosts(prefix: string, n: number, base: string, start: number): { name: string; address: string }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i + 1}`, address: `${base}.${start + i}` }));
}
