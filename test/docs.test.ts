import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS } from "../core/config/keys";
import { ROOT } from "./support/stack";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

test("the README documents every config key with its default", () => {
  for (const key of CONFIG_KEYS) {
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${key.name}\` |`));
    assert.ok(row, `README has no row for ${key.name}`);
    if (typeof key.default === "string" || typeof key.default === "number")
      assert.ok(row.includes(`\`${key.default}\``), `README row of ${key.name} lacks its default ${key.default}`);
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

test("the README's layout section names only files and folders that exist", () => {
  const section = readme.slice(readme.indexOf("## How it is built"), readme.indexOf("Choices worth knowing:"));
  const folders = [...section.matchAll(/^\| `([a-z/-]+\/)` \|/gm)].map((m) => m[1]);
  assert.ok(folders.length >= 6, `layout table lists ${folders.length} folders`);
  for (const folder of folders)
    assert.ok(existsSync(join(ROOT, folder)), `README names ${folder}, which does not exist`);
  // Files named in a folder's row live in that folder (or below it, when the name has a slash).
  for (const row of section.split("\n").filter((l) => /^\| `[a-z/-]+\/` \|/.test(l))) {
    const folder = /^\| `([a-z/-]+\/)`/.exec(row)?.[1] ?? "";
    for (const [, file] of row.matchAll(/`([a-z-]+(?:\/[a-z-]+)*\.(?:ts|sh))`/g)) {
      const inFolder = join(ROOT, folder, file);
      assert.ok(
        existsSync(inFolder) || existsSync(join(ROOT, folder, "phases", file)),
        `README names ${folder}${file}, which does not exist`,
      );
    }
  }
  for (const dir of ["core", "components", "lab"]) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
      if (/\.(ts|sh)$/.test(entry)) assert.doesNotMatch(entry, /[A-Z]/, `${dir}/${entry}: file names are kebab-case`);
    }
  }
});
