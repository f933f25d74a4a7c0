import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSpec } from "../core/config/build-spec";
import { replaceTree } from "../core/render/out-dir";
import { PLAN_FILE, renderPlan } from "../core/render/render-plan";
import { BenchSize, benchConfig, sizeLabel } from "./stack";

/** What one offline render of a size measured. */
export interface RenderResult {
  /** Milliseconds to build the spec, render the plan and write the tree, as `npm run render` does. */
  readonly renderMs: number;
  /** Files in the tree (PLAN.md, scripts, installed files). */
  readonly files: number;
  /** Bytes of all files. */
  readonly bytes: number;
  /** Bytes of PLAN.md alone. */
  readonly planBytes: number;
  /** Peak resident memory of the process, MiB (`maxRSS`). */
  readonly peakRssMiB: number;
}

/**
 * Renders the plan of a generated stack of `size` into a temporary folder (removed afterwards)
 * and measures it. Call once per process: peak memory is the process's.
 */
export function renderSize(size: BenchSize): RenderResult {
  const config = benchConfig(size);
  const out = mkdtempSync(join(tmpdir(), `kubeadm-ha-bench-${sizeLabel(size)}-`));
  try {
    const start = performance.now();
    const tree = renderPlan(`bench-${sizeLabel(size)}`, buildSpec(config));
    replaceTree(join(out, "render"), tree);
    const renderMs = performance.now() - start;
    let bytes = 0;
    for (const content of tree.values()) bytes += Buffer.byteLength(content);
    return {
      renderMs,
      files: tree.size,
      bytes,
      planBytes: Buffer.byteLength(tree.get(PLAN_FILE) ?? ""),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
