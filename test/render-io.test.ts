import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { MARKER_FILE, OutDirError, replaceTree } from "../core/render/out-dir";
import { renderPlan } from "../core/render/render-plan";
import { loadStackSpec, parseProjectFile, stackConfigEntries } from "../core/render/stack-files";
import { ConfigError } from "../core/config/problems";
import { buildSpec } from "../core/config/build-spec";
import { exampleWith, hosts, ROOT, stackConfig } from "./support/stack";
import { readTree } from "./support/tree";
import { tempDirs } from "./support/tools";

const tempDir = tempDirs("kubeadm-ha-render-io-");
const dev = renderPlan("dev", buildSpec(stackConfig("dev")));

test("out dir: a re-render replaces the renderer's files, stale ones included", () => {
  const out = join(tempDir(), "out");
  const big = renderPlan("dev", buildSpec(exampleWith({ workers: hosts("worker", 4, "192.168.1", 111) })));
  replaceTree(out, big);
  assert.ok(existsSync(join(out, "worker4", "02-prepare-node.sh")));
  replaceTree(out, dev);
  assert.equal(existsSync(join(out, "worker4")), false, "a removed host's folder goes");
  const written = readTree(out);
  assert.deepEqual(
    [...written.keys()].filter((p) => p !== MARKER_FILE),
    [...dev.keys()],
  );
  assert.deepEqual(
    readFileSync(join(out, MARKER_FILE), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#")),
    [...dev.keys()],
  );
});

test("out dir: refuses a non-empty folder without the marker, and one with files it did not write", () => {
  const mine = tempDir();
  writeFileSync(join(mine, "notes.txt"), "keep me");
  assert.throws(
    () => replaceTree(mine, dev),
    (e: Error) => e instanceof OutDirError && /no \.kubeadm-ha-render marker/.test(e.message),
  );
  assert.equal(readFileSync(join(mine, "notes.txt"), "utf8"), "keep me");
  assert.deepEqual([...readTree(mine).keys()], ["notes.txt"]);

  const out = join(tempDir(), "out");
  replaceTree(out, dev);
  writeFileSync(join(out, "cp1", "my-notes.md"), "keep me too");
  mkdirSync(join(out, "extra"));
  symlinkSync("/etc/hostname", join(out, "link"));
  assert.throws(
    () => replaceTree(out, dev),
    (e: Error) => e instanceof OutDirError && /cp1\/my-notes\.md, extra, link/.test(e.message),
  );
  assert.equal(readFileSync(join(out, "cp1", "my-notes.md"), "utf8"), "keep me too");
  assert.ok(existsSync(join(out, "PLAN.md")), "nothing was deleted");
  assert.throws(() => replaceTree(join(out, "PLAN.md"), dev), OutDirError);
});

test("out dir: an empty or missing folder is fine; tree paths that escape are refused", () => {
  const empty = tempDir();
  replaceTree(empty, dev);
  assert.ok(existsSync(join(empty, "PLAN.md")));
  for (const path of ["../escape", "/abs", "a//b", "a/./b", MARKER_FILE]) {
    assert.throws(() => replaceTree(join(tempDir(), "x"), new Map([[path, "x"]])), OutDirError, path);
  }
});

test("stack files: Pulumi.yaml defaults apply under the stack's values, values stay typed, secure stays opaque", () => {
  const project = parseProjectFile(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
  assert.equal(project.name, "kubeadm-ha");
  assert.equal(project.defaults["kubeadm-ha:apiPort"], 6443);
  assert.deepEqual(project.defaults["kubeadm-ha:externalEtcdEndpoints"], []);
  const { entries, problems } = stackConfigEntries(
    project,
    stringify({ config: { "kubeadm-ha:apiPort": 8443, "kubeadm-ha:sshPrivateKey": { secure: "v1:abc" } } }),
    "Pulumi.x.yaml",
  );
  assert.deepEqual(problems, []);
  assert.equal(entries["kubeadm-ha:apiPort"], 8443);
  assert.equal(entries["kubeadm-ha:cni"], "flannel");
  assert.deepEqual(entries["kubeadm-ha:sshPrivateKey"], { secure: "v1:abc" });
  const shorthand = parseProjectFile("name: p\nconfig:\n  a: 1\n  b:\n    value: two\n  other:c: 3\n");
  assert.deepEqual(shorthand.defaults, { "p:a": 1, "p:b": "two", "other:c": 3 });
});

test("stack files: stackConfigDir is honoured; broken YAML and a missing project are file errors", () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    `${readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")}\nstackConfigDir: stacks\n`,
  );
  mkdirSync(join(dir, "stacks"));
  writeFileSync(join(dir, "stacks", "Pulumi.dev.yaml"), readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8"));
  assert.equal(loadStackSpec(dir, "dev").spec.controlPlanes.length, 3);
  writeFileSync(join(dir, "stacks", "Pulumi.broken.yaml"), "config: [unclosed\n");
  assert.throws(() => loadStackSpec(dir, "broken"), /Pulumi\.broken\.yaml: not valid YAML/);
  assert.throws(() => loadStackSpec(tempDir(), "dev"), /no Pulumi\.yaml in/);
  assert.throws(() => loadStackSpec(dir, "../dev"), /is not a stack name/);
});

test("stack files: a bare key is reported together with the spec's problems, in one ConfigError", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
  writeFileSync(
    join(dir, "Pulumi.s.yaml"),
    stringify({ config: { ...stackConfig("dev"), apiPort: 443, "kubeadm-ha:vip": "192.168.1.111" } }),
  );
  assert.throws(
    () => loadStackSpec(dir, "s"),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.problems.map((p) => p.key),
        ["apiPort", "kubeadm-ha:workers[0].address"],
      );
      return true;
    },
  );
});
