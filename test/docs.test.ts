import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS } from "../core/config/keys";
import { ROOT } from "./support/stack";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

test("the README documents every config key with its default", () => {
  for (const key of CONFIG_KEYS) {
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${key.name}\` |`));
    assert.ok(row, `README has no row for ${key.name}`);
    if (typeof key.default === "string" || typeof key.default === "number") assert.ok(row.includes(`\`${key.default}\``), `README row of ${key.name} lacks its default ${key.default}`);
    if (key.required) assert.match(row, /required/, key.name);
  }
});

test("the README documents every stack output", () => {
  for (const name of ["kubeconfig", "controlPlaneEndpoint", "etcdQuorum", "nodes", "caCertHash", "clusterHealth"]) {
    assert.ok(readme.includes(`| \`${name}\` |`), name);
  }
});

test("the README's test command is what .ci/run runs", () => {
  const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
  assert.match(ci, /^npm test$/m);
  assert.match(ci, /^npm ci /m);
  assert.match(readme, /bash \.ci\/run/);
});
