import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../test/support/stack";
import { EvalResult, Loader } from "./evaluate";
import { GoalVerdict, judgeGoals, SizeRuns } from "./goals";
import { RenderResult } from "./render-size";
import { formatReport, summarise, thisMachine } from "./report";
import { ChildError, ChildOptions } from "./spawn";
import { parseSize, SIZES, sizeLabel } from "./stack";

/** The usage text of `npm run bench`. */
export const USAGE = `usage: npm run bench -- [--runs N] [--sizes 3+2,3+500] [--loader pulumi|tsx] [--out FILE] [--profile] [--no-source-maps]

Evaluates the whole program under the project's Pulumi mocks and renders its plan offline, for
each size (control planes + workers; default ${SIZES.map(sizeLabel).join(", ")}), each in a fresh
process, and prints a table and the goals of issue 14 (met / missed by how much).

  --runs N       runs per size (default 1); the table shows min-max
  --sizes LIST   comma-separated sizes, e.g. 3+2,3+2000
  --loader L     how the evaluation loads the TypeScript program: pulumi (default) as
                 \`pulumi up\` does (source-map-support, ts-node with tsconfig.json's settings),
                 or tsx as the tests run
  --out FILE     JSON results (default bench-results/bench.json)
  --profile      also write CPU profiles per evaluation into bench-results/profiles/<size>-run<N>/
                 (one per thread; the program's is the largest)
  --no-source-maps
                 evaluate with Node's source-mapped stack traces off (tsx turns them on)
  -h, --help     show this text

Exit codes: 0 every measured goal met, 1 a goal missed or a measurement failed, 2 usage error.
`;

/** The parsed command line. */
export interface BenchArgs {
  /** Runs per size. */
  readonly runs: number;
  /** Sizes, as labels. */
  readonly sizes: readonly string[];
  /** JSON output path. */
  readonly out: string;
  /** Write CPU profiles. */
  readonly profile: boolean;
  /** Evaluate with source-mapped stack traces (the default, as the tests run). */
  readonly sourceMaps: boolean;
  /** How the evaluation loads the program. */
  readonly loader: Loader;
}

/** Parses the command line; a string is the usage error to print, `help` asks for the usage text. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | "help" | string {
  let values: {
    runs?: string;
    sizes?: string;
    loader?: string;
    out?: string;
    profile?: boolean;
    "no-source-maps"?: boolean;
    help?: boolean;
  };
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        runs: { type: "string" },
        sizes: { type: "string" },
        loader: { type: "string" },
        out: { type: "string" },
        profile: { type: "boolean" },
        "no-source-maps": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    return (e as Error).message;
  }
  if (values.help) return "help";
  const runs = Number(values.runs ?? "1");
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) return `--runs ${values.runs}: a whole number from 1 to 20`;
  const sizes = values.sizes === undefined ? SIZES.map(sizeLabel) : values.sizes.split(",").map((s) => s.trim());
  const bad = sizes.filter((s) => parseSize(s) === undefined);
  if (bad.length > 0 || sizes.length === 0) {
    return `--sizes ${values.sizes}: sizes are <odd control planes>+<workers>, e.g. 3+500 (bad: ${bad.join(", ")})`;
  }
  const loader = values.loader ?? "pulumi";
  if (loader !== "pulumi" && loader !== "tsx") return `--loader ${loader}: pulumi or tsx`;
  return {
    runs,
    sizes,
    loader,
    out: resolve(ROOT, values.out ?? join("bench-results", "bench.json")),
    profile: values.profile === true,
    sourceMaps: values["no-source-maps"] !== true,
  };
}

/** How a measurement is taken: a child process in `npm run bench`, a stub in tests. */
export type Measure = <T extends EvalResult | RenderResult>(
  what: "eval" | "render",
  size: string,
  options: ChildOptions,
) => T;

/** Where the bench writes: injected so tests can run it in-process. */
export interface BenchIo {
  /** Takes one measurement. */
  readonly measure: Measure;
  /** Progress and the report. */
  readonly out: (text: string) => void;
  /** Errors. */
  readonly err: (text: string) => void;
}

/** Runs every size `runs` times (sizes interleaved, so a busy minute on the machine hits all). */
function measureAll(args: BenchArgs, io: BenchIo): { runs: SizeRuns[]; failures: string[] } {
  const evals = new Map<string, EvalResult[]>(args.sizes.map((s) => [s, []]));
  const renders = new Map<string, RenderResult[]>(args.sizes.map((s) => [s, []]));
  const failures: string[] = [];
  for (let run = 1; run <= args.runs; run++) {
    for (const size of args.sizes) {
      // A folder per evaluation: tsx's loader thread writes a profile too, under the same name pattern.
      const nodeArgs = args.profile
        ? ["--cpu-prof", `--cpu-prof-dir=${join(dirname(args.out), "profiles", `${size}-run${run}`)}`]
        : [];
      try {
        io.out(`run ${run}/${args.runs}, ${size}: evaluating...`);
        const e = io.measure<EvalResult>("eval", size, {
          nodeArgs,
          loader: args.loader,
          sourceMaps: args.sourceMaps,
          timeoutMs: 15 * 60_000,
        });
        (evals.get(size) as EvalResult[]).push(e);
        const r = io.measure<RenderResult>("render", size, { timeoutMs: 15 * 60_000 });
        (renders.get(size) as RenderResult[]).push(r);
        io.out(
          ` ${(e.evalMs / 1000).toFixed(1)} s, ${Math.round(e.peakRssMiB)} MiB; render ${(r.renderMs / 1000).toFixed(2)} s\n`,
        );
      } catch (err) {
        if (!(err instanceof ChildError)) throw err;
        failures.push(err.message);
        io.out(" failed\n");
        io.err(`${err.message}\n`);
      }
    }
  }
  return {
    runs: args.sizes.map((size) => ({ size, evals: evals.get(size) ?? [], renders: renders.get(size) ?? [] })),
    failures,
  };
}

/** Runs the bench with `argv` (without node and script); returns the exit code. */
export function benchCli(argv: readonly string[], io: BenchIo): number {
  const args = parseBenchArgs(argv);
  if (args === "help") {
    io.out(USAGE);
    return 0;
  }
  if (typeof args === "string") {
    io.err(`bench: ${args}\n\n${USAGE}`);
    return 2;
  }
  const { runs, failures } = measureAll(args, io);
  const measured = runs.filter((r) => r.evals.length > 0 && r.renders.length > 0);
  const sizes = measured.map(summarise);
  const goals: GoalVerdict[] = judgeGoals(measured);
  const machine = thisMachine();
  io.out(
    `\n${formatReport(sizes, goals, { runs: args.runs, sourceMaps: args.sourceMaps, loader: args.loader }, machine)}`,
  );
  mkdirSync(dirname(args.out), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine,
    runs: args.runs,
    loader: args.loader,
    sourceMaps: args.sourceMaps,
    sizes,
    goals,
    measurements: runs,
    failures,
  };
  writeFileSync(args.out, JSON.stringify(json, null, 2) + "\n");
  io.out(`written: ${args.out}\n`);
  return failures.length > 0 || goals.some((g) => g.met === false) ? 1 : 0;
}
