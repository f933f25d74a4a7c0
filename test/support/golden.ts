import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./stack";

/** Compares `actual` with `test/golden/<name>`; `UPDATE_GOLDEN=1 npm test` rewrites the files. */
export function assertGolden(name: string, actual: string): void {
  const path = join(ROOT, "test", "golden", name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  assert.ok(existsSync(path), `golden file ${name} is missing: run UPDATE_GOLDEN=1 npm test and review it`);
  assert.equal(actual, readFileSync(path, "utf8"), `${name} differs from its golden file`);
}
