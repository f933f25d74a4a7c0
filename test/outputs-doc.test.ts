import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/stack";

const read = (...path: string[]): string => readFileSync(join(ROOT, ...path), "utf8");

/** The stack outputs of the contract (test/index.test.ts checks the program exports exactly these). */
const OUTPUTS = ["kubeconfig", "controlPlaneEndpoint", "etcdQuorum", "nodes", "caCertHash", "clusterHealth"] as const;

test("docs/outputs.md documents exactly the stack outputs, with the secret ones marked", () => {
  const exported = [...OUTPUTS].sort();
  const rows = [...read("docs", "outputs.md").matchAll(/^\| `(\w+)` \| ([^|]+) \| (\*\*yes\*\*|no) \|/gm)];
  assert.deepEqual(rows.map((r) => r[1]).sort(), exported);
  const secret = rows
    .filter((r) => r[3] === "**yes**")
    .map((r) => r[1])
    .sort();
  assert.deepEqual(secret, ["caCertHash", "kubeconfig"]);
});

test("docs/render.md shows how to diff two renders; the app stack reads only documented outputs", () => {
  const render = read("docs", "render.md");
  for (const line of [
    "git stash",
    "npm run render -- --stack dev --out /tmp/before",
    "git stash pop",
    "npm run render -- --stack dev --out /tmp/after",
    "diff -r /tmp/before /tmp/after",
  ]) {
    assert.ok(render.includes(line), line);
  }
  const documented = read("docs", "outputs.md");
  for (const m of read("examples", "app-stack", "app.ts").matchAll(/(?:get|require)Output\("(\w+)"\)/g)) {
    assert.ok(documented.includes(`| \`${m[1]}\` |`), `${m[1]} is not a documented output`);
  }
});
