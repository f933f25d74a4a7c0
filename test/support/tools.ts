import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { after } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when a command is on PATH. */
export function have(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** True when running as root (network namespaces, keepalived -t). */
export const isRoot = process.getuid?.() === 0;

/** Writes text to a fresh temp file and returns its path. */
export function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kubeadm-ha-test-"));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs a checker; returns its exit status and combined output. */
export function check(command: string, args: string[]): { status: number; output: string } {
  const r = spawnSync(command, args, { encoding: "utf8" });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** Runs a command and returns stdout, throwing on failure. */
export function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8" });
}

/**
 * Why a real-tool check cannot run here, or undefined when it can. With KUBEADM_HA_REQUIRE_TOOLS=1
 * (set by .ci/run) a missing tool fails the test instead of skipping it.
 */
export function missingTool(...commands: string[]): string | undefined {
  const missing = commands.filter((c) => !have(c));
  if (missing.length === 0) return undefined;
  const reason = `not installed: ${missing.join(", ")} (apt-get install ${missing.join(" ")})`;
  if (process.env.KUBEADM_HA_REQUIRE_TOOLS === "1") throw new Error(`required tool ${reason}`);
  return reason;
}

/** A maker of fresh temp folders named `<prefix>XXXXXX`, all removed when the test file ends. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
