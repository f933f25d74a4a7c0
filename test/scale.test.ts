import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSpec } from "../core/config/build-spec";
import { stepsOf } from "../core/plan/lookup";
import { buildPlan } from "../core/plan/steps";
import { withoutStackCapture } from "../components/stack-capture";
import { BenchSize, benchConfig } from "../bench/stack";
import { ROOT } from "./support/stack";

// What makes a large stack cheaper for `pulumi up` itself (README: Scale), not only in the bench.
const planOf = (size: BenchSize) => buildPlan(buildSpec(benchConfig(size)));

test("pulumi up loads the program with ts-node without type checking (tsconfig.json), as the bench does", () => {
  const tsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")) as {
    "ts-node"?: { transpileOnly?: boolean };
    include: string[];
  };
  // @pulumi/pulumi cmd/run registers ts-node with `transpileOnly` undefined unless PULUMI_NODEJS_TRANSPILE_ONLY
  // or compilerOptions.noCheck is set; ts-node then takes the value from this file's "ts-node" section.
  assert.equal(tsconfig["ts-node"]?.transpileOnly, true);
  assert.ok(tsconfig.include.includes("bench/**/*.ts"), "tsc checks bench/");
});

test("stack capture is off while a step's Command is constructed, back after, and on with PULUMI_DEBUG_PROMISE_LEAKS", () => {
  const before = Error.stackTraceLimit;
  assert.equal(
    withoutStackCapture(() => Error.stackTraceLimit, {}),
    0,
  );
  assert.equal(Error.stackTraceLimit, before);
  assert.equal(
    withoutStackCapture(() => Error.stackTraceLimit, { PULUMI_DEBUG_PROMISE_LEAKS: "true" }),
    before,
  );
  assert.throws(() =>
    withoutStackCapture(() => {
      throw new Error("boom");
    }, {}),
  );
  assert.equal(Error.stackTraceLimit, before, "restored after a throw");
});

test("a worker costs 5 Commands: its preparation opens with the SSH gate (no wait-ssh of its own)", () => {
  const commands = (workers: number) => planOf({ controlPlanes: 3, workers }).steps.length;
  assert.equal(commands(3) - commands(2), 5);
  const plan = planOf({ controlPlanes: 3, workers: 2 });
  assert.deepEqual(
    plan.steps.filter((s) => s.phase === "wait-ssh").map((s) => s.host),
    ["lb1", "lb2"],
  );
  for (const p of stepsOf(plan, "prepare-node")) {
    assert.equal(p.waitForSsh, true, p.id);
    assert.deepEqual(p.after, [], p.id);
    // The gate comes before the node is touched: before the version check and swapoff.
    const script = p.script ?? "";
    assert.ok(script.indexOf("\nwait_for_first_boot\n") < script.indexOf("\nswapoff -a\n"), p.id);
  }
});
