import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "./support/stack";

/** The parts of a GitHub Actions workflow these tests read. */
interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly steps: Step[];
  readonly env?: Record<string, string>;
  readonly environment?: string;
  readonly strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

const workflow = (name: string): { doc: Workflow; text: string } => {
  const text = readFileSync(join(ROOT, ".github", "workflows", name), "utf8");
  return { doc: parse(text) as Workflow, text };
};
const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);
const pulumiSteps = (w: Workflow): Step[] => steps(w).filter((s) => s.uses?.startsWith("pulumi/actions@"));

test("pull-request workflow: runs the tests as root with the lab's packages, then previews each stack with a PR comment", () => {
  const { doc, text } = workflow("pull-request.yml");
  assert.deepEqual(Object.keys(doc.on), ["pull_request"]);
  const all = steps(doc);
  assert.ok(all.some((s) => s.uses?.startsWith("actions/setup-node@") && s.with?.["node-version"] === 20));
  const install = all.find((s) => s.run?.includes("apt-get install"))?.run ?? "";
  for (const pkg of ["haproxy", "keepalived", "etcd-server", "etcd-client", "iproute2", "shellcheck"])
    assert.match(install, new RegExp(`\\b${pkg}\\b`), pkg);
  assert.ok(
    all.some((s) => /sudo .*\.ci\/run|sudo .*npm test/.test(s.run ?? "")),
    "tests run as root",
  );
  const preview = pulumiSteps(doc);
  assert.equal(preview.length, 1);
  assert.equal(preview[0].uses, "pulumi/actions@v6");
  assert.equal(preview[0].with?.command, "preview");
  assert.equal(preview[0].with?.["comment-on-pr"], true);
  assert.equal(preview[0].with?.diff, true);
  assert.match(String(preview[0].with?.["stack-name"]), /matrix\.stack/);
  const job = Object.values(doc.jobs).find((j) => j.steps.includes(preview[0]));
  assert.ok(Array.isArray(job?.strategy?.matrix?.stack) && (job.strategy.matrix.stack as string[]).includes("dev"));
  assert.equal(job?.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
  assert.match(text, /^# .*PULUMI_ACCESS_TOKEN/m, "the secret is documented at the top");
});

test("deploy workflow: manual trigger only, behind an environment, runs pulumi up", () => {
  const { doc, text } = workflow("deploy.yml");
  assert.deepEqual(Object.keys(doc.on), ["workflow_dispatch"]);
  const inputs = (doc.on.workflow_dispatch as { inputs: Record<string, { required: boolean }> }).inputs;
  assert.equal(inputs.stack.required, true);
  const up = pulumiSteps(doc);
  assert.equal(up.length, 1);
  assert.equal(up[0].with?.command, "up");
  const job = Object.values(doc.jobs).find((j) => j.steps.includes(up[0]));
  assert.match(String(job?.environment), /inputs\.stack/, "an environment (with required reviewers) gates the run");
  assert.equal(job?.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
  assert.match(text, /^# .*PULUMI_ACCESS_TOKEN/m);
});

test("workflows render the same stacks they preview, and those stacks exist", () => {
  const { doc } = workflow("pull-request.yml");
  const stacks = Object.values(doc.jobs).flatMap((j) => (j.strategy?.matrix?.stack as string[] | undefined) ?? []);
  const options = (workflow("deploy.yml").doc.on.workflow_dispatch as { inputs: { stack: { options: string[] } } })
    .inputs.stack.options;
  for (const stack of [...stacks, ...options])
    assert.doesNotThrow(() => readFileSync(join(ROOT, `Pulumi.${stack}.yaml`)), stack);
});
