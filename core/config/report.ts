/**
 * How validators report: a callback that takes a config path and a message, the formatting of that
 * path into a full key, and the two small checks several validators share.
 */
import { CONFIG_NAMESPACE } from "./keys";
import { Problem, show } from "./problems";

/** Reports one problem at a config path such as `["controlPlanes", 1, "address"]`. */
export type Report = (path: PropertyKey[], message: string) => void;

/** Records a warning: allowed, but not highly available. */
export type Warn = (message: string) => void;

// Linux IFNAMSIZ is 16 with the terminating NUL: at most 15 characters.
const INTERFACE_NAME = /^[A-Za-z0-9_.:-]{1,15}$/;

/** Formats a config path like `controlPlanes[1].address` under the namespace. */
export function keyPath(path: readonly PropertyKey[]): string {
  // A first part with its own namespace (`aws:region`) is a full key already.
  const full = typeof path[0] === "string" && path[0].includes(":");
  let out = full ? "" : CONFIG_NAMESPACE + ":";
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += (i === 0 ? "" : ".") + String(part);
  });
  return out;
}

/**
 * A full key and the keys that contain it, innermost first: `kubeadm-ha:workers[3].name`,
 * `kubeadm-ha:workers[3]`, `kubeadm-ha:workers`. A problem already reported at one of them
 * covers the key.
 */
export function keyAndParents(key: string): string[] {
  const keys = [key];
  // Cut at each "." or "[" after the namespace, from the end.
  const start = key.indexOf(":") + 1;
  for (let i = key.length - 1; i > start; i--) {
    if (key[i] === "." || key[i] === "[") keys.push(key.slice(0, i));
  }
  return keys;
}

/** A problem list and the {@link Report} that appends to it. */
export function problemCollector(): { readonly problems: Problem[]; readonly report: Report } {
  const problems: Problem[] = [];
  return { problems, report: (path, message) => problems.push({ key: keyPath(path), message }) };
}

/** Reports `value` at `path` when it lies outside `min`-`max`. */
export function checkRange(report: Report, path: PropertyKey[], value: number, min: number, max: number): void {
  if (value < min || value > max) report(path, `${value} is out of range; valid: ${min}-${max}`);
}

/** Reports `name` at `path` when it cannot be a Linux interface name. */
export function checkInterfaceName(report: Report, path: PropertyKey[], name: string): void {
  if (!INTERFACE_NAME.test(name)) report(path, `${show(name)} is not an interface name (1-15 of A-Z a-z 0-9 _ . : -)`);
}
