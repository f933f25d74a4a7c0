import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Every regular file under `dir`, relative path → content, sorted by path. */
export function readTree(dir: string, prefix = ""): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix === "" ? name : `${prefix}/${name}`;
    if (lstatSync(join(dir, rel)).isDirectory()) for (const [p, c] of readTree(dir, rel)) files.set(p, c);
    else files.set(rel, readFileSync(join(dir, rel), "utf8"));
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What differs between two trees, each list sorted. */
export interface TreeDiff {
  /** Paths only in `after`. */
  readonly added: string[];
  /** Paths only in `before`. */
  readonly removed: string[];
  /** Paths in both with different content. */
  readonly changed: string[];
}

/** Compares two trees (`diff -r` in memory). */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): TreeDiff {
  const sorted = (xs: string[]): string[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    added: sorted([...after.keys()].filter((p) => !before.has(p))),
    removed: sorted([...before.keys()].filter((p) => !after.has(p))),
    changed: sorted([...before.keys()].filter((p) => after.has(p) && after.get(p) !== before.get(p))),
  };
}
