import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** A measured value in the report. */
export type Figure = number | string | boolean | null;

/** One row: a drill's expectation, what was measured, and whether it held. */
export interface Check {
  /** Drill label, e.g. `2 control-plane hard kill`. */
  readonly drill: string;
  /** The bound, in words. */
  readonly expectation: string;
  /** What was measured, in words. */
  readonly measured: string;
  readonly pass: boolean;
  /** The raw figures behind `measured`. */
  readonly figures: Readonly<Record<string, Figure>>;
}

/** The JSON report (`lab-results/lab-report.json`). */
export interface LabReport {
  /** Version 2: `masters` became `controlPlanes`. */
  readonly schema: "kubeadm-ha-lab/2";
  readonly startedAt: string;
  readonly durationMs: number;
  /** Control planes of the run. */
  readonly controlPlanes: number;
  /** `--lb`: the LB pair, or HAProxy and keepalived on the control planes (absent in reports before it). */
  readonly loadBalancers?: "pair" | "colocated";
  /** True when every check passed and the run completed. */
  readonly pass: boolean;
  readonly checks: readonly Check[];
  /** Versions of the real daemons used. */
  readonly versions: Readonly<Record<string, string>>;
  /** Where the daemon logs of this run are. */
  readonly logDir: string;
  readonly notes: readonly string[];
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(line);
  return out;
}

/** Renders the checks as a plain-text table (wrapped columns). */
export function renderTable(checks: readonly Check[]): string {
  const widths = [26, 44, 52, 4];
  const rows = [
    ["drill", "expectation", "measured", "pass"],
    ...checks.map((c) => [c.drill, c.expectation, c.measured, c.pass ? "PASS" : "FAIL"]),
  ];
  const sep = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+";
  const lines = [sep];
  rows.forEach((row, i) => {
    const cells = row.map((cell, j) => wrap(cell, widths[j]));
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++)
      lines.push("| " + cells.map((c, j) => (c[k] ?? "").padEnd(widths[j])).join(" | ") + " |");
    if (i === 0) lines.push(sep);
  });
  lines.push(sep);
  return lines.join("\n");
}

/** Writes the report as JSON, creating its folder. */
export function writeReport(path: string, report: LabReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + "\n");
}
