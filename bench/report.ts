import { cpus, totalmem } from "node:os";
import { Loader } from "./evaluate";
import { GoalVerdict, SizeRuns } from "./goals";

/** The smallest and largest value over runs. */
export interface Range {
  /** Smallest. */
  readonly min: number;
  /** Largest. */
  readonly max: number;
}

/** The range of `values` (NaN..NaN when empty). */
export function rangeOf(values: readonly number[]): Range {
  return values.length === 0 ? { min: NaN, max: NaN } : { min: Math.min(...values), max: Math.max(...values) };
}

/** `7.1-9.8` (one decimal), or `7.1` when every run gave the same. */
export function showRange(r: Range, digits = 1): string {
  const a = r.min.toFixed(digits);
  const b = r.max.toFixed(digits);
  return a === b ? a : `${a}-${b}`;
}

/** One size over all runs, as the table and the JSON show it. */
export interface SizeSummary {
  /** `3+500`. */
  readonly size: string;
  /** Commands registered (the same every run). */
  readonly commands: number;
  /** Of those, with a create. */
  readonly bringUpCommands: number;
  /** The busiest host and its bring-up commands. */
  readonly busiest: { readonly host: string; readonly commands: number };
  /** Critical path in commands with a create. */
  readonly criticalPath: number;
  /** Evaluation wall time, seconds. */
  readonly evalSeconds: Range;
  /** Evaluation process CPU time, seconds (startup included). */
  readonly cpuSeconds: Range;
  /** Evaluation process peak RSS, MiB. */
  readonly peakRssMiB: Range;
  /** Heap the program still held after a full collection, MiB (NaN when not measured). */
  readonly liveHeapMiB: Range;
  /** Render wall time, seconds. */
  readonly renderSeconds: Range;
  /** Render size, MiB. */
  readonly renderMiB: number;
  /** Render files. */
  readonly renderFiles: number;
  /** 1-minute load average at the start of each evaluation. */
  readonly loadAverage: Range;
}

/** Summarises one size's runs (counts from the first run: they do not vary). */
export function summarise(runs: SizeRuns): SizeSummary {
  const first = runs.evals[0];
  const render = runs.renders[0];
  return {
    size: runs.size,
    commands: first.commands,
    bringUpCommands: first.bringUpCommands,
    busiest: first.busiest,
    criticalPath: first.criticalPath,
    evalSeconds: rangeOf(runs.evals.map((e) => e.evalMs / 1000)),
    cpuSeconds: rangeOf(runs.evals.map((e) => e.cpuMs / 1000)),
    peakRssMiB: rangeOf(runs.evals.map((e) => e.peakRssMiB)),
    liveHeapMiB: rangeOf(runs.evals.flatMap((e) => (e.liveHeapMiB !== undefined ? [e.liveHeapMiB] : []))),
    renderSeconds: rangeOf(runs.renders.map((r) => r.renderMs / 1000)),
    renderMiB: render ? render.bytes / (1024 * 1024) : NaN,
    renderFiles: render ? render.files : NaN,
    loadAverage: rangeOf(runs.evals.map((e) => e.loadAverage)),
  };
}

/** The machine the bench ran on. */
export interface Machine {
  /** CPU model. */
  readonly cpu: string;
  /** Logical CPUs. */
  readonly cpus: number;
  /** Memory, GiB. */
  readonly memoryGiB: number;
  /** Node.js version. */
  readonly node: string;
}

/** This machine. */
export function thisMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cpus: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** A plain-text table with aligned columns. */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The table of sizes, then the goals with their verdicts, as printed by `npm run bench`. */
export function formatReport(
  sizes: readonly SizeSummary[],
  goals: readonly GoalVerdict[],
  mode: { readonly runs: number; readonly sourceMaps: boolean; readonly loader: Loader },
  machine: Machine,
): string {
  const rows = sizes.map((s) => [
    s.size,
    String(s.commands),
    `${s.busiest.commands} (${s.busiest.host})`,
    String(s.criticalPath),
    showRange(s.evalSeconds),
    showRange(s.cpuSeconds),
    showRange(s.peakRssMiB, 0),
    showRange(s.liveHeapMiB, 0),
    showRange(s.renderSeconds, 2),
    `${s.renderMiB.toFixed(1)} MiB / ${s.renderFiles}`,
    showRange(s.loadAverage),
  ]);
  const head = [
    "size",
    "commands",
    "busiest host",
    "critical path",
    "eval s",
    "eval CPU s",
    "peak RSS MiB",
    "live heap MiB",
    "render s",
    "render size / files",
    "load avg",
  ];
  const mark = (g: GoalVerdict): string => (g.met === undefined ? "?" : g.met ? "✓" : "✗");
  const verdicts = goals.map(
    (g) => `  ${mark(g)} ${g.goal}: ${g.value !== undefined ? `${g.value}, ` : ""}${g.verdict}`,
  );
  return [
    `kubeadm-ha bench: ${mode.runs} run(s), min-max; ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}; ` +
      `program loaded ${mode.loader === "pulumi" ? "as pulumi up does (ts-node)" : "as the tests run (tsx)"}` +
      `${mode.sourceMaps ? "" : "; source-mapped stack traces off"}`,
    "",
    textTable(head, rows),
    "",
    "Goals (judged on the worst run):",
    ...verdicts,
    "",
  ].join("\n");
}
