import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { buildSpec } from "../core/config/build-spec";
import { allHosts } from "../core/config/types";
import { contains, parseIpv4Cidr } from "../core/lib/net";
import { buildPlan } from "../core/plan/steps";
import { stepOf, stepsOf } from "../core/plan/lookup";
import { SCRIPTS_DIR } from "../core/plan/template";
import { benchCli, Measure, parseBenchArgs } from "../bench/cli";
import { EvalResult, evaluateSize } from "../bench/evaluate";
import { BUSIEST_HOST_LIMIT, judgeGoals, SizeRuns } from "../bench/goals";
import { busiestHost, CommandNode, commandsPerHost, criticalPathCommands, planCommands } from "../bench/graph";
import { RenderResult } from "../bench/render-size";
import { ChildOptions, loaderArgs, parseChildOutput, RESULT_PREFIX, runChild } from "../bench/spawn";
import { BenchSize, benchConfig, nodeNames, parseSize, SIZES, sizeLabel } from "../bench/stack";
import { tempDirs } from "./support/tools";

// The CommonJS fs object, whose functions a test can wrap (the ES namespace is read-only).
const fs = createRequire(__filename)("node:fs") as typeof import("node:fs");
const planOf = (size: BenchSize) => buildPlan(buildSpec(benchConfig(size)));
const tempDir = tempDirs("kubeadm-ha-bench-");

// The rule of issue 14, from the plan alone: these fail until the plan's per-host work is constant.
for (const size of [
  { controlPlanes: 3, workers: 2 },
  { controlPlanes: 3, workers: 500 },
  { controlPlanes: 5, workers: 2000 },
]) {
  test(`${sizeLabel(size)}: no host runs more than ${BUSIEST_HOST_LIMIT} bring-up commands`, () => {
    const commands = planCommands(planOf(size));
    const busiest = busiestHost(commands);
    const over = [...commandsPerHost(commands)].filter(([, n]) => n > BUSIEST_HOST_LIMIT).map(([h, n]) => `${h}: ${n}`);
    assert.ok(busiest.commands <= BUSIEST_HOST_LIMIT, `hosts over the bound: ${over.slice(0, 5).join(", ")}`);
  });
}

test("the critical path (steps with a create script) is as long at 2000 workers as at 2", () => {
  const small = criticalPathCommands(planCommands(planOf({ controlPlanes: 3, workers: 2 })));
  const large = criticalPathCommands(planCommands(planOf({ controlPlanes: 3, workers: 2000 })));
  assert.equal(large, small);
});

test("graph: delete-only commands count for no host and add nothing to a chain they pass", () => {
  const c = (name: string, runsOn: string, dependsOn: string[], hasCreate = true): CommandNode => ({
    name,
    runsOn,
    hasCreate,
    dependsOn,
  });
  const commands = [
    c("a", "cp1", []),
    c("b", "cp1", ["a"]),
    c("drain-1", "cp1", ["b"], false),
    c("drain-2", "cp1", ["drain-1"], false),
    c("drain-3", "cp1", ["drain-2"], false),
    c("x", "w1", []),
    c("y", "w1", ["x"]),
    c("z", "w1", ["y", "drain-3"]),
  ];
  assert.deepEqual(busiestHost(commands), { host: "w1", commands: 3 });
  assert.deepEqual(
    [...commandsPerHost(commands)],
    [
      ["cp1", 2],
      ["w1", 3],
    ],
  );
  // a → b → (3 delete-only) → z: 3 commands, where counting every node would give 6.
  assert.equal(criticalPathCommands(commands), 3);
  // Waits on resources that are not commands (an IAM policy) are left out, not an error.
  assert.equal(criticalPathCommands([c("gate", "lb1", ["policy"])]), 1);
});

test("the mocks measurement agrees with the plan: commands, busiest host, critical path (3+2)", async () => {
  const size = { controlPlanes: 3, workers: 2 };
  const commands = planCommands(planOf(size));
  const measured = await evaluateSize(size);
  assert.equal(measured.commands, commands.length);
  assert.equal(measured.bringUpCommands, commands.filter((x) => x.hasCreate).length);
  assert.deepEqual(measured.busiest, busiestHost(commands));
  assert.equal(measured.criticalPath, criticalPathCommands(commands));
  assert.ok(measured.resources > measured.commands, "components and random secrets are registered too");
  assert.ok(measured.peakRssMiB > 0 && measured.evalMs > 0);
});

test("generated stacks: valid, every address unique and inside 198.18.0.0/15", () => {
  const range = parseIpv4Cidr("198.18.0.0/15");
  assert.ok(range);
  for (const size of SIZES) {
    const spec = buildSpec(benchConfig(size));
    const hosts = allHosts(spec);
    assert.equal(hosts.length, 2 + size.controlPlanes + size.workers);
    assert.equal(new Set(hosts.map((h) => h.address)).size, hosts.length, sizeLabel(size));
    for (const h of hosts) assert.ok(contains(range, h.address), `${h.name} ${h.address}`);
    assert.deepEqual(
      nodeNames(size),
      [...spec.controlPlanes, ...spec.workers].map((h) => h.name),
    );
  }
  assert.deepEqual(parseSize("5+500"), { controlPlanes: 5, workers: 500 });
  assert.equal(parseSize("4+500"), undefined);
  assert.equal(parseSize("3-500"), undefined);
});

/** A measurement as a child would report it. */
function evalResult(over: Partial<EvalResult> = {}): EvalResult {
  return {
    evalMs: 5000,
    cpuMs: 6000,
    startupMs: 2000,
    peakRssMiB: 300,
    resources: 40,
    commands: 32,
    bringUpCommands: 32,
    busiest: { host: "cp1", commands: 12 },
    criticalPath: 12,
    loadAverage: 1,
    sourceMaps: true,
    ...over,
  };
}
const renderResult: RenderResult = { renderMs: 100, files: 57, bytes: 100_000, planBytes: 20_000, peakRssMiB: 200 };
const runsOf = (size: string, evals: EvalResult[]): SizeRuns => ({
  size,
  evals,
  renders: evals.map(() => renderResult),
});

test("goals: judged on the worst run, missed by how much, not measured when the size did not run", () => {
  const verdicts = judgeGoals([
    runsOf("3+2", [evalResult()]),
    runsOf("3+500", [evalResult({ evalMs: 8000, peakRssMiB: 450 }), evalResult({ evalMs: 13_000, peakRssMiB: 420 })]),
    runsOf("3+2000", [
      evalResult({ evalMs: 30_000, peakRssMiB: 1500, criticalPath: 14, busiest: { host: "cp1", commands: 25 } }),
    ]),
  ]);
  const byGoal = new Map(verdicts.map((v) => [v.goal, v]));
  assert.deepEqual(
    { ...byGoal.get("3+500: evaluation < 10 s") },
    {
      goal: "3+500: evaluation < 10 s",
      value: "13 s",
      met: false,
      verdict: "missed by 3 s (30% over)",
    },
  );
  assert.equal(byGoal.get("3+500: peak RSS < 500 MiB")?.verdict, "met (10% under)");
  assert.equal(byGoal.get("3+2000: evaluation < 60 s")?.met, true);
  const busiest = byGoal.get(`busiest host ≤ ${BUSIEST_HOST_LIMIT} bring-up commands at every size`);
  assert.equal(busiest?.value, "25 (cp1 at 3+2000)");
  assert.equal(busiest?.verdict, "missed by 5 commands (25% over)");
  const flat = byGoal.get("critical path identical at 2 and 2000 workers (3+2, 3+2000)");
  assert.deepEqual([flat?.met, flat?.value, flat?.verdict], [false, "12 and 14 commands", "missed by 2 commands"]);

  const partial = judgeGoals([runsOf("3+2", [evalResult({ busiest: { host: "cp1", commands: 20 } })])]);
  assert.equal(partial.find((v) => v.goal.startsWith("3+500: evaluation"))?.verdict, "not measured: 3+500 was not run");
  assert.equal(partial.find((v) => v.goal.startsWith("busiest"))?.verdict, "met (at the limit)");
  assert.equal(partial.find((v) => v.goal.startsWith("critical path"))?.met, undefined);
});

test("a child process measures one size: as the tests run (source maps on), or with them off, or as pulumi up loads it", () => {
  const off = runChild<EvalResult>("eval", "3+2", { sourceMaps: false, timeoutMs: 120_000 });
  assert.equal(off.sourceMaps, false);
  assert.equal(off.loader, "tsx");
  // The child can collect garbage at the end: what the program keeps, below the peak.
  assert.ok(
    off.liveHeapMiB !== undefined && off.liveHeapMiB > 0 && off.liveHeapMiB < off.peakRssMiB,
    String(off.liveHeapMiB),
  );
  assert.equal(off.commands, planCommands(planOf({ controlPlanes: 3, workers: 2 })).length);
  const render = runChild<RenderResult>("render", "3+2", { timeoutMs: 120_000 });
  assert.ok(render.files > 0 && render.bytes > render.planBytes && render.planBytes > 0);
  assert.throws(() => runChild("eval", "4+2", { timeoutMs: 120_000 }), /eval 4\+2: exited with 2\nusage:/);
  // Loaded as Pulumi's language host does: source-map-support, then ts-node with tsconfig.json's settings.
  const pulumiLoaded = runChild<EvalResult>("eval", "3+2", { loader: "pulumi", timeoutMs: 300_000 });
  assert.deepEqual(
    [pulumiLoaded.loader, pulumiLoaded.commands, pulumiLoaded.criticalPath],
    ["pulumi", off.commands, off.criticalPath],
  );
  assert.deepEqual(loaderArgs("tsx"), ["--import", "tsx"]);
  const args = loaderArgs("pulumi");
  assert.match(args[1], /source-map-support[/\\]register\.js$/);
  assert.equal(args[3], "ts-node/register");
});

test("child output: the result line is found among whatever else the program printed", () => {
  const result = evalResult();
  const stdout = `warning: something\n${RESULT_PREFIX}${JSON.stringify(result)}\nleftover\n`;
  assert.deepEqual(parseChildOutput<EvalResult>(stdout, "eval 3+2"), result);
  assert.throws(() => parseChildOutput("no result\n", "eval 3+2"), /eval 3\+2: the child printed no result line/);
});

test("CLI: arguments; a run writes the table and the JSON, and exits 1 on a missed goal, 0 when all are met", () => {
  assert.equal(parseBenchArgs(["--help"]), "help");
  assert.match(parseBenchArgs(["--runs", "0"]) as string, /--runs 0: a whole number from 1 to 20/);
  assert.match(parseBenchArgs(["--sizes", "3+2,4+2"]) as string, /bad: 4\+2/);
  assert.match(parseBenchArgs(["--bogus"]) as string, /Unknown option '--bogus'/);
  const args = parseBenchArgs(["--runs", "2", "--sizes", "3+2,3+2000"]);
  assert.ok(typeof args === "object");
  assert.deepEqual([args.runs, args.sizes, args.sourceMaps, args.loader], [2, ["3+2", "3+2000"], true, "pulumi"]);
  assert.equal((parseBenchArgs(["--loader", "tsx"]) as { loader: string }).loader, "tsx");
  assert.match(parseBenchArgs(["--loader", "bun"]) as string, /--loader bun: pulumi or tsx/);
  assert.ok(args.out.endsWith(join("bench-results", "bench.json")), args.out);
  assert.equal((parseBenchArgs(["--no-source-maps"]) as { sourceMaps: boolean }).sourceMaps, false);

  for (const [busiest, code] of [
    [30, 1],
    [20, 0],
  ] as const) {
    const out = join(tempDir(), "bench.json");
    const calls: string[] = [];
    const measure = ((what: "eval" | "render", size: string) => {
      calls.push(`${what} ${size}`);
      return what === "eval" ? evalResult({ busiest: { host: "cp1", commands: busiest } }) : renderResult;
    }) as Measure;
    let printed = "";
    const io = {
      measure,
      out: (t: string) => {
        printed += t;
      },
      err: () => undefined,
    };
    const exit = benchCli(["--runs", "2", "--sizes", "3+2,3+2000", "--out", out], io);
    assert.equal(exit, code, printed);
    // Sizes interleave within a run, each measured in its own child: eval, then render.
    const oneRun = ["eval 3+2", "render 3+2", "eval 3+2000", "render 3+2000"];
    assert.deepEqual(calls, [...oneRun, ...oneRun]);
    assert.match(printed, /^3\+2000 +32 +\d+ \(cp1\) +12 +5\.0 /m);
    assert.ok(existsSync(out));
    const json = JSON.parse(readFileSync(out, "utf8")) as {
      runs: number;
      sizes: { size: string }[];
      goals: { met?: boolean }[];
    };
    assert.equal(json.runs, 2);
    assert.deepEqual(
      json.sizes.map((s) => s.size),
      ["3+2", "3+2000"],
    );
    assert.equal(
      json.goals.some((g) => g.met === false),
      code === 1,
    );
  }

  const seen: (boolean | undefined)[] = [];
  const measure = ((what: "eval" | "render", _size: string, options: ChildOptions) => {
    if (what === "eval") seen.push(options.sourceMaps);
    return what === "eval" ? evalResult({ sourceMaps: false }) : renderResult;
  }) as Measure;
  let printed = "";
  const out = join(tempDir(), "bench.json");
  benchCli(["--sizes", "3+2", "--no-source-maps", "--out", out], {
    measure,
    out: (t) => {
      printed += t;
    },
    err: () => undefined,
  });
  assert.deepEqual(seen, [false]);
  assert.match(printed, /source-mapped stack traces off/);
  assert.equal((JSON.parse(readFileSync(out, "utf8")) as { sourceMaps: boolean }).sourceMaps, false);
});

test("building a plan reads each script template once per process, not once per step", () => {
  const size = { controlPlanes: 3, workers: 50 };
  planOf(size);
  const reads: string[] = [];
  const original = fs.readFileSync;
  const spy = ((...args: Parameters<typeof fs.readFileSync>) => {
    if (String(args[0]).startsWith(SCRIPTS_DIR)) reads.push(String(args[0]));
    return original(...args);
  }) as typeof fs.readFileSync;
  fs.readFileSync = spy;
  try {
    planOf(size);
  } finally {
    fs.readFileSync = original;
  }
  assert.deepEqual(reads, []);
});

test("looking steps up scans a plan's steps once, however many lookups", () => {
  const plan = planOf({ controlPlanes: 3, workers: 50 });
  let reads = 0;
  const steps = new Proxy([...plan.steps], {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const watched = { steps };
  for (const w of nodeNames({ controlPlanes: 3, workers: 50 })) stepOf(watched, "prepare-node", w);
  assert.equal(stepsOf(watched, "kubeadm-join").length, 53);
  assert.ok(reads <= plan.steps.length, `${reads} reads of ${plan.steps.length} steps for 54 lookups`);
});
