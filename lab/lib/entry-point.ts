/**
 * What every lab entry point (`lab/run.ts`, `lab/etcd-restore/run.ts`) does around its drills:
 * takes the lock, installs the cleanup, clears a killed run's leftovers, arms the watchdog; turns an
 * abort into a failed row; writes the report and prints the table and the verdict.
 */
import { isAbsolute, join } from "node:path";
import { Check, LabReport, renderTable, writeReport } from "../report";
import { Cleanup, CleanupOptions, teardown } from "./cleanup";
import { LabError, messageOf } from "./errors";
import { acquireLock } from "./lock";

/** How an entry point starts. */
export interface EntryOptions {
  /** Prints one line. */
  readonly say: (line: string) => void;
  /** Its cleanup (default: the HA lab's teardown). */
  readonly cleanup?: CleanupOptions;
  /** Whole-run limit: past it the run prints `watchdogLine` (stderr), cleans up and exits 124. */
  readonly watchdogMs: number;
  readonly watchdogLine: string;
}

/** A started run: its cleanup and its watchdog. */
export interface StartedRun {
  readonly cleanup: Cleanup;
  readonly watchdog: NodeJS.Timeout;
}

/** `path` as given when absolute, else under the repository root `repo`. */
export function reportPathOf(repo: string, path: string): string {
  return isAbsolute(path) ? path : join(repo, path);
}

/**
 * Takes the lab lock, installs the cleanup handlers and, with the lock held, removes any lab
 * namespace (a killed run's leftover) as the HA lab does; then arms the watchdog.
 */
export function startRun(o: EntryOptions): StartedRun {
  acquireLock();
  const cleanup = new Cleanup(o.say, o.cleanup);
  cleanup.install();
  const leftovers = teardown();
  if (leftovers.length > 0) o.say(`lab: removed leftovers of an earlier run: ${leftovers.join("; ")}`);
  const watchdog = setTimeout(() => {
    console.error(o.watchdogLine);
    cleanup.run("watchdog");
    process.exit(124);
  }, o.watchdogMs);
  watchdog.unref();
  return { cleanup, watchdog };
}

/**
 * Runs `body`; when it throws, adds a failed `lab run` row (expecting `expectation`, measured
 * `aborted: <why>`). Cleans up and disarms the watchdog in every case.
 */
export async function runGuarded(
  run: StartedRun,
  checks: Check[],
  expectation: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof LabError)) console.error(e);
    checks.push({ drill: "lab run", expectation, measured: `aborted: ${messageOf(e)}`, pass: false, figures: {} });
  } finally {
    run.cleanup.run("end of run");
    clearTimeout(run.watchdog);
  }
}

/** Writes the report to `path`, prints the table and the PASS/FAIL line; returns the exit code. */
export function finishRun(path: string, report: LabReport, say: (line: string) => void): number {
  const checks = report.checks;
  writeReport(path, report);
  say("");
  say(renderTable(checks));
  say(
    `\n${report.pass ? "PASS" : "FAIL"}: ${checks.filter((c) => c.pass).length}/${checks.length} checks in ${(report.durationMs / 1000).toFixed(1)} s; report ${path}; logs ${report.logDir}`,
  );
  return report.pass ? 0 : 1;
}

/** Runs `main` and sets the exit code: its result, or 2 after `<label>: <why>` (stderr) when it throws. */
export function runMain(label: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`${label}: ${messageOf(e)}`);
      process.exitCode = 2;
    },
  );
}
