/** Spelling distance between short names (config keys, namespaces), for "did you mean" hints. */

/**
 * Levenshtein distance between `a` and `b` (insertions, deletions, substitutions), with the
 * transposition of two neighbours counting as one edit (optimal string alignment), so
 * `cotnrolPlanes` is 1 from `controlPlanes`. Gives up early: returns `limit + 1` as soon as the
 * distance must exceed `limit`, so a long unrelated string costs O(limit × length).
 */
export function editDistance(a: string, b: string, limit = 3): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current.push(d);
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length], limit + 1);
}

/**
 * The candidate closest to `name` (case-insensitive) within `limit` edits, or undefined. A tie
 * goes to the candidate listed first.
 */
export function closest(name: string, candidates: readonly string[], limit = 2): string | undefined {
  let found: string | undefined;
  let distance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase(), limit);
    if (d < distance) {
      found = c;
      distance = d;
    }
  }
  return found;
}
