import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inNs } from "../net/netns";
import { runSync } from "./sh";

/** The shell side: mounts the overlays and stubs, runs the step, copies its files out. */
const SANDBOX_SCRIPT = join(__dirname, "step-sandbox.sh");

/**
 * argv that runs `bash script args...` inside lab namespace `ns` and a private mount namespace of
 * its own, what the sandbox scripts (this one, lab/etcd-restore/sandbox.sh) require before mounting.
 */
export function inMountSandbox(ns: string, script: string, args: readonly string[]): string[] {
  return inNs(ns, ["unshare", "--mount", "--propagation", "private", "bash", script, ...args]);
}

/** One plan step to run in the sandbox. */
export interface SandboxStep {
  /** Lab namespace to run it in (the host it belongs to: its checks see that host's interfaces). */
  readonly ns: string;
  /** Step id, bash's `$0` as in production. */
  readonly id: string;
  /** The step's script, exactly as the plan renders it. */
  readonly script: string;
  /** Its stdin: the secrets it reads, one a line. Never on a command line or in a file. */
  readonly stdin: string;
  /** Absolute paths of the files the step installs, to copy out afterwards. */
  readonly installs: readonly string[];
  /** Scratch folder of this run (emptied first). */
  readonly dir: string;
}

/** A file the step left at its path, read back from the sandbox. */
export interface SandboxFile {
  readonly content: string;
  /** Permission bits, e.g. 0o600. */
  readonly mode: number;
}

/** What the step did. */
export interface SandboxResult {
  /** Its exit status (null: killed by the time limit). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Files found at the listed paths after it ran, by path. */
  readonly files: ReadonlyMap<string, SandboxFile>;
  /** Calls of the stubbed service manager and package tools, e.g. `systemctl restart keepalived`. */
  readonly calls: readonly string[];
}

/**
 * Runs a plan step's script as root with its secrets on stdin, the way production does, inside
 * lab namespace `ns` and a private mount namespace whose /etc, /var and /usr are throw-away
 * overlays (lab/lib/step-sandbox.sh): the step's own shell code installs its files, and nothing
 * it writes or starts reaches the host.
 */
export function runStepInSandbox(step: SandboxStep): SandboxResult {
  rmSync(step.dir, { recursive: true, force: true });
  mkdirSync(step.dir, { recursive: true, mode: 0o700 });
  const scriptFile = join(step.dir, "step.sh");
  // The script holds no secret (production shows it in `ps`); the secrets go on stdin only.
  writeFileSync(scriptFile, step.script, { mode: 0o600 });
  const [cmd, ...args] = inMountSandbox(step.ns, SANDBOX_SCRIPT, [step.dir, scriptFile, step.id, ...step.installs]);
  const r = runSync(cmd, args, { input: step.stdin, timeoutMs: 60_000 });
  const files = new Map<string, SandboxFile>();
  for (const path of step.installs) {
    const copy = join(step.dir, "files", path);
    if (existsSync(copy)) files.set(path, { content: readFileSync(copy, "utf8"), mode: statSync(copy).mode & 0o777 });
  }
  const callsFile = join(step.dir, "calls");
  const calls = existsSync(callsFile)
    ? readFileSync(callsFile, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
  return { status: r.code, stdout: r.stdout, stderr: r.stderr, files, calls };
}
