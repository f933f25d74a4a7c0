import { randomInt } from "node:crypto";
import { basename } from "node:path";
import { ClusterSpec } from "../core/config/types";
import { buildPlan } from "../core/plan/steps";
import { LabError } from "./lib/errors";
import { runStepInSandbox, SandboxFile } from "./lib/step-sandbox";
import { LabHost } from "./net/topology";

/** One step of the program's plan (its public shape, whatever the plan module names it). */
export type PlanStepOf = ReturnType<typeof buildPlan>["steps"][number];

/** The load-balancer files as the program's own `load-balancer` step installed them. */
export interface InstalledLbFiles {
  /** /etc/haproxy/haproxy.cfg. */
  readonly haproxyCfg: string;
  /** /etc/keepalived/keepalived.conf, the auth_pass substituted by the step's shell code. */
  readonly keepalivedConf: string;
  /** The check script keepalived tracks (path named in keepalived.conf). */
  readonly checkScript: { readonly path: string; readonly content: string };
  /** keepalived's `script_user`. */
  readonly scriptUser: string;
  /** What the step asked the (stubbed) service manager to do, e.g. `systemctl restart keepalived`. */
  readonly serviceCalls: readonly string[];
  /** Lines where the installed file differs from the plan's listing: the placeholders the step filled. */
  readonly substitutedLines: number;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random 8-character alphanumeric VRRP password (keepalived truncates auth_pass to 8). */
export function randomAuthPass(): string {
  return Array.from({ length: 8 }, () => ALNUM[randomInt(ALNUM.length)]).join("");
}

/** The `load-balancer` step of every LB host in the program's plan for `spec`, by host name. */
export function loadBalancerSteps(spec: ClusterSpec): Map<string, PlanStepOf> {
  const steps = buildPlan(spec).steps.filter((s) => s.phase === "load-balancer");
  const byHost = new Map<string, PlanStepOf>();
  for (const lb of spec.loadBalancers) {
    const mine = steps.filter((s) => s.host === lb.name);
    if (mine.length !== 1) throw new LabError(`the plan has ${mine.length} load-balancer steps for ${lb.name}, the lab expects one`);
    byHost.set(lb.name, mine[0]);
  }
  return byHost;
}

/** The listed file of `step` whose name is `name` (haproxy.cfg, keepalived.conf). */
export function listedFile(step: PlanStepOf, name: string): { path: string; content: string } {
  const file = step.files.find((f) => basename(f.path) === name);
  if (!file) throw new LabError(`the ${step.phase} step of ${step.host} lists no ${name}`);
  return file;
}

/** The value of keyword `key` in a keepalived.conf (first occurrence, quotes removed). */
export function keepalivedValue(conf: string, key: string): string {
  const m = new RegExp(`^\\s*${key}\\s+"?([^"\\s]+)"?\\s*$`, "m").exec(conf);
  if (!m) throw new LabError(`keepalived.conf has no ${key}`);
  return m[1];
}

/**
 * Checks that `installed` is `listed` with placeholders replaced by `secret` and nothing else:
 * same lines, and on each differing line one token of the listing became the secret. Returns how
 * many lines were substituted.
 */
export function substitutedLines(path: string, listed: string, installed: string, secret: string): number {
  const a = listed.split("\n");
  const b = installed.split("\n");
  if (a.length !== b.length) throw new LabError(`${path}: installed file has ${b.length} lines, the plan lists ${a.length}`);
  let changed = 0;
  for (const [i, line] of a.entries()) {
    if (line === b[i]) continue;
    const at = b[i].indexOf(secret);
    const before = b[i].slice(0, Math.max(at, 0));
    const after = b[i].slice(at + secret.length);
    const placeholder = line.slice(before.length, line.length - after.length);
    const ok = at >= 0 && line.startsWith(before) && line.endsWith(after) && line.length > before.length + after.length && /^\S+$/.test(placeholder);
    if (!ok) throw new LabError(`${path} line ${i + 1}: the installed file differs from the plan's listing beyond a placeholder`);
    changed++;
  }
  return changed;
}

/** The step's stdin: each secret it names, one a line, in its order. The lab knows only the VRRP password. */
function stdinFor(step: PlanStepOf, authPass: string): string {
  const known: Readonly<Record<string, string>> = { keepalivedAuthPass: authPass };
  return step.stdin.map((name) => {
    const value = known[name];
    if (value === undefined) throw new LabError(`the ${step.phase} step of ${step.host} reads secret ${name}, which the lab does not have`);
    return `${value}\n`;
  }).join("");
}

function installed(files: ReadonlyMap<string, SandboxFile>, path: string): SandboxFile {
  const f = files.get(path);
  if (!f) throw new LabError(`the load-balancer step did not install ${path}`);
  return f;
}

/**
 * Runs the plan's `load-balancer` step of `lb` in the step sandbox (lab/lib/step-sandbox.ts) with
 * `authPass` on stdin: the production script substitutes the secret, checks the configs with the
 * real daemons and installs them. Returns what it installed, after checking that every listed
 * file is there, equal to the listing but for filled placeholders, and the secret file 0600.
 */
export function installLbFiles(step: PlanStepOf, lb: LabHost, dir: string, authPass: string): InstalledLbFiles {
  const r = runStepInSandbox({
    ns: lb.ns, id: `${step.host}-${step.phase}`, script: step.script ?? "", stdin: stdinFor(step, authPass),
    installs: step.files.map((f) => f.path), dir,
  });
  if (`${r.stdout}${r.stderr}`.includes(authPass)) throw new LabError(`the load-balancer step of ${lb.name} printed the auth_pass`);
  if (r.status !== 0) throw new LabError(`the load-balancer step of ${lb.name} failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  let substituted = 0;
  for (const f of step.files) {
    const got = installed(r.files, f.path);
    const n = substitutedLines(f.path, f.content, got.content, authPass);
    if (n > 0 && (got.mode & 0o077) !== 0) throw new LabError(`${f.path} holds the auth_pass but is mode ${got.mode.toString(8)}`);
    substituted += n;
  }
  const keepalivedConf = installed(r.files, listedFile(step, "keepalived.conf").path).content;
  const scriptPath = keepalivedValue(keepalivedConf, "script");
  return {
    haproxyCfg: installed(r.files, listedFile(step, "haproxy.cfg").path).content,
    keepalivedConf,
    checkScript: { path: scriptPath, content: installed(r.files, scriptPath).content },
    scriptUser: keepalivedValue(keepalivedConf, "script_user"),
    serviceCalls: r.calls,
    substitutedLines: substituted,
  };
}
