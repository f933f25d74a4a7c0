import { execFile, spawnSync } from "node:child_process";
import { LabError } from "./errors";

/** Result of a finished command. */
export interface CommandResult {
  /** Exit code; null when killed by a signal. */
  readonly code: number | null;
  /** Signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Captured standard output. */
  readonly stdout: string;
  /** Captured standard error. */
  readonly stderr: string;
}

/** Options of {@link runSync} and {@link mustRun}. */
export interface RunOptions {
  /** Text fed on stdin. */
  readonly input?: string;
  /** Kill the command after this long (default 15 s). */
  readonly timeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs a command synchronously (no shell) with a time limit; never throws for a non-zero exit. */
export function runSync(cmd: string, args: readonly string[], opts: RunOptions = {}): CommandResult {
  const env = opts.env ? { ...process.env, ...opts.env } : undefined;
  const r = spawnSync(cmd, args, { input: opts.input, encoding: "utf8", timeout: opts.timeoutMs ?? 15_000, env });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new LabError(`${cmd} is not installed`);
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs a command synchronously and returns its stdout; throws a {@link LabError} with its stderr when it fails. */
export function mustRun(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const r = runSync(cmd, args, opts);
  if (r.code !== 0) {
    throw new LabError(`${cmd} ${args.join(" ")} failed (${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** Runs a command asynchronously (no shell) with a time limit; never rejects for a non-zero exit. */
export function runAsync(cmd: string, args: readonly string[], timeoutMs = 5_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({
        code: e ? (typeof e.code === "number" ? e.code : -1) : 0,
        signal: e?.signal ?? null,
        stdout,
        stderr,
      });
    });
  });
}

/** True when `cmd` is found on PATH. */
export function hasCommand(cmd: string): boolean {
  return runSync("sh", ["-c", `command -v ${cmd}`]).code === 0;
}
