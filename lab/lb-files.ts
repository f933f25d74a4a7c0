import { basename } from "node:path";
import { ClusterSpec, loadBalancerHosts } from "../core/config/types";
import { INTERFACE_PLACEHOLDER } from "../core/plan/keepalived";
import { buildPlan } from "../core/plan/steps";
import { LabError } from "./lib/errors";
import { runStepInSandbox, SandboxFile } from "./lib/step-sandbox";
import { LAB_INTERFACE, LabHost } from "./net/topology";

/** One step of the program's plan (its public shape, whatever the plan module names it). */
export type PlanStepOf = ReturnType<typeof buildPlan>["steps"][number];

/** The load-balancer files as the program's own `load-balancer` step installed them. */
export interface InstalledLbFiles {
  /** /etc/haproxy/haproxy.cfg. */
  readonly haproxyCfg: string;
  /** /etc/keepalived/keepalived.conf, the interface filled in by the step's shell code. */
  readonly keepalivedConf: string;
  /** The check script keepalived tracks (path named in keepalived.conf). */
  readonly checkScript: { readonly path: string; readonly content: string };
  /** keepalived's `script_user`. */
  readonly scriptUser: string;
  /** What the step asked the (stubbed) service manager to do, e.g. `systemctl reload-or-restart keepalived`. */
  readonly serviceCalls: readonly string[];
  /** Lines where the installed files differ from the plan's listing: the placeholders the step filled. */
  readonly filledLines: number;
  /** The interface the step put into keepalived.conf. */
  readonly vipInterface: string;
}

/**
 * The `load-balancer` step of every LB host in the program's plan for `spec` (the pair, or every
 * control plane when colocated), by host name.
 */
export function loadBalancerSteps(spec: ClusterSpec): Map<string, PlanStepOf> {
  const steps = buildPlan(spec).steps.filter((s) => s.phase === "load-balancer");
  const byHost = new Map<string, PlanStepOf>();
  for (const lb of loadBalancerHosts(spec)) {
    const mine = steps.filter((s) => s.host === lb.name);
    if (mine.length !== 1)
      throw new LabError(`the plan has ${mine.length} load-balancer steps for ${lb.name}, the lab expects one`);
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
 * Checks that `installed` is `listed` with each placeholder of `fills` replaced by its value and
 * nothing else changed. Returns how many lines the filling changed.
 */
export function filledLines(
  path: string,
  listed: string,
  installed: string,
  fills: Readonly<Record<string, string>>,
): number {
  let expected = listed;
  for (const [placeholder, value] of Object.entries(fills)) expected = expected.replaceAll(placeholder, value);
  if (installed !== expected) {
    const a = expected.split("\n");
    const b = installed.split("\n");
    const at = a.findIndex((line, i) => line !== b[i]);
    throw new LabError(
      `${path} line ${at + 1}: the installed file differs from the plan's listing beyond its placeholders (${Object.keys(fills).join(", ")})`,
    );
  }
  const lines = listed.split("\n");
  return installed.split("\n").filter((line, i) => line !== lines[i]).length;
}

function installed(files: ReadonlyMap<string, SandboxFile>, path: string): SandboxFile {
  const f = files.get(path);
  if (!f) throw new LabError(`the load-balancer step did not install ${path}`);
  return f;
}

/**
 * Runs the plan's `load-balancer` step of `lb` in the step sandbox (lab/lib/step-sandbox.ts), as
 * production does: the step's shell code finds the interface that holds the LB's address (the
 * lab's eth0), fills it in, checks the configs with the real daemons and installs them. Returns
 * what it installed, after checking that every listed file is there, equal to the listing but for
 * the filled interface.
 */
export function installLbFiles(step: PlanStepOf, lb: LabHost, dir: string): InstalledLbFiles {
  // Every secret a step reads comes on stdin; the load-balancer step reads none (VRRPv3 has no password).
  if (step.stdin.length > 0)
    throw new LabError(
      `the ${step.phase} step of ${step.host} reads secrets (${step.stdin.join(", ")}), which the lab does not have`,
    );
  const r = runStepInSandbox({
    ns: lb.ns,
    id: `${step.host}-${step.phase}`,
    script: step.script ?? "",
    stdin: "",
    installs: step.files.map((f) => f.path),
    dir,
  });
  if (r.status !== 0)
    throw new LabError(
      `the load-balancer step of ${lb.name} failed (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`,
    );
  const fills = { [INTERFACE_PLACEHOLDER]: LAB_INTERFACE };
  let filled = 0;
  for (const f of step.files) filled += filledLines(f.path, f.content, installed(r.files, f.path).content, fills);
  const keepalivedConf = installed(r.files, listedFile(step, "keepalived.conf").path).content;
  const scriptPath = keepalivedValue(keepalivedConf, "script");
  return {
    haproxyCfg: installed(r.files, listedFile(step, "haproxy.cfg").path).content,
    keepalivedConf,
    checkScript: { path: scriptPath, content: installed(r.files, scriptPath).content },
    scriptUser: keepalivedValue(keepalivedConf, "script_user"),
    serviceCalls: r.calls,
    filledLines: filled,
    vipInterface: keepalivedValue(keepalivedConf, "interface"),
  };
}
